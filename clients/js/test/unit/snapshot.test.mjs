import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { IndexedDbStore, MemoryStore, ScribeClient, toJson } from '../../dist/index.js';
import { HubServer, greet, listen, openTasks as open, until } from './hub-server.mjs';

// Clocks a minute in the past: a hybrid logical clock is the wall clock in milliseconds shifted left by 16 bits.
const T0 = Date.now() - 60_000;
const clock = (n) => (BigInt(T0) << 16n) + BigInt(n);

/**
 * A scripted server that compacted its log, answering as a Java hub does (docs/PROTOCOL.md, "Compaction and
 * snapshots"): a `sync` from before `compacted` (or from nothing) gets a snapshot, `perPage` objects a page, with
 * `snapshot: {start, end, horizon, stored}` and cursors `snapshot:POSITION:N`, the last page's cursor being POSITION;
 * a `sync` from a position gets the log after it. Before compaction (`snapshot` unset) it answers from its log only.
 * On hello it asks the client's log from `stored` and keeps what the client uploads.
 */
class CompactingHub extends HubServer {
  static async start() {
    return new CompactingHub(await listen());
  }

  constructor(wss) {
    super(wss);
    this.log = [];
    this.snapshot = undefined; // { position, objects: [[scribe, ...], ...], perPage }
    this.stored = '';
    this.syncs = [];
    this.received = [];
    /** Called with the asked `from` before a snapshot page is answered; returning 'cut' drops the connection. */
    this.beforePage = () => {};
  }

  connected(ws) {
    greet(ws, (m) => {
      if (m.type === 'sync') this.answer(ws, m);
      else if (m.type === 'add_scribe') {
        this.received.push(m.scribe);
        this.stored = String(m.scribe.id);
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      } else if (m.type === 'noop') {
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      } else if (m.type === 'response' && m.id === 1) {
        this.received.push(...m.result);
        const last = m.result.length ? m.result[m.result.length - 1].id : undefined;
        if (m.cursor ?? last) this.stored = String(m.cursor ?? last);
      }
    }, { then: () => [{ type: 'sync', id: 1, from: this.stored || null, limit: 100 }] });
  }

  answer(ws, m) {
    this.syncs.push(m.from);
    const snap = this.snapshot;
    const from = m.from === null ? null : String(m.from);
    const inSnapshot = from !== null && from.startsWith('snapshot:');
    if (snap && (from === null || inSnapshot || Number(from) < snap.position)) {
      if (this.beforePage(from) === 'cut') {
        ws.terminate();
        return;
      }
      const start = !inSnapshot;
      const index = start ? 0 : Number(from.split(':')[2]);
      const objects = snap.objects.slice(index, index + snap.perPage);
      const end = index + snap.perPage >= snap.objects.length;
      const about = { start, end, horizon: clock(50) };
      if (start) about.stored = this.stored;
      ws.send(toJson({
        type: 'response', id: m.id, result: objects.flat(), more: true, snapshot: about,
        cursor: end ? String(snap.position) : `snapshot:${snap.position}:${index + snap.perPage}`,
      }));
      return;
    }
    const after = from === null ? 0 : Number(from);
    const page = this.log.filter((s) => Number(s.id) > after).slice(0, m.limit);
    const more = this.log.filter((s) => Number(s.id) > after).length > page.length;
    const response = { type: 'response', id: m.id, result: page, more };
    if (page.length) response.cursor = page[page.length - 1].id;
    ws.send(toJson(response));
  }

}

const create = (id, origin, n, fields = {}) => ({
  klass: 'Task', type: 'create', origin, clock: clock(n),
  data: { id, title: `task ${id}`, done: false, priority: 1, tags: [], ...fields },
});
const update = (id, origin, n, fields, base = {}) => ({ klass: 'Task', type: 'update', origin, clock: clock(n), data: [id, fields], base });
const destroy = (id, origin, n) => ({ klass: 'Task', type: 'destroy', origin, clock: clock(n), data: [id] });

