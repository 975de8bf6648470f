import { Hlc, lastWriterWins, type Stamp } from './hlc.js';
import { jsonCopy, jsonEqual, toBigInt } from './json.js';
import { MemoryStore, type Commit, type LoggedScribe, type Store } from './store.js';
import type { ObjectState, Scribe, ScribeType } from './types.js';

/** A failure with a Scribe protocol code (400 malformed, 403 refused, 404 unknown object, 408 timeout, ...). */
export class ScribeError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'ScribeError';
  }
}

/** How a class of plain objects is synced. */
export interface ClassOptions<T extends object = Record<string, unknown>> {
  /** The identity field (`id` by default); a missing identity gets a random UUID on create. */
  idField?: string;
  /** The synced fields; by default every own enumerable field that is not a function. */
  fields?: string[];
  /** The fields of an object created from a remote scribe before its fields are set (Java's constructor defaults). */
  defaults?: () => Partial<T>;
  /**
   * Fields that hold a JSON object merged key by key, as Java's `Policy.withKeyMerge`: an update carries only the
   * keys that changed, as a one-level JSON merge patch (a removed key as `null`); each key has its own stamp (named
   * `field/key`), so concurrent writes of different keys both survive. Every peer must name the same fields.
   */
  keyMerge?: string[];
}

/** One change applied to an object, local or remote. */
export interface Change<T extends object = any> {
  klass: string;
  id: string;
  type: ScribeType;
  /** The fields that changed (every field on create, none on destroy). */
  fields: string[];
  /** The GUID of the peer where the change was made. */
  origin: string;
  local: boolean;
  /** The live object (for destroy, the object as it was). */
  object: T | undefined;
}

export type ChangeListener<T extends object = any> = (change: Change<T>) => void;

export interface ScriberOptions {
  /** This peer's GUID. By default the one stored in the store, or a new random UUID the first time. */
  clientId?: string;
  store?: Store;
  /** Wall clock in milliseconds (tests). */
  now?: () => number;
  /** A remote clock further ahead than this is refused with 400 (1 hour by default, as in Java). */
  maxClockSkewMs?: number;
  /** Problems no caller waits for: refused scribes, store failures, bad input. `console.warn` by default. */
  onError?: (error: Error) => void;
}

interface ClassModel {
  klass: string;
  idField: string;
  fields?: string[];
  defaults?: () => object;
  keyMerge: Set<string>;
}

/** The staged effect of playing scribes, made visible and durable by {@link Scriber.commit}. */
export class Txn {
  readonly states = new Map<string, ObjectState>();
  readonly scribes: Scribe[] = [];
  readonly changes: Change[] = [];
  readonly effects: (() => void)[] = [];
  readonly bind = new Map<string, object>();
  readonly unbind = new Set<string>();
  readonly meta: Record<string, string> = {};
  /** Object states removed with no tombstone, by key (see {@link Scriber.forgetUnseen}). */
  readonly forget = new Map<string, { klass: string; id: string }>();
}

const ROOT = Symbol('scribe.root');

/**
 * One peer's engine: its GUID, its store, the registered classes and the live objects. Objects are plain JavaScript
 * objects wrapped in a `Proxy`: writes to their fields (nested arrays and objects included) are captured and recorded,
 * at the end of the current task (or at once with {@link save}), as one `update` scribe with only the fields that
 * changed. Remote scribes are merged field by field under last-writer-wins on a hybrid logical clock, the origin GUID
 * breaking ties, exactly as the Java engine does, so JavaScript and Java peers converge.
 */
export class Scriber {
  readonly store: Store;
  private readonly hlc: Hlc;
  private readonly classes = new Map<string, ClassModel>();
  private readonly states = new Map<string, ObjectState>();
  private readonly objects = new Map<string, object>();
  private readonly raws = new WeakMap<object, { key: string; raw: Record<string, unknown> }>();
  private readonly nested = new WeakMap<object, object>();
  private readonly listeners = new Map<string, Set<ChangeListener>>();
  private readonly appendListeners = new Set<(scribes: LoggedScribe[]) => void>();
  private readonly logListeners = new Set<(scribes: LoggedScribe[]) => void>();
  private readonly lostListeners = new Set<(scribes: LoggedScribe[], error: ScribeError) => void>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private tail: Promise<void> = Promise.resolve();
  private nextId = 1;
  private closed = false;
  readonly onError: (error: Error) => void;

