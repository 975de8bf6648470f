import type { ObjectState, Scribe } from './types.js';

/** A scribe in this peer's log: its id is the log's sequence number. */
export interface LoggedScribe extends Scribe {
  id: string;
}

/** One atomic change of a store: scribes appended to the log, object states replaced, metadata set. */
export interface Commit {
  scribes: LoggedScribe[];
  states: ObjectState[];
  /**
   * Cursors (`cursor:<peer>`) and the identity of the peer's log each is a position of (`log:<peer>`), a catch-up
   * asking for this peer's own scribes not finished yet (`own:<peer>`), acknowledgements
   * (`acked:<peer>`), this peer's GUID (`guid`) and the identity of its own log (`log`).
   */
  meta: Record<string, string>;
  /**
   * Object states to remove, leaving no tombstone (objects forgotten after a snapshot, see docs/PROTOCOL.md,
   * "Compaction and snapshots"); removed after `states` are written. A store that ignores it keeps those states, and
   * the objects come back on the next open.
   */
  forgotten?: { klass: string; id: string }[];
}

/** What a store holds when it opens. */
export interface Snapshot {
  lastId: number;
  states: ObjectState[];
  meta: Record<string, string>;
}

/**
 * Where a peer keeps its log, its cursors and the state of each object, so that it restarts where it stopped.
 * Commits are applied in the order they are made, each all or nothing.
 */
export interface Store {
  open(): Promise<Snapshot>;
  /** At most `limit` scribes of the log with ids greater than `after`, in log order. */
  readAfter(after: number, limit: number): Promise<LoggedScribe[]>;
  commit(commit: Commit): Promise<void>;
  close(): Promise<void>;
}

/** A store in memory: lost with the page or process; for tests and throw-away peers. */
export class MemoryStore implements Store {
  private readonly log: LoggedScribe[] = [];
  private readonly states = new Map<string, ObjectState>();
  private readonly meta: Record<string, string> = {};

  async open(): Promise<Snapshot> {
    const last = this.log.length ? Number(this.log[this.log.length - 1].id) : 0;
    return { lastId: last, states: [...this.states.values()], meta: { ...this.meta } };
  }

  async readAfter(after: number, limit: number): Promise<LoggedScribe[]> {
    // Ids are dense from 1, so the scribe with id n sits at index n - 1.
    return this.log.slice(Math.max(0, after), Math.max(0, after) + limit);
  }

  async commit(commit: Commit): Promise<void> {
    this.log.push(...commit.scribes);
    for (const s of commit.states) this.states.set(`${s.klass}\u0000${s.id}`, s);
    for (const f of commit.forgotten ?? []) this.states.delete(`${f.klass}\u0000${f.id}`);
    Object.assign(this.meta, commit.meta);
  }

  async close(): Promise<void> {}
}
