import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Scriber, ScribeClient, ScribeError, toJson } from '../../dist/index.js';
import { greet, listen } from './hub-server.mjs';

/**
 * A scripted hub: hello, an empty answer to `sync`, answers to `noop`; keeps every `presence` message each connection
 * sent, and can push messages to the current connection or cut it.
 */
class PresenceHub {
  static async start() {
    return new PresenceHub(await listen());
  }

  constructor(wss) {
    this.wss = wss;
    this.connections = [];
    this.responses = [];
    wss.on('connection', (ws) => {
      const connection = { ws, presence: [] };
      this.connections.push(connection);
      greet(ws, (m) => {
        if (m.type === 'presence') connection.presence.push(m);
        else if (m.type === 'sync') ws.send(toJson({ type: 'response', id: m.id, result: [], more: false }));
        else if (m.type === 'noop') ws.send(toJson({ type: 'response', id: m.id, result: true }));
        else if (m.type === 'response') this.responses.push(m);
      });
    });
  }

  get url() {
    return `ws://127.0.0.1:${this.wss.address().port}/scribe`;
  }

  /** The latest connection. */
  get current() {
    return this.connections[this.connections.length - 1];
  }

  push(message) {
    this.current.ws.send(toJson(message));
  }

  /** Drops every connection without a close frame, as a network cut does. */
  cut() {
    for (const c of this.connections) c.ws.terminate();
  }

  close() {
    this.cut();
    return new Promise((r) => this.wss.close(r));
  }
}