  private constructor(
    readonly id: string,
    store: Store,
    private readonly now: () => number,
    private readonly maxClockSkewMs: number,
    onError: ((error: Error) => void) | undefined,
    private readonly meta: Record<string, string>,
  ) {
    this.store = store;
    this.hlc = new Hlc(now);
    this.onError = onError ?? ((e) => console.warn(`scribe: ${e.message}`));
  }

  /** Opens the store, restores the object states and the clock, and returns the peer. */
  static async open(options: ScriberOptions = {}): Promise<Scriber> {
    const store = options.store ?? new MemoryStore();
    const snapshot = await store.open();
    const id = options.clientId ?? snapshot.meta.guid ?? globalThis.crypto.randomUUID();
    const s = new Scriber(id, store, options.now ?? Date.now, options.maxClockSkewMs ?? 3_600_000, options.onError,
      { ...snapshot.meta });
    s.nextId = snapshot.lastId + 1;
    let maxClock = 0n;
    for (const state of snapshot.states) {
      s.states.set(keyOf(state.klass, state.id), state);
      for (const st of Object.values(state.stamps)) if (st.clock > maxClock) maxClock = st.clock;
      if (state.tombstone && state.tombstone.clock > maxClock) maxClock = state.tombstone.clock;
    }
    s.hlc.observe(maxClock);
    // The identity of this store's log (docs/PROTOCOL.md, "Catch-up"), given when the store is new.
    const log = snapshot.meta.log || globalThis.crypto.randomUUID();
    if (snapshot.meta.guid !== id || snapshot.meta.log !== log) {
      s.meta.guid = id;
      s.meta.log = log;
      await store.commit({ scribes: [], states: [], meta: { guid: id, log } });
    }
    return s;
  }

  /**
   * Registers a class of synced objects under its wire name (`klass`, the Java class's simple name or its
   * `@Synced` value). Stored objects of that class come back as live objects.
   */
  register<T extends object = Record<string, unknown>>(klass: string, options: ClassOptions<T> = {}): this {
    if (this.classes.has(klass)) throw new Error(`already registered: ${klass}`);
    const model: ClassModel = {
      klass, idField: options.idField ?? 'id', fields: options.fields, defaults: options.defaults,
      keyMerge: new Set(options.keyMerge ?? []),
    };
    this.classes.set(klass, model);
    for (const [key, state] of this.states) {
      if (state.klass === klass && !state.tombstone) this.bindObject(key, this.instantiate(model, state.fields));
    }
    return this;
  }

  /** Starts tracking `object` as a `klass` object and records its `create`. Returns the live (proxied) object. */
  create<T extends object>(klass: string, object: T): T {
    const c = this.model(klass);
    this.flushDirty(); // writes made before keep their place in the log
    const raw = object as Record<string, unknown>;
    if (this.raws.has(object)) throw new Error('already tracked');
    if (raw[c.idField] === undefined || raw[c.idField] === null) raw[c.idField] = globalThis.crypto.randomUUID();
    const idValue = raw[c.idField];
    if (typeof idValue === 'object') throw new Error(`the identity ${c.idField} must be a string or a number`);
    const key = keyOf(klass, String(idValue));
    const existing = this.states.get(key);
    if (existing) throw new Error(existing.tombstone ? `${key} was destroyed; identities are not reused` : `${key} exists`);
    const fields = this.read(c, raw);
    const clock = this.hlc.tick();
    const stamps: Record<string, Stamp> = {};
    for (const f of Object.keys(fields)) stamps[f] = { clock, origin: this.id, base: 0n };
    for (const f of c.keyMerge) {
      const value = fields[f];
      if (isPlainObject(value)) for (const k of Object.keys(value)) stamps[`${f}/${k}`] = { clock, origin: this.id, base: 0n };
    }
    const tx = new Txn();
    tx.states.set(key, { klass, id: String(idValue), fields, stamps });
    tx.scribes.push({ klass, type: 'create', data: jsonCopy(fields), origin: this.id, clock, base: {} });
    const proxy = this.wrap(key, raw);
    tx.bind.set(key, proxy);
    tx.changes.push({ klass, id: String(idValue), type: 'create', fields: Object.keys(fields), origin: this.id, local: true, object: proxy });
    void this.commit(tx).catch(() => {}); // a store failure is reported by commit
    return proxy as T;
  }

  /**
   * Records now the changes made to `object` since its last recorded state (writes are otherwise recorded at the end
   * of the current task). Returns the scribe, or undefined when nothing changed.
   */
  save(object: object): Scribe | undefined {
    const entry = this.raws.get(object);
    if (!entry || this.objects.get(entry.key) === undefined) throw new Error('not tracked by this peer');
    this.dirty.delete(entry.key);
    return this.recordUpdate(entry.key, entry.raw);
  }

