import { parseJson, toBigInt, toJson } from './json.js';
import { Presence } from './presence.js';
import { ScribeError, Txn, type Scriber } from './scriber.js';
import type { LoggedScribe } from './store.js';
import type { Scribe, ScribeType } from './types.js';

/** The WebSocket constructor: the browser's, or one with the same API (the `ws` package under Node). */
export type WebSocketLike = {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: any }) => void) | null;
  onclose: ((ev: any) => void) | null;
  onerror: ((ev: any) => void) | null;
};
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** Where the client is: opening a connection, reading the server's backlog, in step, or not connected. */
export type Status = 'connecting' | 'catching-up' | 'online' | 'offline';

export interface Backoff {
  /** First delay (100 ms). */
  initialMs?: number;
  /** Largest delay (30 s). */
  maxMs?: number;
  /** Up to this share of each delay is taken off at random (0.5). */
  jitter?: number;
  /** Attempts before giving up (unlimited). */
  maxAttempts?: number;
}

export interface ClientOptions {
  /** The server's WebSocket endpoint, e.g. `ws://127.0.0.1:7001/scribe`. */
  url: string;
  /** The WebSocket implementation; the global `WebSocket` by default. */
  WebSocket?: WebSocketConstructor;
  /** The server GUID to require; a hello naming another peer closes the connection. */
  serverId?: string;
  /** Catch-up page size asked for (500). */
  pageSize?: number;
  /** Send a `noop` after this long without writing (15 s). */
  heartbeatMs?: number;
  /** Drop the connection after this long without reading (45 s). */
  idleTimeoutMs?: number;
  /** Fail a request without an answer after this long (30 s). */
  requestTimeoutMs?: number;
  backoff?: Backoff;
  /**
   * Runs on each new session after the `hello`, before any catch-up: sends the server whatever it wants before it
   * answers anything else (a login). The session waits for the promise. When it fails with a {@link ScribeError} of
   * code 400 to 499 (a refusal; not 408, a timeout, nor 409, a GUID another session is using) the client stops
   * reconnecting, since retrying would not help, and emits `refused`; any other failure is reported as an `error`
   * and drops the connection, which is tried again later.
   */
  authenticate?: (session: SessionInfo) => Promise<void>;
  /**
   * Handlers of message types an application adds (`{"type": "conflict", ...}` pushed by a server). A handler's
   * return value is the `result` of the `response` sent back when the message has an `id`.
   */
  handlers?: Record<string, (message: any) => unknown>;
  /**
   * Whether this peer forwards the scribes it got from other peers (true by default, as a peer in a mesh does). A
   * client of a hub that does not trust it as a relay (doc-sync's server) sets false: it then pushes, and answers
   * the hub's `sync` with, only the scribes made here.
   */
  relay?: boolean;
  /** The shortest interval between two `presence` messages this client sends (50 ms); see {@link Presence}. */
  presenceThrottleMs?: number;
  /**
   * How long the `ack` of the server's pushes may be held back so that one ack passes the pushes of several reads
   * (20 ms; 0 acks after every read). It is held only once the server's answer to this client's `sync` stated its
   * push window (`window`), and sent at once when the pushes stored since the last ack reach half of it. Errors
   * naming refused pushes are never held. A server that states in that answer how long its receivers may hold their
   * acks (`ackDelay`, its `receiverAckDelay`) is acked within that delay instead. See docs/PROTOCOL.md, step 8 of
   * catch-up, "Delayed acks".
   */
  ackDelayMs?: number;
}

/** What {@link ClientOptions.authenticate} gets: the session's two GUIDs and a way to ask the server. */
export interface SessionInfo {
  /** This peer's GUID (its hello name). */
  clientId: string;
  /** The server's GUID. */
  serverId: string;
  /** Sends a request on this session; resolves with the whole `response` message, fails with the `error`. */
  request(message: Record<string, unknown>): Promise<any>;
}

type Events = {
  status: (status: Status) => void;
  pending: (count: number) => void;
  error: (error: Error) => void;
  refused: (error: ScribeError) => void;
};

/** The delay before reconnect attempt `n` (0-based): `min(max, initial * 2^n)` less a random share of `jitter`. */
export function backoffDelay(n: number, b: Backoff = {}, random: () => number = Math.random): number {
  const initial = b.initialMs ?? 100;
  const max = b.maxMs ?? 30_000;
  const jitter = b.jitter ?? 0.5;
  const full = Math.min(max, initial * 2 ** Math.min(n, 40));
  return Math.max(0, full - full * jitter * random());
}

interface Pending {
  /** Settles the request; may return a promise the inbox waits for before the next message (an inline answer). */
  resolve(message: any): unknown;
  reject(error: Error): unknown;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * A connection to a Scribe server over WebSocket, kept up: the `hello` handshake, catch-up both ways with paged
 * `sync` requests from stored cursors, `add_scribe` pushes of every new scribe once the server has caught up with this
 * peer, `noop` heartbeats, and reconnection with exponential backoff and jitter after any loss. Changes made while
 * offline stay in the log and are uploaded on the next connection.
 */
export class ScribeClient {
  private readonly WS: WebSocketConstructor;
  private ws?: WebSocketLike;
  private peer?: string;
  private currentStatus: Status = 'offline';
  private attempts = 0;
  private running = false;
  private retry?: ReturnType<typeof setTimeout>;
  private ticker?: ReturnType<typeof setInterval>;
  private lastRead = 0;
  private lastWrite = 0;
  private requestIds = 0;
  private readonly pendingRequests = new Map<number, Pending>();
  private inbox: Promise<void> = Promise.resolve();
  private inboxDepth = 0;
  // The id of the last push without a request id played since the last ack, how many such pushes were played since
  // then, the timer that sends the ack when it is held back, and the server's push window as its answer to our sync
  // stated it (0 while unknown); whether the server acknowledges our pushes cumulatively (its sync said so), and
  // those pushes, in log order, until an ack or an error answers them. All of these belong to the current connection.
  private ackUpTo: string | undefined;
  private ackCount = 0;
  private ackTimer?: ReturnType<typeof setTimeout>;
  private serverWindow = 0;
  // How long the server lets us hold our acks of its pushes (`ackDelay` in its answer to our sync), in ms; undefined
  // when it stated nothing usable, and then `ackDelayMs` applies.
  private serverAckDelay: number | undefined;
  private stored: Promise<void> = Promise.resolve();
  private serverAcksCumulative = false;
  // The largest frame the server reads, as its sync stated it (`frame`; 0 while unknown): this peer's scribes sent
  // to it, in catch-up pages and pushes, are held to it (see `fits`).
  private serverFrame = 0;
  // Whether the server takes scribes of other origins from this client (its sync did not say `relayed: false`).
  private serverTakesRelayed = true;
  private readonly pushed: { position: number; resolve: (m: any) => void; reject: (e: Error) => void;
    timer: ReturnType<typeof setTimeout> }[] = [];
  private caughtUp = false;
  private pushing = false;
  private pushedThrough = 0;
  private pumping = false;
  private pumpAgain = false;
  private acked = 0;
  private readonly unacked: number[] = [];
  private readonly sentWaiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();
  private readonly ackKey: string;
  private readonly listeners: { [K in keyof Events]: Set<Events[K]> } = { status: new Set(), pending: new Set(), error: new Set(), refused: new Set() };
  private readonly unsubscribe: () => void;
  private ready: Promise<void>;
  private generation = 0;
  private refusedWith?: ScribeError;
  /** A snapshot being played in this catch-up since its first page: the keys of its creates so far. */
  private snapshotSeen?: Set<string>;
  // The identity of the server's log as the latest page played stated it (see `storeCursor`).
  private peerLog?: string;
  // Whether the running catch-up asks for this client's own scribes too: one from the start of the server's log, or
  // one resuming such a catch-up (`own:PEER` in the store until it reaches the end), as its store may be new.
  private askOwn = false;
  // What the scribe at the stored cursor was, stated with the first page's sync (see `startCatchUp`).
  private startAt?: At;
  /** How far the server had stored this peer's log when it took that snapshot (its first page's `stored`). */
  private snapshotStored = 0;
  /** This peer's presence and the other sessions' (see {@link Presence}). */
  readonly presence: Presence;

