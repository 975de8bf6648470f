import { jsonCopy, toJson } from './json.js';
import { ScribeError } from './scriber.js';

/** The object a presence is about: a synced class's wire name and an identity. */
export interface PresenceTopic {
  klass: string;
  id: string;
}

/** One other session's presence, as the server relayed it. */
export interface PresencePeer {
  /** The GUID of the client the session belongs to. */
  client: string;
  /** The server's name of that session, distinct among the client's sessions. */
  session: string;
  /** Its state; null when it left (only in what {@link Presence.onChange} listeners are told). */
  state: unknown;
  /** The object it is about, or null. */
  topic: PresenceTopic | null;
}

export type PresenceListener = (peer: PresencePeer) => void;

/** The largest state a server accepts, encoded (it answers 413 beyond). */
export const PRESENCE_MAX_STATE_BYTES = 16 * 1024;

/** How a {@link Presence} reaches its client's current session. */
export interface PresenceLink {
  send(message: Record<string, unknown>): void;
  onError(error: Error): void;
}

/**
 * Ephemeral per-session state, "who is here and what are they doing" (online, a cursor, typing), carried by the
 * `presence` message; never recorded, stored or replayed. A {@link ScribeClient} has one, `client.presence`:
 *
 * - {@link set} keeps this peer's latest state (about one object, or none) and sends it, at most once per throttle
 *   interval (50 ms; updates inside it are coalesced and the latest is sent at its end); after a reconnect the latest
 *   state is sent again. {@link leave} sends `state: null`.
 * - The states of the other sessions the server relays are kept until the server relays their `state: null` (the
 *   session left or ended), and all of them are forgotten when this client's connection drops: the server sends the
 *   current ones again on the next session. A relayed state older (lower `seq`) than one already seen from that
 *   session is dropped.
 */
export class Presence {
  private mine: unknown = null;
  private about: PresenceTopic | null = null;
  private live = false;
  private lastSent = -Infinity;
  private dirty = false;
  private timer?: ReturnType<typeof setTimeout>;
  private readonly peers = new Map<string, PresencePeer>();
  private readonly newest = new Map<string, number>();
  private readonly listeners = new Set<PresenceListener>();

  constructor(private readonly link: PresenceLink, readonly throttleMs = 50) {}

  /**
   * Sets this peer's state, about the object `topic` or about none, and sends it (now when connected, else on the
   * next session); null leaves. The server relays a state about an object only to the sessions whose client may see
   * that object.
   *
   * @throws ScribeError 413 when the state is over 16 KiB encoded; 400 when it is not JSON or the topic lacks klass or id
   */
  set(state: unknown, topic?: PresenceTopic | null): void {
    if (state === undefined) throw new ScribeError(400, 'presence state must be a JSON value (null to leave)');
    let about: PresenceTopic | null = null;
    if (topic !== undefined && topic !== null) {
      if (typeof topic.klass !== 'string' || !topic.klass || topic.id === undefined || topic.id === null || topic.id === '') {
        throw new ScribeError(400, 'presence topic needs klass and id');
      }
      about = { klass: topic.klass, id: String(topic.id) };
    }
    if (state !== null) {
      let encoded: string;
      try {
        encoded = toJson(state);
      } catch (e) {
        throw new ScribeError(400, `presence state is not JSON: ${(e as Error).message}`);
      }
      if (new TextEncoder().encode(encoded).length > PRESENCE_MAX_STATE_BYTES) {
        throw new ScribeError(413, `presence state over ${PRESENCE_MAX_STATE_BYTES} bytes`);
      }
    }
    this.mine = state === null ? null : jsonCopy(state);
    this.about = state === null ? null : about;
    this.dirty = true;
    this.flush();
  }

  /** Leaves: sends `state: null`; nothing is sent again after a reconnect. */
  leave(): void {
    this.set(null);
  }

  /** This peer's current state (null when none). */
  get state(): unknown {
    return this.mine;
  }

  /** The object this peer's current state is about, or null. */
  get topic(): PresenceTopic | null {
    return this.about;
  }

  /** The current states of the other sessions, as relayed by the server. */
  others(): PresencePeer[] {
    return [...this.peers.values()].map((p) => ({ ...p, topic: p.topic && { ...p.topic } }));
  }

  /** Told of every change of another session's presence: joined or changed, or left (`state: null`). */
  onChange(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Driven by the client

  /** A session is ready: sends this peer's state, if it has one. @internal */
  started(): void {
    this.live = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastSent = -Infinity;
    this.dirty = this.mine !== null;
    this.flush();
  }

  /** The session ended: forgets the others' states, each told as a leave. @internal */
  ended(): void {
    this.live = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    this.newest.clear();
    const gone = [...this.peers.values()];
    this.peers.clear();
    for (const p of gone) this.tell({ ...p, state: null });
  }

  /** A `presence` message from the server: another session's state. @internal */
  receive(message: any): void {
    if (typeof message.client !== 'string' || !message.client) {
      throw new ScribeError(400, 'a relayed presence needs the client');
    }
    if (message.state === undefined) throw new ScribeError(400, 'presence needs a state (null to leave)');
    const topic = message.topic;
    let about: PresenceTopic | null = null;
    if (topic !== undefined && topic !== null) {
      if (typeof topic !== 'object' || typeof topic.klass !== 'string' || topic.id === undefined || topic.id === null) {
        throw new ScribeError(400, 'presence topic needs klass and id');
      }
      about = { klass: topic.klass, id: String(topic.id) };
    }
    const session = message.session === undefined || message.session === null ? '' : String(message.session);
    const key = `${message.client}\n${session}`;
    const seq = Number(message.seq ?? 0);
    if (seq > 0) {
      // A state sent on join can arrive after a newer update of the same session: the newer one stands.
      if (seq < (this.newest.get(key) ?? 0)) return;
      this.newest.set(key, seq);
    }
    const peer: PresencePeer = { client: message.client, session, state: message.state, topic: about };
    if (message.state === null) {
      const was = this.peers.get(key);
      if (!was) return;
      this.peers.delete(key);
      this.tell({ ...peer, topic: was.topic });
    } else {
      this.peers.set(key, peer);
      this.tell(peer);
    }
  }

  // -------------------------------------------------------------------------------------------------------------

  /** Sends the latest state once the throttle interval since the last send has passed. */
  private flush(): void {
    if (!this.live || !this.dirty || this.timer) return;
    const wait = this.lastSent + this.throttleMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
      return;
    }
    this.dirty = false;
    this.lastSent = Date.now();
    const message: Record<string, unknown> = { type: 'presence', state: this.mine };
    if (this.about) message.topic = { ...this.about };
    this.link.send(message);
  }

  private tell(peer: PresencePeer): void {
    for (const l of this.listeners) {
      try {
        l({ ...peer, topic: peer.topic && { ...peer.topic } });
      } catch (e) {
        this.link.onError(e as Error);
      }
    }
  }
}