  /** Stops tracking `object`, leaves a tombstone (its identity is never reused) and records its `destroy`. */
  destroy(object: object): void {
    const entry = this.raws.get(object);
    if (!entry || this.objects.get(entry.key) !== object) throw new Error('not tracked by this peer');
    this.flushDirty(); // writes made before keep their place in the log, this object's included
    const state = this.states.get(entry.key)!;
    const c = this.model(state.klass);
    const idValue = state.fields[c.idField];
    const clock = this.hlc.tick();
    const tx = new Txn();
    tx.states.set(entry.key, tombstone(state.klass, state.id, c.idField, idValue, { clock, origin: this.id, base: 0n }));
    tx.unbind.add(entry.key);
    tx.scribes.push({ klass: state.klass, type: 'destroy', data: [idValue], origin: this.id, clock, base: {} });
    tx.changes.push({ klass: state.klass, id: state.id, type: 'destroy', fields: [], origin: this.id, local: true, object });
    void this.commit(tx).catch(() => {}); // a store failure is reported by commit
  }

  /** The live object of `klass` with identity `id`, if this peer has it. */
  find<T extends object = any>(klass: string, id: string | number): T | undefined {
    return this.objects.get(keyOf(klass, String(id))) as T | undefined;
  }

  /** Every live object of `klass`. */
  all<T extends object = any>(klass: string): T[] {
    const out: T[] = [];
    for (const [key, o] of this.objects) if (key.startsWith(klass + '\u0000')) out.push(o as T);
    return out;
  }

  /** The stored state of an object (fields, stamps, tombstone), if known. */
  state(klass: string, id: string | number): ObjectState | undefined {
    return this.states.get(keyOf(klass, String(id)));
  }

