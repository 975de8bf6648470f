// The identity of a log (docs/PROTOCOL.md, "Catch-up"): a peer whose store was lost or replaced numbers its log from
// its first position again, so a cursor is stored with the identity of the log it is a position of, stated when the
// client asks again; a position in another log is answered from the start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { MemoryStore, ScribeClient, toJson } from '../../dist/index.js';
import { HubServer, greet, listen, openTasks as open, until } from './hub-server.mjs';

const T0 = Date.now() - 60_000;
const clock = (n) => (BigInt(T0) << 16n) + BigInt(n);
const create = (id, n) => ({
  id: String(n), klass: 'Task', type: 'create', origin: 'hub', clock: clock(n),
  data: { id, title: `task ${id}`, done: false, priority: 1, tags: [] },
});

/** A scripted hub answering from its log under the identity `logId`; it asks the client's log with `ask`. */
class LogHub extends HubServer {
  static async start() {
    return new LogHub(await listen());
  }

  constructor(wss) {
    super(wss);
    this.logId = 'log-one';
    this.log = [];
    this.syncs = [];
    this.ask = null;
    this.answers = [];
    this.cutAfter = 0;
  }

  connected(ws) {
    greet(ws, (m) => {
      if (m.type === 'sync') {
        this.syncs.push(m);
        // A position in another log, or one whose scribe is not the one the client read there (`at`), is answered
        // from the start, as a Java hub answers it (without a snapshot here).
        const there = this.log.find((s) => s.id === m.from);
        const elsewhere = m.at !== undefined && there !== undefined
          && (BigInt(m.at.clock) !== there.clock || m.at.origin !== there.origin);
        const after = m.from === null || (m.log !== undefined && m.log !== this.logId) || elsewhere ? 0 : Number(m.from);
        const rest = this.log.filter((s) => Number(s.id) > after);
        const page = rest.slice(0, m.limit);
        const response = { type: 'response', id: m.id, result: page, more: rest.length > page.length, log: this.logId };
        if (page.length) {
          const last = page[page.length - 1];
          response.cursor = last.id;
          response.at = { clock: last.clock, origin: last.origin };
        }
        ws.send(toJson(response));
        if (this.syncs.length === this.cutAfter) ws.terminate();
      } else if ((m.type === 'response' || m.type === 'error') && m.id === 1) {
        this.answers.push(m);
      } else if (m.id !== undefined && m.type !== 'response') {
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      }
    }, { then: () => (this.ask ? [{ type: 'sync', id: 1, ...this.ask }] : []) });
  }
}

test('a cursor is stored with the identity of the log it is a position of, and stated with it', async () => {
  const hub = await LogHub.start();
  hub.log = [create('a', 1), create('b', 2)];
  const store = new MemoryStore();
  let s = await open(store);
  let client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  await s.flushed();
  assert.equal(s.getMeta('cursor:hub'), '2');
  assert.equal(s.getMeta('log:hub'), 'log-one');
  assert.equal(hub.syncs[0].log, undefined, 'nothing to state from the start');
  await client.close();

  // Restarted on the same store: the position and its log are stated together.
  s = await open(store);
  client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  assert.equal(hub.syncs[1].from, '2');
  assert.equal(hub.syncs[1].log, 'log-one');

  // The hub's store was replaced: its next answer names another log, stored with the next cursor.
  await client.close();
  hub.logId = 'log-two';
  hub.log = [create('c', 1), create('d', 2), create('e', 3)];
  client.start();
  await client.whenOnline();
  await s.flushed();
  assert.equal(s.getMeta('cursor:hub'), '3');
  assert.equal(s.getMeta('log:hub'), 'log-two');

  // Replaced again: the new log's position is the old one, stated in the new log: stored with it.
  await client.close();
  hub.logId = 'log-three';
  hub.log = [create('f', 1), create('g', 2), create('h', 3)];
  client.start();
  await client.whenOnline();
  await s.flushed();
  assert.equal(s.getMeta('cursor:hub'), '3');
  assert.equal(s.getMeta('log:hub'), 'log-three');
  await client.close();
  await hub.close();
});

test('a hub asking from a position in another log of this client, or one it never issued, gets the log from its start', async () => {
  const hub = await LogHub.start();
  const s = await open(new MemoryStore());
  s.create('Task', { id: 'x', title: 'one', done: false, priority: 1, tags: [] });
  s.create('Task', { id: 'y', title: 'two', done: false, priority: 1, tags: [] });
  await s.flushed();
  const ids = (answer) => answer.result.map((r) => r.data.id ?? r.data[0]);

  for (const ask of [{ from: '1', log: 'a lost log' }, { from: '9', log: s.logId }, { from: '9' }]) {
    hub.ask = { ...ask, relayed: false };
    const client = new ScribeClient(s, { url: hub.url, WebSocket });
    client.start();
    await until(() => hub.answers.length > 0);
    const answer = hub.answers.pop();
    assert.deepEqual(ids(answer), ['x', 'y'], JSON.stringify(ask));
    assert.equal(answer.log, s.logId);
    await client.close();
  }

  hub.ask = { from: '1', log: s.logId, relayed: false };
  const client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await until(() => hub.answers.length > 0);
  assert.deepEqual(ids(hub.answers.pop()), ['y'], 'a position in this log: the page after it');
  await client.close();
  await hub.close();
});