/** Keeps every cursor value the client commits. */
function spy(store) {
  const cursors = [];
  const commit = store.commit.bind(store);
  store.commit = (c) => {
    for (const [k, v] of Object.entries(c.meta)) if (k.startsWith('cursor:')) cursors.push(v);
    return commit(c);
  };
  return cursors;
}

test('a new client gets every object of a snapshot with the stamp of each field, and tombstones as destroys', async () => {
  const hub = await CompactingHub.start();
  hub.snapshot = {
    position: 40, perPage: 1, objects: [
      [destroy('gone', 'ann', 4)],
      [create('o1', 'ann', 1), update('o1', 'bob', 5, { title: 'second' }, { title: clock(1) }),
        update('o1', 'hub', 9, { priority: 7 }, { priority: clock(1) })],
      [create('o2', 'hub', 2, { tags: ['x'] })],
    ],
  };
  hub.log = [{ id: '41', ...update('o2', 'hub', 41, { done: true }, { done: clock(2) }) }];
  const store = new MemoryStore();
  const cursors = spy(store);
  const s = await open(store);
  const changes = [];
  s.listen('Task', (c) => changes.push(`${c.type} ${c.id}`));
  const client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 10 });
  client.start();
  await client.whenOnline();
  await s.flushed();

  assert.deepEqual(hub.syncs, [null, 'snapshot:40:1', 'snapshot:40:2', '40']);
  assert.deepEqual(s.all('Task').map((t) => t.id).sort(), ['o1', 'o2']);
  assert.deepEqual({ ...s.find('Task', 'o1') }, { id: 'o1', title: 'second', done: false, priority: 7, tags: [] });
  const o1 = s.state('Task', 'o1').stamps;
  assert.deepEqual(o1.id, { clock: clock(1), origin: 'ann', base: 0n });
  assert.deepEqual(o1.done, { clock: clock(1), origin: 'ann', base: 0n });
  assert.deepEqual(o1.title, { clock: clock(5), origin: 'bob', base: clock(1) });
  assert.deepEqual(o1.priority, { clock: clock(9), origin: 'hub', base: clock(1) });
  assert.equal(s.find('Task', 'o2').done, true, 'the log after the snapshot is played');
  assert.deepEqual(s.state('Task', 'gone').tombstone, { clock: clock(4), origin: 'ann', base: 0n });
  assert.equal(s.find('Task', 'gone'), undefined);
  assert.deepEqual(changes, ['create o1', 'update o1', 'update o1', 'create o2', 'update o2']);

  assert.equal(s.getMeta('cursor:hub'), '41');
  assert.deepEqual(cursors, ['40', '41'], 'snapshot cursors are never stored');
  await client.close();
  await hub.close();
});

test('a destroy on a snapshot\'s last page of an object this client holds leaves the tombstone it carries', async () => {
  const hub = await CompactingHub.start();
  hub.log = [{ id: '1', ...create('x', 'hub', 1) }];
  const s = await open(new MemoryStore());
  let client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 10 });
  client.start();
  await client.whenOnline();
  await until(() => s.find('Task', 'x') !== undefined);
  await client.close();

  // While it is away, x is destroyed on the hub, which compacts: the snapshot's last page carries x's tombstone.
  hub.snapshot = { position: 10, perPage: 1, objects: [[create('y', 'hub', 2)], [destroy('x', 'ann', 5)]] };
  client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 10 });
  client.start();
  await client.whenOnline();
  await s.flushed();

  assert.deepEqual(hub.syncs.slice(-3), ['1', 'snapshot:10:1', '10']);
  assert.deepEqual(s.all('Task').map((t) => t.id), ['y']);
  assert.deepEqual(s.state('Task', 'x')?.tombstone, { clock: clock(5), origin: 'ann', base: 0n },
    'the tombstone, as the hub holds it');
  assert.throws(() => s.create('Task', { id: 'x', title: 'again', done: false, priority: 1, tags: [] }),
    /identities are not reused/);
  await client.close();
  await hub.close();
});

