import { parseJson, toJson } from './json.js';
import type { Commit, LoggedScribe, Snapshot, Store } from './store.js';
import type { ObjectState } from './types.js';

/**
 * A store in IndexedDB: the log, the object states and the cursors survive a reload or a browser restart. Each commit
 * is one IndexedDB transaction over the three object stores. Records hold JSON text, so 64-bit clocks stay exact.
 */
export class IndexedDbStore implements Store {
  private db?: IDBDatabase;

  /**
   * @param name the database name (one per peer)
   * @param factory the IndexedDB factory; the global `indexedDB` by default
   * @param keyRange the `IDBKeyRange` of that implementation; the global one by default
   */
  constructor(private readonly name: string, private readonly factory: IDBFactory = globalThis.indexedDB,
    private readonly keyRange: typeof IDBKeyRange = globalThis.IDBKeyRange) {
    if (!factory || !keyRange) throw new Error('IndexedDB is not available here; pass a factory and its IDBKeyRange');
  }

  async open(): Promise<Snapshot> {
    this.db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = this.factory.open(this.name, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore('log', { keyPath: 'id' });
        db.createObjectStore('states', { keyPath: 'key' });
        db.createObjectStore('meta', { keyPath: 'key' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const tx = this.db.transaction(['log', 'states', 'meta'], 'readonly');
    const [last, states, meta] = await Promise.all([
      request<IDBCursorWithValue | null>(tx.objectStore('log').openCursor(null, 'prev')),
      request<{ key: string; json: string }[]>(tx.objectStore('states').getAll()),
      request<{ key: string; value: string }[]>(tx.objectStore('meta').getAll()),
    ]);
    return {
      lastId: last ? Number(last.key) : 0,
      states: states.map((r) => reviveState(parseJson(r.json))),
      meta: Object.fromEntries(meta.map((r) => [r.key, r.value])),
    };
  }

  async readAfter(after: number, limit: number): Promise<LoggedScribe[]> {
    const tx = this.database().transaction('log', 'readonly');
    const rows = await request<{ id: number; json: string }[]>(
      tx.objectStore('log').getAll(this.keyRange.lowerBound(after, true), limit));
    return rows.map((r) => reviveScribe(parseJson(r.json)));
  }

  commit(commit: Commit): Promise<void> {
    // 'strict': complete only once on disk. Chromium's default ('relaxed') may report a commit complete before it is
    // written, and a browser quit right after an offline edit then loses an edit the app already counted.
    const tx = this.database().transaction(['log', 'states', 'meta'], 'readwrite', { durability: 'strict' });
    for (const s of commit.scribes) tx.objectStore('log').put({ id: Number(s.id), json: toJson(s) });
    for (const s of commit.states) tx.objectStore('states').put({ key: `${s.klass}\u0000${s.id}`, json: toJson(s) });
    for (const f of commit.forgotten ?? []) tx.objectStore('states').delete(`${f.klass}\u0000${f.id}`);
    for (const [key, value] of Object.entries(commit.meta)) tx.objectStore('meta').put({ key, value });
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }

  private database(): IDBDatabase {
    if (!this.db) throw new Error('store not open');
    return this.db;
  }
}

function request<T>(req: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result as T);
    req.onerror = () => reject(req.error);
  });
}

/** Clocks come back from JSON as numbers when small: make every clock a bigint again. */
function big(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as number);
}

function reviveStamp(s: any) {
  return { clock: big(s.clock), origin: s.origin as string, base: big(s.base ?? 0) };
}

export function reviveState(raw: unknown): ObjectState {
  const r = raw as any;
  const stamps: ObjectState['stamps'] = {};
  for (const [k, v] of Object.entries(r.stamps ?? {})) stamps[k] = reviveStamp(v);
  return { klass: r.klass, id: r.id, fields: r.fields, stamps, tombstone: r.tombstone ? reviveStamp(r.tombstone) : undefined };
}

export function reviveScribe(raw: unknown): LoggedScribe {
  const r = raw as any;
  const base: Record<string, bigint> = {};
  for (const [k, v] of Object.entries(r.base ?? {})) base[k] = big(v);
  return { ...r, clock: r.clock === undefined ? undefined : big(r.clock), base };
}