  constructor(readonly scriber: Scriber, private readonly options: ClientOptions) {
    const ctor = options.WebSocket ?? (globalThis as any).WebSocket;
    if (!ctor) throw new Error('no WebSocket implementation: pass options.WebSocket');
    this.WS = ctor;
    this.ackKey = `acked:${options.url}`;
    this.acked = Number(scriber.getMeta(this.ackKey) ?? 0);
    const offLog = scriber.onLog((scribes) => this.logged(scribes));
    const offLost = scriber.onLost((scribes, error) => this.lost(scribes, error));
    const offAppend = scriber.onAppend(() => { if (this.pushing) void this.pump(); });
    this.unsubscribe = () => { offLog(); offLost(); offAppend(); };
    this.ready = this.loadUnacked();
    this.presence = new Presence({ send: (m) => this.send(m), onError: (e) => this.scriber.onError(e) }, options.presenceThrottleMs ?? 50);
  }

  /** The current status. */
  get status(): Status {
    return this.currentStatus;
  }

  /**
   * How many of this peer's own scribes the server has not acknowledged yet. A change counts from the moment it is
   * made, before the store has written it; one whose store write fails stops counting then (it is not in the log and
   * is never sent), and that failure is emitted as `error` and fails the {@link whenSent} calls waiting.
   */
  get pending(): number {
    return this.unacked.length;
  }

  /** The server's GUID, once a hello was received. */
  get serverId(): string | undefined {
    return this.peer;
  }

  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  /** Connects, and reconnects after every loss until {@link close}. */
  start(): this {
    if (this.running) return this;
    this.running = true;
    this.refusedWith = undefined;
    this.attempts = 0;
    void this.ready.then(() => this.connect());
    return this;
  }

  /** Resolves when the client is online (connected and caught up). */
  whenOnline(): Promise<void> {
    if (this.currentStatus === 'online') return Promise.resolve();
    return new Promise((resolve) => {
      const off = this.on('status', (s) => {
        if (s === 'online') {
          off();
          resolve();
        }
      });
    });
  }

  /**
   * Resolves when every local scribe was acknowledged by the server (at once when none is pending). Fails with the
   * store's error (code 500) when a change made before it resolves could not be stored: that change will never
   * reach the server.
   */
  whenSent(): Promise<void> {
    if (this.unacked.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.sentWaiters.add({ resolve, reject }));
  }

  /**
   * Sends a request of the application's own (a message type the server handles) on the current session once it is
   * online (connected, past {@link ClientOptions.authenticate} and caught up); resolves with the `response`'s
   * `result`. Fails at once with code 503 when offline, with the server's `error` otherwise.
   */
  ask(message: Record<string, unknown>): Promise<any> {
    if (this.currentStatus !== 'online') {
      return Promise.reject(new ScribeError(503, `offline: ${String(message.type)} needs the server`));
    }
    return this.request(message).then((m) => m.result);
  }

  /** Whether the server refused this client for good (see {@link ClientOptions.authenticate}). */
  get refusal(): ScribeError | undefined {
    return this.refusedWith;
  }

  /** Drops the current connection on purpose; the client reconnects. */
  reconnect(): void {
    this.ws?.close(4000, 'reconnect');
  }

  /** Stops: closes the connection, stops reconnecting. Unsent scribes stay in the log for the next start. */
  async close(): Promise<void> {
    this.running = false;
    clearTimeout(this.retry);
    const ws = this.ws;
    if (ws) {
      const closed = new Promise<void>((resolve) => {
        const prev = ws.onclose;
        ws.onclose = (ev) => {
          prev?.(ev);
          resolve();
        };
      });
      ws.close(1000, 'closing');
      if (ws.readyState !== 3) await closed;
    }
    this.dropped();
  }

  /** Closes and stops listening to the Scriber. */
  async dispose(): Promise<void> {
    await this.close();
    this.unsubscribe();
  }

  // -------------------------------------------------------------------------------------------------------------