  /** Listens to changes of `klass` objects (`*` for every class), local and remote. Returns the unsubscribe. */
  listen<T extends object = any>(klass: string, listener: ChangeListener<T>): () => void {
    let set = this.listeners.get(klass);
    if (!set) this.listeners.set(klass, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  /**
   * Called with the scribes a commit logs, at once, in the commit (their ids are given; they are stored a moment
   * later): what counts the changes not yet acknowledged counts them from the moment they are made.
   */
  onLog(listener: (scribes: LoggedScribe[]) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /**
   * Called with the scribes a commit logged (see {@link onLog}) when the store failed to write that commit, with the
   * failure (also reported to `onError`): they are not in the log and are never sent. The live objects keep their
   * changes (and a later commit of such an object stores its state with them).
   */
  onLost(listener: (scribes: LoggedScribe[], error: ScribeError) => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Called with the scribes appended to the log, once stored. */
  onAppend(listener: (scribes: LoggedScribe[]) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** The identity of this peer's log, stated in its answers to `sync` (a server stores it with its cursor here). */
  get logId(): string {
    return this.meta.log;
  }

  /** A stored metadata value (cursors, acknowledgements). */
  getMeta(key: string): string | undefined {
    return this.meta[key];
  }

  /** The id of the newest scribe in the log (0 when empty). */
  get lastId(): number {
    return this.nextId - 1;
  }

  /** Reads the log after every commit made so far was stored. */
  readAfter(after: number, limit: number): Promise<LoggedScribe[]> {
    const result = this.tail.then(() => this.store.readAfter(after, limit));
    return result;
  }

  /** Resolves once every commit made so far is stored. */
  flushed(): Promise<void> {
    this.flushDirty();
    return this.tail;
  }

  /** Records pending writes, waits for the store, closes it. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushed();
    this.closed = true;
    await this.store.close();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Playing remote scribes

  /**
   * Plays a remote scribe into `tx`: class check, clock check, last-writer-wins merge field by field, tombstones.
   * Throws a {@link ScribeError} when the scribe is refused; `tx` is then unchanged.
   * @returns whether it changed anything
   */
  play(input: Scribe, from: string | undefined, tx: Txn): boolean {
    this.flushDirty();
    const c = this.classes.get(input.klass);
    if (!c) throw new ScribeError(403, `class not registered: ${input.klass}`);
    const origin = input.origin ?? from ?? 'unknown';
    let clock: bigint;
    if (input.clock !== undefined && input.clock !== 0n) {
      clock = input.clock;
      if (from !== undefined && Hlc.millis(clock) > this.now() + this.maxClockSkewMs) {
        throw new ScribeError(400, `scribe clock ${Hlc.millis(clock)} is more than ${this.maxClockSkewMs} ms ahead of this peer's clock`);
      }
      this.hlc.observe(clock);
    } else {
      clock = this.hlc.tick();
    }
    const s: Scribe = { ...input, origin, clock, base: input.base ?? {} };
    switch (s.type) {
      case 'create': return this.playCreate(c, s, tx);
      case 'update': return this.playUpdate(c, s, tx);
      case 'destroy': return this.playDestroy(c, s, tx);
      default: throw new ScribeError(400, `unknown scribe type: ${String((s as Scribe).type)}`);
    }
  }

  private playCreate(c: ClassModel, s: Scribe, tx: Txn): boolean {
    const data = s.data as Record<string, unknown>;
    if (!isPlainObject(data)) throw new ScribeError(400, `create data must be an object: ${String(s.data)}`);
    const idValue = data[c.idField];
    if (idValue === undefined || idValue === null || typeof idValue === 'object') {
      throw new ScribeError(400, `create of ${c.klass} has no ${c.idField}`);
    }
    const key = keyOf(c.klass, String(idValue));
    const state = this.stateIn(tx, key);
    if (state?.tombstone) return false;
    return this.merge(c, key, String(idValue), state, { ...data }, s, tx);
  }

  private playUpdate(c: ClassModel, s: Scribe, tx: Txn): boolean {
    const data = s.data as unknown[];
    if (!Array.isArray(data) || data.length !== 2 || !isPlainObject(data[1]) || isContainer(data[0])) {
      throw new ScribeError(400, `update data must be [id, {field: value}]`);
    }
    const key = keyOf(c.klass, String(data[0]));
    const state = this.stateIn(tx, key);
    if (!state) throw new ScribeError(404, `unknown object ${c.klass} ${String(data[0])}`);
    if (state.tombstone) return false;
    const values = { ...(data[1] as Record<string, unknown>) };
    delete values[c.idField];
    return this.merge(c, key, String(data[0]), state, values, s, tx);
  }

  private playDestroy(c: ClassModel, s: Scribe, tx: Txn): boolean {
    const data = s.data as unknown[];
    if (!Array.isArray(data) || data.length < 1 || isContainer(data[0])) {
      throw new ScribeError(400, 'destroy data must be [id]');
    }
    const key = keyOf(c.klass, String(data[0]));
    const state = this.stateIn(tx, key);
    if (state?.tombstone) return false;
    const object = this.live(tx, key);
    tx.states.set(key, tombstone(c.klass, String(data[0]), c.idField, data[0], { clock: s.clock!, origin: s.origin!, base: 0n }));
    tx.scribes.push(s);
    if (object) {
      tx.unbind.add(key);
      tx.changes.push({ klass: c.klass, id: String(data[0]), type: 'destroy', fields: [], origin: s.origin!, local: false, object });
    }
    return true;
  }

  private merge(c: ClassModel, key: string, id: string, state: ObjectState | undefined, values: Record<string, unknown>,
    s: Scribe, tx: Txn): boolean {
    const fields: Record<string, unknown> = state ? { ...state.fields } : {};
    const stamps: Record<string, Stamp> = state ? { ...state.stamps } : {};
    const taken: Record<string, unknown> = {};
    // A field the registered class lacks (a newer or older version of it elsewhere) is kept in the state, stamped
    // and merged the same way, and its scribes are stored, but it is never set on the object (see `instantiate`).
    let lacked = false;
    for (const [name, value] of Object.entries(values)) {
      if (!this.isField(c, name)) {
        const incoming: Stamp = { clock: s.clock!, origin: s.origin!, base: s.base?.[name] ?? 0n };
        const current = stamps[name];
        if (!current || lastWriterWins(current, incoming)) {
          stamps[name] = incoming;
          fields[name] = jsonCopy(value);
          lacked = true;
        }
        continue;
      }
      if (c.keyMerge.has(name)) {
        const current = fields[name];
        const merged: Record<string, unknown> = isPlainObject(current) ? jsonCopy(current) : {};
        let any = false;
        if (isPlainObject(value)) {
          for (const [k, v] of Object.entries(value)) {
            const stampName = `${name}/${k}`;
            const incoming: Stamp = { clock: s.clock!, origin: s.origin!, base: s.base?.[stampName] ?? 0n };
            const now = stamps[stampName];
            if (!now || lastWriterWins(now, incoming)) {
              if (v === null || v === undefined) delete merged[k];
              else merged[k] = jsonCopy(v);
              stamps[stampName] = incoming;
              any = true;
            }
          }
        }
        if (any) {
          taken[name] = merged;
          stamps[name] = { clock: s.clock!, origin: s.origin!, base: 0n };
          fields[name] = merged;
        }
        continue;
      }
      const incoming: Stamp = { clock: s.clock!, origin: s.origin!, base: s.base?.[name] ?? 0n };
      const current = stamps[name];
      if (!current || lastWriterWins(current, incoming)) {
        taken[name] = value;
        stamps[name] = incoming;
        fields[name] = jsonCopy(value);
      }
    }
    if (Object.keys(taken).length === 0 && !lacked) return false;
    tx.states.set(key, { klass: c.klass, id, fields, stamps });
    const names = Object.keys(taken);
    if (names.length === 0 && state) {
      // Only fields the class lacks changed: nothing to show on the object.
      tx.scribes.push(s);
      return true;
    }
    const object = this.live(tx, key);
    if (!object) {
      const created = this.instantiate(c, fields);
      tx.bind.set(key, created);
      tx.changes.push({ klass: c.klass, id, type: 'create', fields: names, origin: s.origin!, local: false, object: created });
    } else {
      const raw = this.raws.get(object)!.raw;
      tx.effects.push(() => { for (const [f, v] of Object.entries(taken)) raw[f] = jsonCopy(v); });
      tx.changes.push({ klass: c.klass, id, type: 'update', fields: names, origin: s.origin!, local: false, object });
    }
    tx.scribes.push(s);
    return true;
  }

  /**
   * Undoes a write of this peer's that its server refused for good (a `refused` request, see docs/PROTOCOL.md,
   * "Refused writes"): where this peer still holds that write (a field or tombstone stamped with its clock and this
   * peer's GUID), the server's state comes back. A refused destroy brings the object back, the fields of a refused
   * update or create take the server's values and stamps, and a refused create of an object the server does not let
   * this peer see (`current: null`) goes. Later writes are left alone; nothing is recorded or sent.
   */
  undoRefused(notice: Record<string, unknown>, from: string): Promise<void> {
    this.flushDirty();
    if (typeof notice.klass !== 'string' || typeof notice.object !== 'string' || typeof notice.write !== 'string') {
      throw new ScribeError(400, 'refused: klass, object and write are required');
    }
    const c = this.classes.get(notice.klass);
    if (!c) return Promise.resolve();
    const id = notice.object;
    const key = keyOf(c.klass, id);
    const held = this.states.get(key);
    const clock = toBigInt(notice.clock, -1n);
    const ours = (st: Stamp | undefined) => st !== undefined && st.clock === clock && st.origin === this.id;
    const current = readState(notice.current);
    if (notice.current !== undefined && notice.current !== null
      && (!current || current.klass !== c.klass || current.id !== notice.object)) {
      throw new ScribeError(400, 'refused: current is not a state of that object');
    }
    const tx = new Txn();
    if (!held) return Promise.resolve();
    if (notice.write === 'destroy') {
      if (held.tombstone && ours(held.tombstone) && current) {
        const fields = jsonCopy(current.fields) as Record<string, unknown>;
        tx.states.set(key, { klass: c.klass, id, fields, stamps: current.stamps });
        const created = this.instantiate(c, fields);
        tx.bind.set(key, created);
        tx.changes.push({ klass: c.klass, id, type: 'create', fields: Object.keys(fields), origin: from, local: false, object: created });
      }
    } else if (!held.tombstone) {
      const object = this.objects.get(key);
      if (!current) {
        if (ours(held.stamps[c.idField])) {
          tx.states.set(key, tombstone(c.klass, id, c.idField, held.fields[c.idField], { clock, origin: this.id, base: 0n }));
          if (object) {
            tx.unbind.add(key);
            tx.changes.push({ klass: c.klass, id, type: 'destroy', fields: [], origin: from, local: false, object });
          }
        }
      } else {
        const fields: Record<string, unknown> = { ...held.fields };
        const stamps: Record<string, Stamp> = { ...held.stamps };
        const back: string[] = [];
        for (const name of Object.keys({ ...held.fields, ...current.fields })) {
          if (c.keyMerge.has(name)) {
            // Key by key: only the keys the refused write still holds take the server's; later keys stay.
            const merged: Record<string, unknown> = isPlainObject(fields[name]) ? jsonCopy(fields[name]) as Record<string, unknown> : {};
            const theirs = isPlainObject(current.fields[name]) ? current.fields[name] as Record<string, unknown> : {};
            let changed = false;
            for (const s of Object.keys(stamps)) {
              if (!s.startsWith(`${name}/`) || !ours(stamps[s])) continue;
              const k = s.slice(name.length + 1);
              if (theirs[k] === undefined || theirs[k] === null) delete merged[k];
              else merged[k] = jsonCopy(theirs[k]);
              if (current.stamps[s]) stamps[s] = current.stamps[s];
              else delete stamps[s];
              changed = true;
            }
            if (ours(stamps[name]) && current.stamps[name]) stamps[name] = current.stamps[name];
            if (changed) {
              fields[name] = merged;
              back.push(name);
            }
            continue;
          }
          if (!ours(stamps[name])) continue;
          delete stamps[name];
          if (current.stamps[name]) stamps[name] = current.stamps[name];
          if (name in current.fields) fields[name] = jsonCopy(current.fields[name]);
          else delete fields[name];
          back.push(name);
        }
        if (back.length > 0) {
          tx.states.set(key, { klass: c.klass, id, fields, stamps });
          if (object) {
            const raw = this.raws.get(object)!.raw;
            tx.effects.push(() => {
              for (const f of back) {
                if (f in fields) raw[f] = jsonCopy(fields[f]);
                else delete raw[f];
              }
            });
            tx.changes.push({ klass: c.klass, id, type: 'update', fields: back, origin: from, local: false, object });
          }
        }
      }
    }
    return this.commit(tx);
  }

  /**
   * The key of the object a scribe in wire form creates (a `create` of a registered class with its identity), else
   * undefined. Keys are what {@link forgetUnseen} takes.
   */
  createdKey(node: unknown): string | undefined {
    if (!isPlainObject(node) || node.type !== 'create' || typeof node.klass !== 'string') return undefined;
    const c = this.classes.get(node.klass);
    const data = node.data;
    if (!c || !isPlainObject(data)) return undefined;
    const idValue = data[c.idField];
    if (idValue === undefined || idValue === null || typeof idValue === 'object') return undefined;
    return keyOf(c.klass, String(idValue));
  }

  /**
   * After a whole snapshot from this peer's server `from` was played (see docs/PROTOCOL.md, "Compaction and
   * snapshots"): forgets every live object of a registered class the snapshot did not carry (`seen`, the keys of its
   * creates), except those this peer created in its own log after `stored` (how far the server had stored this
   * peer's log when it took the snapshot: its creates after that are still on their way). Those objects were
   * destroyed (or hidden from this peer) there while it was away, and their tombstones went with the compacted
   * history. A forgotten object loses its state and leaves no tombstone, so the server can send it again; listeners
   * see a remote destroy from `from`. The own creates are read at the end, so an object created here meanwhile stays.
   * `meta` is stored in the same commit. Resolves with the number of objects forgotten.
   */
  async forgetUnseen(seen: Set<string>, stored: number, from: string, meta: Record<string, string> = {}): Promise<number> {
    const own = new Set<string>();
    let after = Math.max(0, stored);
    for (;;) {
      this.flushDirty();
      const through = this.lastId;
      const page = await this.readAfter(after, 500);
      for (const s of page) {
        if (s.origin === this.id) {
          const key = this.createdKey(s);
          if (key) own.add(key);
        }
        after = Math.max(after, Number(s.id));
      }
      // Done once a short page was read and nothing was logged since the read began (no await from here on).
      this.flushDirty();
      if (page.length < 500 && this.lastId === through) break;
    }
    const tx = new Txn();
    for (const [key, state] of this.states) {
      if (!this.classes.has(state.klass) || state.tombstone || seen.has(key) || own.has(key)) continue;
      tx.forget.set(key, { klass: state.klass, id: state.id });
      const object = this.objects.get(key);
      if (object) {
        tx.unbind.add(key);
        tx.changes.push({ klass: state.klass, id: state.id, type: 'destroy', fields: [], origin: from, local: false, object });
      }
    }
    Object.assign(tx.meta, meta);
    await this.commit(tx);
    return tx.forget.size;
  }

  /**
   * Makes `tx` visible at once (states, objects, listeners) and queues it for the store, in commit order. Scribes get
   * their log ids here. The promise resolves once stored; a store failure rejects it and is reported to `onError`
   * (once), and the scribes of the failed commit go to the {@link onLost} listeners.
   */
  commit(tx: Txn): Promise<void> {
    const logged: LoggedScribe[] = tx.scribes.map((s) => ({ ...s, id: String(this.nextId++) }));
    for (const [key, st] of tx.states) this.states.set(key, st);
    for (const [key, o] of tx.bind) this.bindObject(key, o);
    for (const key of tx.unbind) this.objects.delete(key);
    for (const key of tx.forget.keys()) {
      this.states.delete(key);
      this.objects.delete(key);
      this.dirty.delete(key);
    }
    for (const effect of tx.effects) effect();
    Object.assign(this.meta, tx.meta);
    if (logged.length) for (const l of this.logListeners) l(logged);
    for (const change of tx.changes) this.notify(change);
    const commit: Commit = { scribes: logged, states: [...tx.states.values()], meta: { ...tx.meta } };
    if (tx.forget.size) commit.forgotten = [...tx.forget.values()];
    if (commit.scribes.length === 0 && commit.states.length === 0 && Object.keys(commit.meta).length === 0
      && !commit.forgotten) {
      return this.tail;
    }
    const done = this.tail.then(() => this.store.commit(commit));
    this.tail = done.catch((e) => {
      const error = new ScribeError(500, `store commit failed: ${e?.message ?? e}`);
      this.onError(error);
      if (logged.length) this.tell(this.lostListeners, (l) => l(logged, error));
    });
    return done.then(() => {
      if (logged.length) this.tell(this.appendListeners, (l) => l(logged));
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Capture

  private wrap(key: string, raw: Record<string, unknown>): object {
    const proxy = new Proxy(raw, this.handler(key, raw));
    this.raws.set(proxy, { key, raw });
    return proxy;
  }

  private handler(key: string, root: Record<string, unknown>): ProxyHandler<any> {
    const scriber = this;
    return {
      get(target, prop, receiver) {
        if (prop === ROOT) return root;
        const value = Reflect.get(target, prop, receiver);
        if (value !== null && typeof value === 'object' && typeof prop === 'string') {
          let p = scriber.nested.get(value);
          if (!p) {
            p = new Proxy(value, scriber.handler(key, root)) as object;
            scriber.nested.set(value, p);
          }
          return p;
        }
        return value;
      },
      set(target, prop, value) {
        const ok = Reflect.set(target, prop, unwrap(value));
        scriber.touch(key);
        return ok;
      },
      deleteProperty(target, prop) {
        const ok = Reflect.deleteProperty(target, prop);
        scriber.touch(key);
        return ok;
      },
    };
  }

  private touch(key: string): void {
    if (!this.objects.has(key)) return;
    this.dirty.add(key);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => this.flushDirty());
    }
  }

  private flushDirty(): void {
    this.flushScheduled = false;
    for (const key of [...this.dirty]) {
      this.dirty.delete(key);
      const o = this.objects.get(key);
      if (!o) continue;
      try {
        this.recordUpdate(key, this.raws.get(o)!.raw);
      } catch (e) {
        this.onError(e as Error);
      }
    }
  }

  private recordUpdate(key: string, raw: Record<string, unknown>): Scribe | undefined {
    const state = this.states.get(key)!;
    const c = this.model(state.klass);
    const now = this.read(c, raw);
    if (String(now[c.idField]) !== state.id) {
      raw[c.idField] = state.fields[c.idField];
      throw new Error(`the identity of ${state.klass} ${state.id} changed to ${String(now[c.idField])}; identities never change`);
    }
    const changed: Record<string, unknown> = {};
    const names = new Set([...Object.keys(now), ...(c.fields ? [] : Object.keys(state.fields))]);
    for (const f of names) {
      const v = f in now ? now[f] : null;
      if (!jsonEqual(v, state.fields[f] ?? null)) changed[f] = v;
    }
    if (Object.keys(changed).length === 0) return undefined;
    const clock = this.hlc.tick();
    const fields = { ...state.fields };
    const stamps = { ...state.stamps };
    const base: Record<string, bigint> = {};
    for (const [f, v] of Object.entries(changed)) {
      if (c.keyMerge.has(f)) {
        const patch = keyPatch(state.fields[f], v);
        for (const k of Object.keys(patch)) {
          const b = stamps[`${f}/${k}`]?.clock ?? 0n;
          base[`${f}/${k}`] = b;
          stamps[`${f}/${k}`] = { clock, origin: this.id, base: b };
        }
        stamps[f] = { clock, origin: this.id, base: 0n };
        fields[f] = v;
        changed[f] = patch;
        continue;
      }
      const b = stamps[f]?.clock ?? 0n;
      base[f] = b;
      stamps[f] = { clock, origin: this.id, base: b };
      fields[f] = v;
    }
    const tx = new Txn();
    tx.states.set(key, { klass: state.klass, id: state.id, fields, stamps });
    const scribe: Scribe = { klass: state.klass, type: 'update', data: [state.fields[c.idField], jsonCopy(changed)], origin: this.id, clock, base };
    tx.scribes.push(scribe);
    tx.changes.push({ klass: state.klass, id: state.id, type: 'update', fields: Object.keys(changed), origin: this.id, local: true, object: this.objects.get(key) });
    void this.commit(tx).catch(() => {}); // a store failure is reported by commit
    return scribe;
  }

  // -------------------------------------------------------------------------------------------------------------

  private read(c: ClassModel, raw: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const names = c.fields ? [...new Set([c.idField, ...c.fields])] : Object.keys(raw);
    for (const f of names) {
      const v = raw[f];
      if (typeof v === 'function' || typeof v === 'symbol') continue;
      if (v === undefined && !c.fields) continue;
      out[f] = jsonCopy(v);
    }
    return out;
  }

  private synced(c: ClassModel, data: Record<string, unknown>): Record<string, unknown> {
    if (!c.fields) return { ...data };
    const out: Record<string, unknown> = {};
    for (const f of [c.idField, ...c.fields]) if (f in data) out[f] = data[f];
    return out;
  }

  /** Whether `name` is a field of the registered class (its identity, or one of its synced fields). */
  private isField(c: ClassModel, name: string): boolean {
    return !c.fields || name === c.idField || c.fields.includes(name);
  }

  /** A live object of the fields of `state` the registered class has (those it lacks stay in the state only). */
  private instantiate(c: ClassModel, fields: Record<string, unknown>): object {
    const raw = { ...(c.defaults ? c.defaults() : {}), ...jsonCopy(this.synced(c, fields)) } as Record<string, unknown>;
    return this.wrap(keyOf(c.klass, String(fields[c.idField])), raw);
  }

  private bindObject(key: string, proxy: object): void {
    this.objects.set(key, proxy);
  }

  private model(klass: string): ClassModel {
    const c = this.classes.get(klass);
    if (!c) throw new Error(`class not registered: ${klass}`);
    return c;
  }

  private stateIn(tx: Txn, key: string): ObjectState | undefined {
    return tx.states.get(key) ?? this.states.get(key);
  }

  private live(tx: Txn, key: string): object | undefined {
    if (tx.unbind.has(key)) return undefined;
    return tx.bind.get(key) ?? this.objects.get(key);
  }

  /** Calls each listener; one that throws is reported to `onError` and the others still run. */
  private tell<L>(listeners: Set<L>, call: (listener: L) => void): void {
    for (const l of listeners) {
      try {
        call(l);
      } catch (e) {
        this.onError(e as Error);
      }
    }
  }

  private notify(change: Change): void {
    for (const k of [change.klass, '*']) {
      for (const l of this.listeners.get(k) ?? []) {
        try {
          l(change);
        } catch (e) {
          this.onError(e as Error);
        }
      }
    }
  }
}

/** An object state as the Java engine sends it (`{klass, id, fields, stamps: {f: [clock, origin, base?]}}`), or undefined. */
function readState(node: unknown):
  { klass: unknown; id: unknown; fields: Record<string, unknown>; stamps: Record<string, Stamp> } | undefined {
  if (!isPlainObject(node) || !isPlainObject(node.fields)) return undefined;
  const stamps: Record<string, Stamp> = {};
  if (isPlainObject(node.stamps)) {
    for (const [f, st] of Object.entries(node.stamps)) {
      if (Array.isArray(st) && st.length >= 2) {
        stamps[f] = { clock: toBigInt(st[0]), origin: String(st[1]), base: toBigInt(st[2] ?? 0) };
      }
    }
  }
  return { klass: node.klass, id: node.id, fields: node.fields as Record<string, unknown>, stamps };
}

function keyOf(klass: string, id: string): string {
  return `${klass}\u0000${id}`;
}

function tombstone(klass: string, id: string, idField: string, idValue: unknown, stamp: Stamp): ObjectState {
  return { klass, id, fields: { [idField]: idValue }, stamps: {}, tombstone: stamp };
}

/** The one-level JSON merge patch from `before` to `after`: changed or added keys, removed ones as null. */
function keyPatch(before: unknown, after: unknown): Record<string, unknown> {
  const b = isPlainObject(before) ? before : {};
  const a = isPlainObject(after) ? after : {};
  const patch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined && !jsonEqual(v, b[k] ?? null)) patch[k] = jsonCopy(v);
  for (const k of Object.keys(b)) if (!(k in a) || a[k] === undefined) patch[k] = null;
  return patch;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isContainer(v: unknown): boolean {
  return v === null || v === undefined || typeof v === 'object';
}

function unwrap(value: unknown): unknown {
  if (value !== null && typeof value === 'object') {
    const root = (value as any)[ROOT];
    if (root !== undefined) return jsonCopy(value);
  }
  return value;
}