test('a client back after compaction forgets what the snapshot lacks, keeps what it created after `stored`, and uploads its offline work', async () => {
  const hub = await CompactingHub.start();
  hub.log = [
    { id: '1', ...create('a', 'hub', 1) },
    { id: '2', ...create('b', 'hub', 2) },
    { id: '3', ...create('c', 'hub', 3) },
  ];
  const factory = new IDBFactory();
  let store = new IndexedDbStore('back', factory, IDBKeyRange);
  const cursors = spy(store);
  let s = await open(store);
  let client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 10 });
  client.start();
  await client.whenOnline();
  s.create('Task', { id: 'mine', title: 'mine', done: false, priority: 1, tags: [] }); // log 4, uploaded
  await until(() => hub.stored === '4');
  await client.close();

  // Offline: a new object and an edit, after what the hub stored of this log.
  s.create('Task', { id: 'n1', title: 'offline', done: false, priority: 2, tags: [] });
  s.find('Task', 'a').title = 'edited offline';
  await s.flushed();

  // Meanwhile b and mine were destroyed on the hub and it compacted past their tombstones; d appeared.
  hub.snapshot = {
    position: 10, perPage: 1, objects: [
      [create('a', 'hub', 1), update('a', 'ann', 6, { done: true }, { done: clock(1) })],
      [create('c', 'hub', 3)],
      [create('d', 'ann', 7)],
    ],
  };
  hub.log = [{ id: '11', ...update('c', 'hub', 11, { priority: 5 }, { priority: clock(3) }) }];
  // An object created here while the snapshot arrives stays too: what this peer created is read at the end.
  hub.beforePage = (from) => {
    if (from === 'snapshot:10:2') s.create('Task', { id: 'mid', title: 'during', done: false, priority: 3, tags: [] });
  };
  const changes = [];
  s.listen('Task', (c) => changes.push(`${c.type} ${c.id} ${c.origin} ${c.local}`));
  client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 10 });
  client.start();
  await client.whenOnline();
  await until(() => hub.received.some((x) => x.type === 'create' && x.data.id === 'mid'));
  await client.whenSent();
  await s.flushed();

  assert.deepEqual(hub.syncs.slice(-4), ['3', 'snapshot:10:1', 'snapshot:10:2', '10']);
  assert.deepEqual(s.all('Task').map((t) => t.id).sort(), ['a', 'c', 'd', 'mid', 'n1']);
  assert.equal(s.state('Task', 'b'), undefined, 'forgotten: no state, no tombstone');
  assert.equal(s.state('Task', 'mine'), undefined, 'an own create the hub had stored is forgotten too');
  assert.ok(changes.includes('destroy b hub false'));
  assert.ok(changes.includes('destroy mine hub false'));
  assert.equal(changes.filter((c) => c.startsWith('destroy')).length, 2);
  assert.deepEqual({ ...s.find('Task', 'a') }, { id: 'a', title: 'edited offline', done: true, priority: 1, tags: [] },
    'the newer local edit stays, the snapshot\'s newer field is taken');
  assert.equal(s.find('Task', 'c').priority, 5);
  const uploads = hub.received.filter((x) => Number(x.id) > 4).map((x) => `${x.type} ${JSON.stringify(x.data)}`);
  assert.deepEqual(uploads.slice(0, 2), [
    'create {"id":"n1","title":"offline","done":false,"priority":2,"tags":[]}',
    'update ["a",{"title":"edited offline"}]',
  ]);
  assert.equal(s.getMeta('cursor:hub'), '11');
  assert.ok(cursors.every((c) => !c.startsWith('snapshot:')), `stored cursors: ${cursors}`);
  await client.close();

  // A forgotten object can come again, and it is gone from the store too.
  s.create('Task', { id: 'b', title: 'again', done: false, priority: 1, tags: [] });
  await s.close();
  store = new IndexedDbStore('back', factory, IDBKeyRange);
  s = await open(store);
  assert.equal(s.state('Task', 'mine'), undefined);
  assert.equal(s.find('Task', 'b').title, 'again');
  assert.deepEqual(s.all('Task').map((t) => t.id).sort(), ['a', 'b', 'c', 'd', 'mid', 'n1']);
  await s.close();
  await hub.close();
});