  private emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const l of this.listeners[event]) {
      try {
        (l as any)(...args);
      } catch (e) {
        this.scriber.onError(e as Error);
      }
    }
  }

  private report(error: Error): void {
    this.scriber.onError(error);
    this.emit('error', error);
  }

  private setStatus(status: Status): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    this.emit('status', status);
  }

  private async loadUnacked(): Promise<void> {
    let after = this.acked;
    for (;;) {
      const page = await this.scriber.readAfter(after, 500);
      for (const s of page) if (s.origin === this.scriber.id && !this.unacked.includes(Number(s.id))) this.unacked.push(Number(s.id));
      if (page.length < 500) break;
      after = Number(page[page.length - 1].id);
    }
    this.unacked.sort((a, b) => a - b);
    this.pendingChanged();
  }

  /** Tells the `pending` listeners the count, and settles the {@link whenSent} calls once it is 0. */
  private pendingChanged(): void {
    this.emit('pending', this.unacked.length);
    if (this.unacked.length > 0) return;
    const waiting = [...this.sentWaiters];
    this.sentWaiters.clear();
    for (const w of waiting) w.resolve();
  }

  /**
   * Counts this peer's own scribes as pending the moment a commit logs them (before the store has them), so that
   * `pending` and `whenSent()` include a change as soon as it is made; they are pushed once stored.
   */
  private logged(scribes: LoggedScribe[]): void {
    let own = false;
    for (const s of scribes) {
      const id = Number(s.id);
      if (s.origin === this.scriber.id && id > this.acked && !(this.unacked.length && this.unacked.at(-1)! >= id)) {
        this.unacked.push(id);
        own = true;
      }
    }
    if (own) this.pendingChanged();
  }

  /**
   * The store failed to write a commit that logged `scribes`: this peer's own among them are not pending any more,
   * since they are not in the log and will never be sent. The {@link whenSent} calls waiting fail with the error,
   * which is also emitted as `error` (the Scriber reported it to its `onError`).
   */
  private lost(scribes: LoggedScribe[], error: Error): void {
    const gone = new Set(scribes.filter((s) => s.origin === this.scriber.id).map((s) => Number(s.id)));
    const before = this.unacked.length;
    for (let i = this.unacked.length - 1; i >= 0; i--) if (gone.has(this.unacked[i])) this.unacked.splice(i, 1);
    if (this.unacked.length === before) return;
    const waiting = [...this.sentWaiters];
    this.sentWaiters.clear();
    for (const w of waiting) w.reject(error);
    this.emit('error', error);
    this.pendingChanged();
  }

  private acknowledge(id: number): void {
    if (!(id > this.acked)) return;
    this.acked = id;
    let n = 0;
    while (n < this.unacked.length && this.unacked[n] <= id) n++;
    const tx = new Txn();
    tx.meta[this.ackKey] = String(id);
    void this.scriber.commit(tx).catch(() => {});
    if (n > 0) {
      this.unacked.splice(0, n);
      this.pendingChanged();
    }
  }

  private connect(): void {
    if (!this.running) return;
    const generation = ++this.generation;
    this.setStatus('connecting');
    let ws: WebSocketLike;
    try {
      ws = new this.WS(this.options.url);
    } catch (e) {
      this.report(e as Error);
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    let helloDone = false;
    ws.onopen = () => {
      this.lastRead = this.lastWrite = Date.now();
      this.send({ type: 'hello', client: this.scriber.id });
      const tick = Math.max(50, Math.min(this.heartbeatMs(), this.idleTimeoutMs()) / 3);
      this.ticker = setInterval(() => this.beat(), tick);
    };
    ws.onmessage = (ev) => {
      if (generation !== this.generation) return;
      this.lastRead = Date.now();
      const text = typeof ev.data === 'string' ? ev.data : String(ev.data);
      if (!helloDone) {
        helloDone = true;
        this.handshake(text);
        return;
      }
      this.inboxDepth++;
      // A message still waiting when its connection is gone is dropped: it belongs to a session that ended (the
      // server's next catch-up sends again whatever it carried), and must not act on the next one.
      const handled = this.inbox.then(() => (this.ws === ws ? this.receive(text, ws) : undefined));
      this.inbox = handled.catch((e) => this.report(e)).finally(() => {
        // The messages that were waiting are handled: one ack answers the pushes among them.
        if (--this.inboxDepth === 0 && generation === this.generation) this.sendAck();
      });
    };
    ws.onerror = (ev) => {
      const message = ev?.message ?? ev?.error?.message ?? 'connection error';
      this.report(new ScribeError(503, `${this.options.url}: ${message}`));
    };
    ws.onclose = () => {
      if (generation !== this.generation) return;
      this.dropped();
      this.scheduleReconnect();
    };
  }

  private handshake(text: string): void {
    let message: any;
    try {
      message = parseJson(text);
    } catch {
      this.refuse(new ScribeError(400, 'hello expected, got unreadable JSON'));
      return;
    }
    if (message?.type === 'error') {
      this.refuse(new ScribeError(Number(message.code ?? 500), `server refused the handshake: ${message.message ?? ''}`));
      return;
    }
    if (message?.type !== 'hello' || typeof message.client !== 'string' || !message.client.trim()) {
      this.refuse(new ScribeError(400, 'hello expected: {"type":"hello","client":"<guid>"}'));
      return;
    }
    if (this.options.serverId && message.client !== this.options.serverId) {
      this.refuse(new ScribeError(403, `expected server ${this.options.serverId}, reached ${message.client}`));
      return;
    }
    this.peer = message.client;
    this.attempts = 0;
    this.caughtUp = false;
    this.pushing = false;
    this.snapshotSeen = undefined;
    this.setStatus('catching-up');
    const authenticate = this.options.authenticate;
    if (!authenticate) {
      this.presence.started();
      this.startCatchUp();
      return;
    }
    const generation = this.generation;
    const ws = this.ws;
    authenticate({ clientId: this.scriber.id, serverId: this.peer!, request: (m) => this.request(m) }).then(() => {
      if (generation !== this.generation || this.ws !== ws) return;
      this.presence.started();
      this.startCatchUp();
    }, (e) => {
      if (generation !== this.generation) return;
      const error = e instanceof ScribeError ? e : new ScribeError(500, String(e?.message ?? e));
      if (error.code >= 400 && error.code < 500 && error.code !== 408 && error.code !== 409) {
        this.running = false;
        this.refusedWith = error;
        this.report(error);
        this.emit('refused', error);
      } else {
        this.report(error);
      }
      ws?.close(1000, 'not authenticated');
    });
  }

  private refuse(error: ScribeError): void {
    this.report(error);
    this.ws?.close(1000, 'handshake failed');
  }

  private dropped(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.ws = undefined;
    this.caughtUp = false;
    this.pushing = false;
    // A held ack dies with its connection: the next sync starts after those pushes once stored, or gets them again.
    this.ackUpTo = undefined;
    this.ackCount = 0;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.serverWindow = 0;
    this.serverAckDelay = undefined;
    this.serverAcksCumulative = false;
    this.serverFrame = 0;
    this.serverTakesRelayed = true;
    for (const p of this.pushed.splice(0)) {
      clearTimeout(p.timer);
      p.reject(new ScribeError(408, 'session closed'));
    }
    for (const [, p] of this.pendingRequests) {
      clearTimeout(p.timer);
      p.reject(new ScribeError(408, 'session closed'));
    }
    this.pendingRequests.clear();
    this.presence.ended();
    this.setStatus('offline');
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    const max = this.options.backoff?.maxAttempts ?? Infinity;
    if (this.attempts >= max) {
      this.running = false;
      this.report(new ScribeError(503, `gave up after ${this.attempts} attempts`));
      return;
    }
    const delay = backoffDelay(this.attempts++, this.options.backoff);
    this.retry = setTimeout(() => this.connect(), delay);
  }

  private heartbeatMs(): number {
    return this.options.heartbeatMs ?? 15_000;
  }

  private idleTimeoutMs(): number {
    return this.options.idleTimeoutMs ?? 45_000;
  }

  private beat(): void {
    const now = Date.now();
    if (now - this.lastRead >= this.idleTimeoutMs()) {
      this.report(new ScribeError(408, `nothing read for ${this.idleTimeoutMs()} ms; dropping the connection`));
      this.ws?.close(4001, 'idle');
      return;
    }
    if (this.peer && now - this.lastWrite >= this.heartbeatMs()) {
      this.request({ type: 'noop' }).catch(() => {});
    }
  }

  private send(message: object): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return;
    this.lastWrite = Date.now();
    ws.send(toJson(message));
  }

  /** Sends a request and resolves with the whole `response` message, or fails with the peer's `error`. */
  private request(message: Record<string, unknown>): Promise<any> {
    return new Promise((resolve, reject) => {
      const id = ++this.requestIds;
      const timer = setTimeout(() => {
        this.pendingRequests.delete(id);
        reject(new ScribeError(408, `no answer to ${String(message.type)} within ${this.options.requestTimeoutMs ?? 30_000} ms`));
      }, this.options.requestTimeoutMs ?? 30_000);
      this.pendingRequests.set(id, { resolve, reject, timer });
      this.send({ ...message, id });
    });
  }

  /**
   * Like {@link request}, but `onAnswer` runs synchronously while the answer is handled, in message order; when it
   * returns a promise, the next messages wait for it.
   */
  private requestInline(message: Record<string, unknown>,
    onAnswer: (error: Error | null, response?: any) => Promise<void> | void): void {
    this.request(message).then(() => {}, () => {});
    const id = this.requestIds;
    const p = this.pendingRequests.get(id)!;
    const { resolve, reject } = p;
    p.resolve = (m) => {
      const after = onAnswer(null, m);
      resolve(m);
      return after;
    };
    p.reject = (e) => {
      const after = onAnswer(e);
      reject(e);
      return after;
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Catch-up from the server

  /** Asks for the first page after the stored cursor. */
  private startCatchUp(): void {
    const from = this.scriber.getMeta(`cursor:${this.peer}`) ?? null;
    this.askOwn = from === null || !!this.scriber.getMeta(`own:${this.peer}`);
    this.startAt = from === null ? undefined : parseAt(this.scriber.getMeta(`at:${this.peer}`));
    this.requestPage(from, this.scriber.getMeta(`log:${this.peer}`));
  }

  /**
   * Asks for the page after `from`, a position in the server's log named `log` (the identity the server stated with
   * it; a server whose store was lost or replaced answers a position in another log from its start).
   */
  private requestPage(from: string | null, log: string | undefined): void {
    const peer = this.peer!;
    const generation = this.generation;
    // The server may push to us without request ids: we acknowledge cumulatively (see `answerPush`).
    const sync: Record<string, unknown> = { type: 'sync', from, limit: this.options.pageSize ?? 500, acks: 'cumulative' };
    if (this.askOwn) sync.own = true;
    if (from !== null && log !== undefined) sync.log = log;
    const at = this.startAt;
    if (at !== undefined && at.position === from) sync.at = { clock: at.clock, origin: at.origin };
    this.requestInline(sync, (error, response) => {
      if (error) {
        if (generation === this.generation && (error as ScribeError).code !== 408) this.report(error);
        return;
      }
      // The server's push window: our acks of its pushes may be held back for a while within half of it.
      const stated = response?.window;
      if (generation === this.generation && Number.isSafeInteger(stated) && stated > 0) {
        this.serverWindow = stated;
        this.serverAckDelay = statedAckDelay(response.ackDelay);
      }
      let played: { next: string | null; forgetting?: Promise<void> };
      try {
        played = this.playPage(peer, from, response);
      } catch (e) {
        this.report(e as Error);
        return;
      }
      const next = played.next;
      if (response.more === true && next !== null && next !== from) {
        this.requestPage(next, typeof response.log === 'string' ? response.log : undefined);
      } else {
        this.caughtUp = true;
        if (this.pushing || this.currentStatus === 'catching-up') this.maybeOnline();
      }
      // The next page's answer is played once the objects the snapshot did not carry are forgotten.
      return played.forgetting;
    });
  }

  private maybeOnline(): void {
    if (this.caughtUp && this.ws) this.setStatus('online');
  }

  /**
   * Plays one catch-up page and stores it with the new cursor. A snapshot page (a `snapshot` member, see
   * docs/PROTOCOL.md, "Compaction and snapshots") is played like any page, but its cursor (`snapshot:...`) is never
   * stored, only asked from next, so an interrupted snapshot starts again from the stored log cursor. Once a whole
   * snapshot was played (its first to its last page in this catch-up), the objects it did not carry are forgotten
   * (see {@link Scriber.forgetUnseen}), and the log cursor of its last page is stored with that.
   */
  private playPage(peer: string, from: string | null, response: any): { next: string | null; forgetting?: Promise<void> } {
    const result = response?.result;
    if (!Array.isArray(result)) throw new ScribeError(400, 'sync response without a result array');
    const snapshot = response.snapshot !== null && typeof response.snapshot === 'object' && !Array.isArray(response.snapshot)
      ? response.snapshot : undefined;
    if (snapshot?.start === true) {
      this.snapshotSeen = new Set();
      const stored = String(snapshot.stored ?? '');
      this.snapshotStored = /^\d+$/.test(stored) ? Number(stored) : 0;
    }
    const seen = snapshot ? this.snapshotSeen : undefined;
    if (seen) {
      for (const node of result) {
        const key = this.scriber.createdKey(node);
        if (key !== undefined) seen.add(key);
      }
    }
    const whole = seen !== undefined && snapshot.end === true;
    // The cursors stored from here on are positions in the log this answer names.
    if (typeof response.log === 'string') this.peerLog = response.log;
    let cursor = from;
    const tx = new Txn();
    for (const node of result) {
      try {
        this.scriber.play(readScribe(node), peer, tx);
      } catch (e) {
        if (!(e instanceof ScribeError)) throw e;
        this.report(new ScribeError(e.code, `catch-up from ${peer}: ${e.message}`));
      }
      if (node?.id !== undefined && node?.id !== null) cursor = String(node.id);
    }
    if (response.cursor !== undefined && response.cursor !== null) cursor = String(response.cursor);
    // A cursor the answer states in a log other than the stored one's is stored even where it equals the old one.
    const newLog = response.cursor !== undefined && response.cursor !== null && this.peerLog !== undefined
      && this.scriber.getMeta(`log:${peer}`) !== this.peerLog;
    // Likewise one equal to the old one whose scribe is stated to be another (a log restored from a copy that has
    // grown back to exactly this position), or each catch-up would start again.
    const at = statedAt(response, cursor);
    const started = this.startAt;
    const newAt = at !== undefined && cursor === from
      && (started === undefined || started.position !== from || started.clock !== at.clock || started.origin !== at.origin);
    const store = cursor !== null && (cursor !== from || newLog || newAt) && !isSnapshotCursor(cursor);
    // At a snapshot's end the log cursor is stored with the forgetting: a stop in between plays the snapshot again.
    if (store && !whole) this.storeCursor(tx.meta, cursor!, response.more === true, at);
    void this.scriber.commit(tx).catch(() => {});
    if (!whole) return { next: cursor };
    this.snapshotSeen = undefined;
    const meta: Record<string, string> = {};
    if (store) this.storeCursor(meta, cursor!, response.more === true, at);
    const forgetting = this.scriber.forgetUnseen(seen!, this.snapshotStored, peer, meta).then(() => {}, (e) => {
      this.report(new ScribeError(500, `forgetting what the snapshot from ${peer} did not carry: ${(e as Error)?.message ?? e}`));
    });
    return { next: cursor, forgetting };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Messages from the server

  /**
   * Handles one message of connection `ws`, which is the current one when this starts. Where the handling waits (a
   * store read, an application's handler), the connection may be gone when it resumes: then nothing more is sent
   * and no session state is touched, since the answer would reach the next session.
   */
  private async receive(text: string, ws: WebSocketLike): Promise<void> {
    let message: any;
    try {
      message = parseJson(text);
    } catch {
      this.answerError(undefined, new ScribeError(400, 'malformed JSON'));
      return;
    }
    const id = message !== null && typeof message === 'object' && !Array.isArray(message) ? message.id : undefined;
    try {
      if (message === null || typeof message !== 'object' || Array.isArray(message)) {
        throw new ScribeError(400, 'message must be a JSON object');
      }
      // The pushes before a message of another type are acknowledged (or their ack held, see sendAck) before it is
      // handled (it may wait on I/O).
      if (message.type !== 'add_scribe') this.sendAck();
      switch (message.type) {
        case 'sync': await this.handleSync(id, message, ws); break;
        case 'add_scribe': this.handleAddScribe(id, message); break;
        case 'noop': this.handleNoop(id, message); break;
        case 'refused':
          await this.scriber.undoRefused(message, this.peer ?? 'server');
          if (ws === this.ws) this.send({ type: 'response', id, result: true });
          if (message.answered === false) {
            // Refused in the server's catch-up of this client's log (an offline write): no error answered it.
            const code = Number(message.code);
            this.report(new ScribeError(code >= 400 && code < 600 ? code : 403, `${this.peer ?? 'server'} refused this`
              + ` peer's ${String(message.write)} of ${String(message.klass)} ${String(message.object)}, sent from its log:`
              + ` ${String(message.message ?? '')}`));
          }
          break;
        case 'presence':
          this.presence.receive(message);
          if (id !== undefined && id !== null) this.send({ type: 'response', id, result: true });
          break;
        case 'response': await this.settle(id, message, null); break;
        case 'ack': this.pushesAcknowledged(message.up_to); break;
        case 'error': {
          const error = new ScribeError(Number(message.code ?? 500), String(message.message ?? 'error'));
          if ((id === undefined || id === null) && typeof message.scribe === 'string' && this.pushRefused(message.scribe, error)) break;
          await this.settle(id, message, error);
          break;
        }
        case 'rpc': throw new ScribeError(404, `no rpc on this peer: ${String(message.klass)}`);
        default: {
          const handler = typeof message.type === 'string' ? this.options.handlers?.[message.type] : undefined;
          if (handler) {
            const result = await handler(message);
            if (id !== undefined && id !== null && ws === this.ws) this.send({ type: 'response', id, result: result ?? null });
            break;
          }
        }
        // falls through
          throw new ScribeError(400, typeof message.type === 'string' ? `unknown message type: ${message.type}` : 'message has no type');
      }
    } catch (e) {
      const error = e instanceof ScribeError ? e : new ScribeError(500, `internal error: ${(e as Error).message}`);
      if (ws === this.ws) this.answerError(id, error);
      else this.scriber.onError(new ScribeError(error.code, `from ${this.peer} (a connection since closed): ${error.message}`));
    }
  }

  private answerError(id: unknown, error: ScribeError): void {
    this.scriber.onError(new ScribeError(error.code, `from ${this.peer}: ${error.message}`));
    const message: Record<string, unknown> = { type: 'error' };
    if (id !== undefined && id !== null) message.id = id;
    message.code = error.code;
    message.message = error.message;
    this.send(message);
  }

  private settle(id: unknown, message: any, error: ScribeError | null): unknown {
    const key = typeof id === 'bigint' ? Number(id) : Number(id);
    const p = id === undefined || id === null ? undefined : this.pendingRequests.get(key);
    if (!p) {
      if (error) this.report(new ScribeError(error.code, `from ${this.peer}: ${error.message}`));
      return;
    }
    this.pendingRequests.delete(key);
    clearTimeout(p.timer);
    return error ? p.reject(error) : p.resolve(message);
  }

  /**
   * The server's cumulative `ack`: it played and stored every push of ours up to `upTo`, a position of our log, except
   * those it answered with an `error` naming them (which comes before the ack that passes them). Each is settled as a
   * `response` with `result: true` would be.
   */
  private pushesAcknowledged(upTo: unknown): void {
    const last = typeof upTo === 'string' && /^[0-9]+$/.test(upTo) ? Number(upTo) : NaN;
    if (!(last > 0)) throw new ScribeError(400, 'ack needs up_to, the id of a scribe pushed');
    const answer = { type: 'response', result: true };
    while (this.pushed.length > 0 && this.pushed[0].position <= last) {
      const p = this.pushed.shift()!;
      clearTimeout(p.timer);
      p.resolve(answer);
    }
  }

  /** The server refused our push of the scribe at `position`: fails it. False when no such push waits. */
  private pushRefused(position: string, error: ScribeError): boolean {
    const at = this.pushed.findIndex((p) => p.position === Number(position));
    if (at < 0) return false;
    const [p] = this.pushed.splice(at, 1);
    clearTimeout(p.timer);
    p.reject(error);
    return true;
  }

  /**
   * Pushes one scribe. To a server that acknowledges cumulatively (its `sync` said so) without a request id, answered
   * by an `ack` passing its position or an `error` naming it; to others as a request answered by its id.
   */
  private push(s: LoggedScribe): Promise<unknown> {
    if (!this.serverAcksCumulative) return this.request({ type: 'add_scribe', scribe: wireScribe(s) });
    return new Promise((resolve, reject) => {
      const position = Number(s.id);
      const timer = setTimeout(() => {
        const at = this.pushed.findIndex((p) => p.position === position);
        if (at >= 0) this.pushed.splice(at, 1);
        reject(new ScribeError(408, `no answer to the push of scribe ${s.id} within ${this.options.requestTimeoutMs ?? 30_000} ms`));
      }, this.options.requestTimeoutMs ?? 30_000);
      this.pushed.push({ position, resolve, reject, timer });
      this.send({ type: 'add_scribe', scribe: wireScribe(s) });
    });
  }

  /**
   * Answers a push played (or refused) here. One with a request id is answered by it; one without (the server pushes
   * so once our sync said we acknowledge cumulatively) by one `ack` for the messages handled together (see `sendAck`),
   * or, when refused, by an `error` naming its scribe at once.
   */
  private answerPush(id: unknown, scribe: Scribe, refused?: ScribeError): void {
    if ((id !== undefined && id !== null) || scribe.id === undefined || scribe.id === null) {
      if (refused) throw refused;
      this.send({ type: 'response', id, result: true });
    } else if (refused) {
      this.scriber.onError(new ScribeError(refused.code, `from ${this.peer}: ${refused.message}`));
      this.send({ type: 'error', scribe: String(scribe.id), code: refused.code, message: refused.message });
    } else {
      this.ackUpTo = String(scribe.id);
      this.ackCount++;
    }
  }

  /**
   * Acknowledges the pushes played since the last `ack` (see {@link answerPush}), if any, after a batch of messages
   * was handled: at once when the server's push window is not known or acks are not delayed
   * ({@link ClientOptions.ackDelayMs}, or the delay the server stated), or when they reach half the window; otherwise
   * within the delay, with whatever else was played by then.
   */
  private sendAck(): void {
    if (this.ackUpTo === undefined) return;
    const delay = this.serverAckDelay ?? this.options.ackDelayMs ?? 20;
    if (!(delay > 0) || this.serverWindow <= 0 || this.ackCount >= Math.max(1, Math.floor(this.serverWindow / 2))) {
      this.ackNow();
    } else if (this.ackTimer === undefined) {
      const generation = this.generation;
      this.ackTimer = setTimeout(() => {
        this.ackTimer = undefined;
        if (generation === this.generation && this.ws !== undefined) this.ackNow();
      }, delay);
    }
  }

  /** Sends one `ack` for the pushes played since the last one, once they are stored, on the connection they came on. */
  private ackNow(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.ackUpTo === undefined) return;
    const upTo = this.ackUpTo;
    this.ackUpTo = undefined;
    this.ackCount = 0;
    // Once the last push played is stored (commits are stored in order): a push whose commit failed is not
    // acknowledged, and the server's next catch-up passes it again.
    const generation = this.generation;
    const ws = this.ws;
    this.stored.then(() => {
      if (generation === this.generation && ws !== undefined && this.ws === ws) this.send({ type: 'ack', up_to: upTo });
    }, () => {});
  }

  /**
   * Answers a `noop`. One with a `cursor` comes after every push the server queued up to that position of its log
   * (docs/PROTOCOL.md, "Compaction and snapshots"): once this client's catch-up is done, that position becomes its
   * cursor if it is further on, so the next catch-up starts after scribes it was never pushed.
   */
  private handleNoop(id: unknown, message: any): void {
    const cursor = message.cursor;
    if (this.caughtUp && typeof cursor === 'string' && /^[0-9]+$/.test(cursor)) {
      const held = this.scriber.getMeta(`cursor:${this.peer}`);
      if (held === undefined || held === null || (/^[0-9]+$/.test(held) && BigInt(cursor) > BigInt(held))) {
        const tx = new Txn();
        this.storeCursor(tx.meta, cursor);
        void this.scriber.commit(tx).catch(() => {});
      }
    }
    this.send({ type: 'response', id, result: true });
  }

  private handleAddScribe(id: unknown, message: any): void {
    let scribe: Scribe;
    let tx = new Txn();
    let refused: ScribeError | undefined;
    try {
      scribe = readScribe(message.scribe);
      this.scriber.play(scribe, this.peer, tx);
    } catch (e) {
      const named = message?.scribe?.id;
      if ((id === undefined || id === null) && typeof named === 'string') {
        // A push without a request id that could not be played: the error names its scribe, so that the server does
        // not take our next ack as passing it.
        const error = e instanceof ScribeError ? e : new ScribeError(500, `internal error: ${(e as Error).message}`);
        this.answerPush(undefined, { id: named } as Scribe, error);
        return;
      }
      if (!(e instanceof ScribeError) || e.code >= 500) throw e;
      refused = e;
      tx = new Txn();
    }
    if (this.caughtUp && scribe!.id !== undefined && scribe!.id !== null) {
      const at = scribe!.origin !== undefined ? { clock: scribe!.clock ?? 0n, origin: scribe!.origin } : undefined;
      this.storeCursor(tx.meta, String(scribe!.id), false, at);
    }
    // An ack says the push is stored: it waits for this commit (see sendAck).
    this.stored = this.scriber.commit(tx);
    this.stored.catch(() => {});
    this.answerPush(id, scribe!, refused);
  }

  /** Answers a page of this peer's log after `from`, without the asker's own scribes; then starts pushing. */
  private async handleSync(id: unknown, message: any, ws: WebSocketLike): Promise<void> {
    if (message.acks === 'cumulative') this.serverAcksCumulative = true;
    const frame = message.frame;
    if (Number.isSafeInteger(frame) && frame > 0) this.serverFrame = frame;
    const peer = this.peer!;
    let after = this.parseCursor(message.from);
    // A position in another log (this client's store was lost or replaced since the server stored it), or one this
    // log never issued: the server gets this log from its start.
    if (after !== 0 && (after < 0 || (message.log !== undefined && message.log !== this.scriber.logId))) after = 0;
    if (after > 0 && message.at !== undefined && message.at !== null) {
      // The server read another scribe at this position: this log is not the one it read (a store restored from an
      // earlier copy issued the positions after the copy again).
      const stated = readAt(message.at, String(after));
      const there = (await this.scriber.readAfter(after - 1, 1))[0];
      if (there !== undefined && Number(there.id) === after
        && (there.clock !== stated.clock || there.origin !== stated.origin)) after = 0;
    }
    if (after > 0) this.acknowledge(after);
    const asked = Number(message.limit);
    const pageSize = this.options.pageSize ?? 500;
    const limit = Number.isInteger(asked) && asked > 0 ? Math.min(asked, pageSize) : Infinity;
    const examineCap = (Number.isFinite(limit) ? limit : pageSize) * 20;
    // A server that does not trust this client as a relay asks with relayed: false (it would refuse the others).
    this.serverTakesRelayed = message.relayed !== false;
    const relayed = this.options.relay !== false && this.serverTakesRelayed;
    const result: LoggedScribe[] = [];
    let cursor: string | undefined;
    let cursorAt: { clock: bigint; origin: string } | undefined;
    let more = false;
    let position = after;
    // The answer must fit the server's frame: the scribes' bytes, with room for the envelope.
    let budget = this.serverFrame > 0 ? this.serverFrame - ENVELOPE_BYTES : Infinity;
    let examined = 0;
    const chunk = Math.min(Number.isFinite(limit) ? limit : 500, 500);
    outer: for (;;) {
      const page = await this.scriber.readAfter(position, chunk);
      for (const s of page) {
        if (result.length >= limit || examined >= examineCap) {
          more = true;
          break outer;
        }
        if (s.origin !== peer && (relayed || s.origin === this.scriber.id)) {
          const size = this.sizeFor(s);
          if (size > 0 && size > budget && result.length > 0) {
            // The next page starts with it.
            more = true;
            break outer;
          }
          if (this.serverFrame > 0 && size > this.serverFrame - ENVELOPE_BYTES) this.tooLarge(s, size);
          else {
            result.push(s);
            budget -= size + 1;
          }
        }
        examined++;
        position = Number(s.id);
        cursor = s.id;
        cursorAt = s.origin !== undefined ? { clock: s.clock ?? 0n, origin: s.origin } : undefined;
      }
      if (page.length < chunk) break;
    }
    // The connection closed while the log was read: the next session's server asks again.
    if (ws !== this.ws) return;
    const response: Record<string, unknown> = {
      type: 'response', id, result: result.map(wireScribe), more, log: this.scriber.logId,
    };
    if (cursor !== undefined) {
      response.cursor = cursor;
      if (cursorAt !== undefined) response.at = cursorAt;
    }
    this.send(response);
    if (!more) {
      // The page is the last one: nothing more will tell us the server stored it, so a noop answered after it (the
      // server handles one session's messages in order) acknowledges this peer's own scribes in it.
      const through = position;
      if (result.some((s) => s.origin === this.scriber.id)) {
        this.request({ type: 'noop' }).then(() => this.acknowledge(through), () => {});
      }
      this.pushedThrough = position;
      this.pushing = true;
      void this.pump();
      this.maybeOnline();
    }
  }

  /** The size of `s` in UTF-8 JSON bytes when the server stated its frame; 0 when it did not. */
  private sizeFor(s: LoggedScribe): number {
    return this.serverFrame > 0 ? utf8Length(toJson(wireScribe(s))) : 0;
  }

  /**
   * Whether `s` fits the frame the server stated, less the bytes its admission leaves for the envelope (as a Java
   * peer checks what it receives); one that does not is reported and never sent (see `tooLarge`).
   */
  private fits(s: LoggedScribe): boolean {
    if (this.serverFrame <= 0) return true;
    const size = this.sizeFor(s);
    if (size <= this.serverFrame - ENVELOPE_BYTES) return true;
    this.tooLarge(s, size);
    return false;
  }

  /**
   * A scribe too large for the server's frame (the server would close the connection at it, again after every
   * reconnect, and nothing logged after it would arrive): it is skipped, stays in this peer's log, and is reported as
   * `error` 413; one of this peer's own stops counting as pending, and the {@link whenSent} calls waiting fail.
   */
  private tooLarge(s: LoggedScribe, size: number): void {
    const error = new ScribeError(413, `scribe ${s.id} (${s.type} of ${s.klass}) is ${size} bytes, over the`
      + ` ${this.serverFrame - ENVELOPE_BYTES} bytes a frame of ${this.peer} can carry (it reads frames of up to`
      + ` ${this.serverFrame} bytes); not sent`);
    this.scriber.onError(error);
    const at = s.origin === this.scriber.id ? this.unacked.indexOf(Number(s.id)) : -1;
    if (at < 0) {
      this.emit('error', error);
      return;
    }
    this.unacked.splice(at, 1);
    const waiting = [...this.sentWaiters];
    this.sentWaiters.clear();
    for (const w of waiting) w.reject(error);
    this.emit('error', error);
    this.pendingChanged();
  }

  /**
   * Sets the cursor in the server's log in `meta` (a commit's), with the identity of that log when the server stated
   * one that is not stored yet.
   */
  private storeCursor(meta: Record<string, string>, cursor: string, more = false,
    at?: { clock: bigint; origin: string }): void {
    meta[`cursor:${this.peer}`] = cursor;
    // What the scribe there is, stated with the next catch-up from it; unknown: that catch-up goes unchecked.
    meta[`at:${this.peer}`] = at ? `${cursor}:${at.clock}:${at.origin}` : '';
    // Until a catch-up asking for this client's own scribes reaches the end, one resumed after a restart asks too.
    if (this.askOwn && !this.caughtUp) meta[`own:${this.peer}`] = more ? '1' : '';
    if (this.peerLog !== undefined && this.scriber.getMeta(`log:${this.peer}`) !== this.peerLog) {
      meta[`log:${this.peer}`] = this.peerLog;
    }
  }

  private parseCursor(from: unknown): number {
    if (from === undefined || from === null || from === '') return 0;
    const text = String(from);
    if (!/^\d+$/.test(text)) return -1;
    const n = Number(text);
    return n <= this.scriber.lastId ? n : -1;
  }

  /** Pushes the scribes after `pushedThrough`, in log order, as `add_scribe`. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    const generation = this.generation;
    try {
      do {
        this.pumpAgain = false;
        for (;;) {
          if (!this.pushing || generation !== this.generation) return;
          const page = await this.scriber.readAfter(this.pushedThrough, 500);
          if (!this.pushing || generation !== this.generation) return;
          for (const s of page) {
            this.pushedThrough = Number(s.id);
            // Not the server's own scribes back to it, nor scribes of other origins to a server that does not take
            // them (relay: false here, or relayed: false in its sync: a Java hub would refuse each with 403).
            if (s.origin === this.peer) continue;
            if ((this.options.relay === false || !this.serverTakesRelayed) && s.origin !== this.scriber.id) continue;
            if (!this.fits(s)) continue;
            const sid = Number(s.id);
            const own = s.origin === this.scriber.id;
            this.push(s).then(
              () => { if (own) this.acknowledge(sid); },
              (e: ScribeError) => {
                if (e.code === 408) return;
                this.report(new ScribeError(e.code, `${this.peer} refused scribe ${sid}: ${e.message}`));
                // A deliberate refusal is final: the scribe will not be accepted later either.
                if (own && e.code < 500) this.acknowledge(sid);
              });
          }
          if (page.length < 500) break;
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }
}

/**
 * What the scribe at a position of a peer's log is: its clock and origin (see docs/PROTOCOL.md, "Which log a cursor
 * is a position of"). Stored with the cursor as `at:<peer>` = `POSITION:CLOCK:ORIGIN`.
 */
interface At {
  position: string;
  clock: bigint;
  origin: string;
}

/** Reads a stored `at:<peer>`; undefined for an empty or malformed value. */
function parseAt(stored: string | undefined): At | undefined {
  if (!stored) return undefined;
  const first = stored.indexOf(':');
  const second = first < 0 ? -1 : stored.indexOf(':', first + 1);
  if (first <= 0 || second < 0 || second === stored.length - 1 || !/^-?\d+$/.test(stored.slice(first + 1, second))) {
    return undefined;
  }
  return { position: stored.slice(0, first), clock: BigInt(stored.slice(first + 1, second)), origin: stored.slice(second + 1) };
}

/** Reads a stated `at` (`{clock, origin}`) for `position`; a malformed one is refused with 400. */
function readAt(node: any, position: string): At {
  const clock = node?.clock;
  const origin = node?.origin;
  const whole = typeof clock === 'bigint' || (typeof clock === 'number' && Number.isInteger(clock))
    || (typeof clock === 'string' && /^-?\d+$/.test(clock));
  if (node === null || typeof node !== 'object' || Array.isArray(node) || !whole || typeof origin !== 'string'
    || origin === '' || origin.length > 256) {
    throw new ScribeError(400, 'sync: at must be {"clock": a whole number, "origin": a peer id}');
  }
  return { position, clock: toBigInt(clock), origin };
}

/** What an answer states the scribe at its cursor to be, when `cursor` is the cursor it states; else undefined. */
function statedAt(response: any, cursor: string | null): { clock: bigint; origin: string } | undefined {
  if (cursor === null || response?.cursor === undefined || response?.cursor === null
    || String(response.cursor) !== cursor || response.at === undefined || response.at === null) return undefined;
  try {
    return readAt(response.at, cursor);
  } catch {
    return undefined;
  }
}

/** Room a server leaves in a frame for the envelope around a scribe (`add_scribe`, a request id, a page's fields). */
const ENVELOPE_BYTES = 512;

/** The length of `text` in UTF-8 bytes. */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Two bytes up to U+07FF, three up to U+FFFF; a surrogate pair (two chars) is four.
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
}

/** Whether `cursor` names a place in a server's snapshot (`snapshot:POSITION:KEY`) rather than in its log. */
export function isSnapshotCursor(cursor: string | null | undefined): boolean {
  return typeof cursor === 'string' && cursor.startsWith('snapshot:');
}

/** A scribe from its wire form; 400 when it is not one. */
export function readScribe(node: any): Scribe {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) throw new ScribeError(400, 'scribe must be an object');
  if (typeof node.klass !== 'string') throw new ScribeError(400, 'scribe has no klass');
  if (!['create', 'update', 'destroy'].includes(node.type)) throw new ScribeError(400, `unknown scribe type: ${String(node.type)}`);
  if (node.data === undefined) throw new ScribeError(400, 'scribe has no data');
  const base: Record<string, bigint> = {};
  if (node.base && typeof node.base === 'object') for (const [k, v] of Object.entries(node.base)) base[k] = toBigInt(v);
  return {
    id: node.id === undefined || node.id === null ? null : node.id,
    klass: node.klass,
    type: node.type as ScribeType,
    data: node.data,
    origin: typeof node.origin === 'string' ? node.origin : undefined,
    clock: toBigInt(node.clock),
    base,
  };
}