async function until(check) {
  // bounded by the test's timeout
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

async function client(hub, options = {}) {
  const s = await Scriber.open({ clientId: 'js', onError: () => {} });
  s.register('Note', { fields: ['title'] });
  return new ScribeClient(s, { url: hub.url, WebSocket, backoff: { initialMs: 10, maxMs: 50 }, ...options });
}

const relayed = (client, session, seq, state, topic) => ({ type: 'presence', client, session, seq, state, ...(topic ? { topic } : {}) });

/** A hub and a started client of it, online, with the presence changes the client was told. */
async function onlineClient() {
  const hub = await PresenceHub.start();
  const c = await client(hub);
  const told = [];
  c.presence.onChange((p) => told.push(p));
  c.start();
  await c.whenOnline();
  return { hub, c, told };
}

test('a state set before connecting is sent on the session, and each later one as it is set', async () => {
  const hub = await PresenceHub.start();
  const c = await client(hub);
  c.presence.set({ status: 'typing' }, { klass: 'Note', id: 'n1' });
  assert.deepEqual(c.presence.state, { status: 'typing' });
  assert.deepEqual(c.presence.topic, { klass: 'Note', id: 'n1' });
  c.start();
  await c.whenOnline();
  await until(() => hub.current.presence.length === 1);
  assert.deepEqual(hub.current.presence, [{ type: 'presence', state: { status: 'typing' }, topic: { klass: 'Note', id: 'n1' } }]);
  c.presence.set({ status: 'idle' }); // at once, or at the end of the throttle interval
  await until(() => hub.current.presence.length === 2);
  assert.deepEqual(hub.current.presence[1], { type: 'presence', state: { status: 'idle' } });
  await c.close();
  await hub.close();
});

test('a burst of states is coalesced: the first goes at once, then only the latest', async () => {
  const hub = await PresenceHub.start();
  const c = await client(hub);
  c.start();
  await c.whenOnline();
  for (let i = 0; i < 20; i++) c.presence.set({ n: i });
  await until(() => hub.current.presence.some((m) => m.state.n === 19));
  assert.deepEqual(hub.current.presence.map((m) => m.state.n), [0, 19]);
  // A leave right after a state is the last word (the state is sent first only if the interval had passed).
  c.presence.set({ n: 20 });
  c.presence.leave();
  await until(() => hub.current.presence.some((m) => m.state === null));
  assert.deepEqual(hub.current.presence.slice(0, 2).map((m) => m.state.n), [0, 19]);
  assert.ok([[20, null], [null]].some((tail) => JSON.stringify(tail) === JSON.stringify(hub.current.presence.slice(2).map((m) => m.state?.n ?? null))));
  await c.close();
  await hub.close();
});

test('relayed states are kept per session until their leave, and an older one than already seen is dropped', async () => {
  const { hub, c, told } = await onlineClient();
  hub.push(relayed('a', 's1', 5, { status: 'idle' }, { klass: 'Note', id: 'n1' }));
  hub.push(relayed('a', 's1', 3, { status: 'typing' })); // crossed the newer one: dropped
  hub.push(relayed('b', 's2', 1, { status: 'here' }));
  hub.push({ type: 'presence', client: 'hub', session: 'self', state: { status: 'hosting' } }); // the server's own: no seq
  hub.push({ type: 'presence', client: 'b', session: 's2', seq: 2, state: { status: 'away' }, id: 77 });
  await until(() => hub.responses.some((m) => m.id === 77));
  assert.deepEqual(hub.responses.find((m) => m.id === 77), { type: 'response', id: 77, result: true });
  const byClient = (list) => Object.fromEntries(list.map((p) => [p.client, p]));
  assert.deepEqual(byClient(c.presence.others()), {
    a: { client: 'a', session: 's1', state: { status: 'idle' }, topic: { klass: 'Note', id: 'n1' } },
    b: { client: 'b', session: 's2', state: { status: 'away' }, topic: null },
    hub: { client: 'hub', session: 'self', state: { status: 'hosting' }, topic: null },
  });
  assert.ok(!told.some((p) => p.state?.status === 'typing'));

  hub.push(relayed('a', 's1', 6, null, { klass: 'Note', id: 'n1' }));
  hub.push(relayed('a', 's1', 4, { status: 'late' })); // older than the leave: a stays gone
  hub.push(relayed('b', 's2', 3, { status: 'back' }));
  await until(() => c.presence.others().some((p) => p.state.status === 'back'));
  assert.deepEqual(c.presence.others().map((p) => p.client).sort(), ['b', 'hub']);
  assert.deepEqual(told.map((p) => [p.client, p.state === null ? null : p.state.status]), [
    ['a', 'idle'], ['b', 'here'], ['hub', 'hosting'], ['b', 'away'], ['a', null], ['b', 'back'],
  ]);
  await c.close();
  await hub.close();
});

test('a dropped connection forgets the others; the next session is sent the latest state again', async () => {
  const { hub, c, told } = await onlineClient();
  c.presence.set({ cursor: 1 });
  hub.push(relayed('a', 's1', 9, { cursor: 4 }));
  await until(() => c.presence.others().length === 1);
  await until(() => hub.current.presence.length === 1);
  c.presence.set({ cursor: 2 }); // likely inside the throttle interval: then pending when the connection drops
  const offline = new Promise((resolve) => {
    const off = c.on('status', (st) => {
      if (st === 'offline') {
        off();
        resolve();
      }
    });
  });
  hub.cut();
  await offline; // before the reconnect's first attempt
  assert.deepEqual(c.presence.others(), []);
  assert.deepEqual(told.at(-1), { client: 'a', session: 's1', state: null, topic: null });
  c.presence.set({ cursor: 3 }); // offline: kept for the next session
  await until(() => hub.connections.length === 2 && hub.current.presence.length === 1);
  await c.whenOnline();
  assert.deepEqual(hub.current.presence, [{ type: 'presence', state: { cursor: 3 } }]);
  // The server's states of the new session count from scratch: a low seq is not taken for an old one.
  hub.push(relayed('a', 's1', 1, { cursor: 5 }));
  await until(() => c.presence.others().length === 1);
  assert.deepEqual(c.presence.others()[0].state, { cursor: 5 });

  // After a leave, a reconnect sends nothing.
  c.presence.leave();
  await until(() => hub.current.presence.length === 2);
  assert.equal(hub.current.presence[1].state, null);
  hub.cut();
  await until(() => hub.connections.length === 3);
  await c.whenOnline(); // a state would have preceded the catch-up on the session
  assert.deepEqual(hub.current.presence, []);
  await c.close();
  await hub.close();
});

test('a state over 16 KiB, a topic without an id and an undefined state are refused at once', async () => {
  const hub = await PresenceHub.start();
  const c = await client(hub);
  assert.throws(() => c.presence.set({ blob: 'x'.repeat(16 * 1024) }), (e) => e instanceof ScribeError && e.code === 413);
  assert.throws(() => c.presence.set({ ok: true }, { klass: 'Note' }), (e) => e instanceof ScribeError && e.code === 400);
  assert.throws(() => c.presence.set(undefined), (e) => e instanceof ScribeError && e.code === 400);
  assert.equal(c.presence.state, null);
  await c.dispose();
  await hub.close();
});