test('a catch-up from the start asks for the client\'s own scribes on every page, also resumed after a restart', async () => {
  const hub = await LogHub.start();
  hub.log = [1, 2, 3, 4, 5, 6].map((n) => ({ ...create(`m${n}`, n), origin: 'js' }));
  hub.cutAfter = 2;
  const store = new MemoryStore();
  let s = await open(store);
  // Cut after its second page; it does not come back before it is closed.
  let client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 2, backoff: { initialMs: 60_000, maxMs: 60_000 } });
  client.start();
  await until(() => hub.syncs.length >= 2 && s.getMeta('cursor:hub') === '4');
  await client.close();
  assert.deepEqual(hub.syncs.map((m) => [m.from, m.own]), [[null, true], ['2', true]]);
  assert.equal(s.getMeta('own:hub'), '1', 'the catch-up did not reach the end');

  s = await open(store);
  client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 2 });
  client.start();
  await client.whenOnline();
  await s.flushed();
  assert.deepEqual(hub.syncs.slice(2).map((m) => [m.from, m.own]), [['4', true]]);
  assert.deepEqual(s.all('Task').map((t) => t.id).sort(), ['m1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  assert.ok(!s.getMeta('own:hub'), 'the catch-up reached the end');
  await client.close();

  // The next catch-up starts after the stored cursor and asks for nothing more.
  client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 2 });
  client.start();
  await client.whenOnline();
  assert.equal(hub.syncs.at(-1).own, undefined);
  await client.close();
  await hub.close();
});

test('a cursor is stored with what the scribe there is, so a hub restored from an earlier copy is read again', async () => {
  const hub = await LogHub.start();
  hub.log = [create('a', 1), create('b', 2), create('c', 3)];
  const store = new MemoryStore();
  let s = await open(store);
  let client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  await s.flushed();
  assert.equal(s.getMeta('at:hub'), `3:${clock(3)}:hub`);
  await client.close();

  // Restored from a copy taken after its first scribe, under the same identity: positions 2 to 4 are other scribes.
  hub.log = [create('a', 1), create('x', 12), create('y', 13), create('z', 14)].map((t, i) => ({ ...t, id: String(i + 1) }));
  s = await open(store);
  client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  await s.flushed();
  assert.equal(hub.syncs[1].from, '3');
  assert.equal(BigInt(hub.syncs[1].at.clock), clock(3));
  assert.equal(hub.syncs[1].at.origin, 'hub');
  assert.deepEqual(['x', 'y', 'z'].filter((id) => s.find('Task', id) !== undefined), ['x', 'y', 'z'],
    'every scribe of the restored log after the copy');
  assert.equal(s.getMeta('at:hub'), `4:${clock(14)}:hub`);
  await client.close();
  await hub.close();
});

test('a hub asking from a position whose scribe here is another one gets this log from its start', async () => {
  const hub = await LogHub.start();
  const s = await open(new MemoryStore());
  s.create('Task', { id: 'x', title: 'one', done: false, priority: 1, tags: [] });
  s.create('Task', { id: 'y', title: 'two', done: false, priority: 1, tags: [] });
  await s.flushed();
  const [first, second] = await s.readAfter(0, 2);
  const ids = (answer) => answer.result.map((r) => r.data.id ?? r.data[0]);
  const ask = async (at) => {
    hub.ask = { from: '1', log: s.logId, at, relayed: false };
    const client = new ScribeClient(s, { url: hub.url, WebSocket });
    client.start();
    await until(() => hub.answers.length > 0);
    await client.close();
    return hub.answers.pop();
  };

  const restored = await ask({ clock: first.clock + 1n, origin: first.origin });
  assert.deepEqual(ids(restored), ['x', 'y'], 'another scribe at 1: from the start');
  const same = await ask({ clock: first.clock, origin: first.origin });
  assert.deepEqual(ids(same), ['y'], 'the scribe it read at 1: the page after it');
  assert.equal(same.cursor, '2');
  assert.equal(BigInt(same.at.clock), second.clock);
  assert.equal(same.at.origin, s.id);
  const malformed = await ask('not an object');
  assert.equal(malformed.type, 'error');
  assert.equal(malformed.code, 400);
  assert.match(malformed.message, /at must be/);
  await hub.close();
});

test('a hub restored from a copy that grew back to exactly the client\'s cursor has what is there stored', async () => {
  const hub = await LogHub.start();
  hub.log = [create('a', 1), create('b', 2), create('c', 3)];
  const store = new MemoryStore();
  let s = await open(store);
  let client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  await s.flushed();
  await client.close();

  // Positions 2 and 3 again, to other scribes: the restored log ends at the client's cursor.
  hub.log = [create('a', 1), create('x', 12), create('y', 13)].map((t, i) => ({ ...t, id: String(i + 1) }));
  s = await open(store);
  client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  await s.flushed();
  assert.ok(s.find('Task', 'x') && s.find('Task', 'y'), 'the restored log read from its start');
  assert.equal(s.getMeta('cursor:hub'), '3');
  assert.equal(s.getMeta('at:hub'), `3:${clock(13)}:hub`, 'what is at 3 now');
  await client.close();

  s = await open(store);
  client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  assert.equal(BigInt(hub.syncs.at(-1).at.clock), clock(13), 'the next catch-up states it, and reads on from 3');
  await client.close();
  await hub.close();
});