/** The wire form of a logged scribe: `{id, klass, type, data, origin, clock, base}`, empty parts omitted. */
export function wireScribe(s: LoggedScribe): Record<string, unknown> {
  const out: Record<string, unknown> = { id: s.id, klass: s.klass, type: s.type, data: s.data };
  if (s.origin) out.origin = s.origin;
  if (s.clock !== undefined && s.clock !== 0n) out.clock = s.clock;
  if (s.base && Object.keys(s.base).length) out.base = s.base;
  return out;
}

/** The longest hold a server may ask of this client's acks (as the Java receiver): 10 s. */
const MAX_STATED_ACK_DELAY_MS = 10_000;

/**
 * The hold a server stated for our acks (`ackDelay` in its answer to our `sync`, milliseconds), or undefined when it is
 * not to be used: absent, not a JSON number, or negative. A fraction counts whole milliseconds (rounded down); a value
 * over 10 s counts as 10 s. The same rule as the Java receiver's.
 */
function statedAckDelay(value: unknown): number | undefined {
  if (typeof value === 'bigint') return value >= 0n ? MAX_STATED_ACK_DELAY_MS : undefined;
  if (typeof value !== 'number' || !(value >= 0)) return undefined;
  return Math.floor(Math.min(value, MAX_STATED_ACK_DELAY_MS));
}