test('an interrupted snapshot stores no cursor, forgets nothing, and starts again from the last log cursor', async () => {
  const hub = await CompactingHub.start();
  hub.log = [{ id: '1', ...create('old', 'hub', 1) }];
  const store = new MemoryStore();
  const cursors = spy(store);
  const s = await open(store);
  const client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 10, backoff: { initialMs: 20, maxMs: 100 } });
  client.start();
  await client.whenOnline();
  await client.close();
  assert.equal(s.getMeta('cursor:hub'), '1');

  hub.snapshot = { position: 20, perPage: 1, objects: [[create('o1', 'hub', 11)], [create('o2', 'hub', 12)], [create('o3', 'hub', 13)]] };
  hub.log = [];
  let cuts = 0;
  hub.beforePage = (from) => (from === 'snapshot:20:2' && cuts++ === 0 ? 'cut' : undefined);
  const changes = [];
  s.listen('Task', (c) => changes.push(`${c.type} ${c.id}`));
  client.start();
  await until(() => cuts === 1);
  await until(() => client.status !== 'catching-up');
  await s.flushed();
  assert.deepEqual(s.all('Task').map((t) => t.id).sort(), ['o1', 'o2', 'old'], 'the pages played stay; nothing is forgotten');
  assert.equal(s.getMeta('cursor:hub'), '1', 'the cursor is still the log\'s');

  await client.whenOnline();
  await s.flushed();
  assert.deepEqual(hub.syncs.slice(1), ['1', 'snapshot:20:1', 'snapshot:20:2', '1', 'snapshot:20:1', 'snapshot:20:2', '20']);
  assert.deepEqual(s.all('Task').map((t) => t.id).sort(), ['o1', 'o2', 'o3']);
  assert.equal(s.state('Task', 'old'), undefined);
  assert.deepEqual(changes, ['create o1', 'create o2', 'create o3', 'destroy old']);
  assert.equal(s.getMeta('cursor:hub'), '20');
  assert.deepEqual(cursors, ['1', '20']);
  await client.close();
  await hub.close();
});

test('a snapshot from its second page on (no start seen in this catch-up) forgets nothing', async () => {
  const hub = await CompactingHub.start();
  hub.log = [{ id: '1', ...create('old', 'hub', 1) }];
  const s = await open(new MemoryStore());
  const client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 10 });
  client.start();
  await client.whenOnline();
  await client.close();
  // A server answering the log cursor with a snapshot page that is not a start (not what a Scribe hub does).
  hub.snapshot = { position: 20, perPage: 5, objects: [[create('o1', 'hub', 11)]] };
  const answer = hub.answer.bind(hub);
  hub.answer = (ws, m) => answer({ send: (text) => ws.send(text.replace('"start":true', '"start":false')) }, m);
  client.start();
  await client.whenOnline();
  await s.flushed();
  assert.deepEqual(s.all('Task').map((t) => t.id).sort(), ['o1', 'old']);
  await client.close();
  await hub.close();
});

test('a noop with the server\'s log position moves the cursor once caught up, so the next catch-up starts there', async () => {
  const hub = await CompactingHub.start();
  hub.log = [{ id: '1', ...create('a', 'hub', 1) }];
  const store = new MemoryStore();
  const s = await open(store);
  const client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 10 });
  client.start();
  await client.whenOnline();
  await s.flushed();
  assert.equal(s.getMeta('cursor:hub'), '1');
  // The client's own write was the server's last scribe: the server confirms its position with a noop.
  hub.sockets[0].send(toJson({ type: 'noop', id: 77, cursor: '3' }));
  await until(() => s.getMeta('cursor:hub') === '3');
  // A lower position never moves it back.
  hub.sockets[0].send(toJson({ type: 'noop', id: 78, cursor: '2' }));
  hub.sockets[0].send(toJson({ type: 'noop', id: 79 }));
  await new Promise((r) => setTimeout(r, 50));
  await s.flushed();
  assert.equal(s.getMeta('cursor:hub'), '3');
  hub.log.push({ id: '4', ...create('b', 'hub', 4) });
  hub.cut();
  await until(() => hub.syncs.includes('3'));
  await until(() => s.find('Task', 'b') !== undefined);
  await client.close();
  await hub.close();
});
