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
        // A position in another log is answered from the start, as a Java hub answers it (without a snapshot here).
        const after = m.from === null || (m.log !== undefined && m.log !== this.logId) ? 0 : Number(m.from);
        const rest = this.log.filter((s) => Number(s.id) > after);
        const page = rest.slice(0, m.limit);
        const response = { type: 'response', id: m.id, result: page, more: rest.length > page.length, log: this.logId };
        if (page.length) response.cursor = page[page.length - 1].id;
        ws.send(toJson(response));
        if (this.syncs.length === this.cutAfter) ws.terminate();
      } else if (m.type === 'response' && m.id === 1) {
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
