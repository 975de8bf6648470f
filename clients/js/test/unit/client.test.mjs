import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { IndexedDbStore, MemoryStore, Scriber, ScribeClient, backoffDelay, parseJson, toJson } from '../../dist/index.js';
import { HubServer, greet, listen } from './hub-server.mjs';

const T0 = Date.now();

/**
 * A scripted server peer speaking the wire protocol as a Java hub does: hello, paged answers to `sync` (honouring
 * `limit`, with `more` and `cursor`), `response` to `add_scribe` and `noop`, and its own `sync` request.
 */
class FakeHub extends HubServer {
  static async start(scribes) {
    return new FakeHub(scribes, await listen());
  }

  constructor(scribes, wss) {
    super(wss);
    this.log = scribes;
    this.received = [];
    this.syncs = [];
    this.hellos = [];
  }

  connected(ws) {
    greet(ws, (m) => {
      if (m.type === 'sync') {
        this.syncs.push({ from: m.from, limit: m.limit });
        const from = m.from === null ? 0 : Number(m.from);
        const page = this.log.slice(from, from + m.limit);
        const more = from + m.limit < this.log.length;
        ws.send(toJson({ type: 'response', id: m.id, result: page, more, cursor: page.length ? page[page.length - 1].id : undefined }));
      } else if (m.type === 'add_scribe') {
        this.received.push(m.scribe);
        this.cursor = m.scribe.id;
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      } else if (m.type === 'noop') {
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      } else if (m.type === 'response' && m.id === 1) {
        this.clientPage = m;
        this.received.push(...m.result);
        const last = m.result.length ? m.result[m.result.length - 1].id : undefined;
        if (m.cursor ?? last) this.cursor = m.cursor ?? last;
      }
    }, {
      onHello: (m) => this.hellos.push(m),
      then: () => [{ type: 'sync', id: 1, from: this.cursor ?? null, limit: 100, ...this.syncExtra }],
    });
  }
}

function creates(n, origin = 'hub') {
  const out = [];
  for (let i = 1; i <= n; i++) {
    out.push({ id: String(i), klass: 'Task', type: 'create', origin, clock: (BigInt(T0) << 16n) + BigInt(i),
      data: { id: `t${i}`, title: `task ${i}`, done: false, priority: i, tags: [] } });
  }
  return out;
}

async function until(check) {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

/** `promise`, or a failure naming `what` when it has not settled within `ms`. */
function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms); });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function peer() {
  const s = await Scriber.open({ clientId: 'js', onError: () => {} });
  s.register('Task', { fields: ['title', 'done', 'priority', 'tags'] });
  return s;
}

test('catch-up reads the backlog in pages of the asked size, moving the stored cursor page by page', async () => {
  const hub = await FakeHub.start(creates(25));
  const s = await peer();
  const client = new ScribeClient(s, { url: hub.url, WebSocket, pageSize: 10 });
  const statuses = [];
  client.on('status', (st) => statuses.push(st));
  client.start();
  await client.whenOnline();
  assert.deepEqual(hub.hellos, [{ type: 'hello', client: 'js' }]);
  assert.deepEqual(hub.syncs, [{ from: null, limit: 10 }, { from: '10', limit: 10 }, { from: '20', limit: 10 }]);
  assert.equal(s.all('Task').length, 25);
  assert.equal(s.find('Task', 't25').priority, 25);
  await s.flushed();
  assert.equal(s.getMeta('cursor:hub'), '25');
  assert.deepEqual(statuses, ['connecting', 'catching-up', 'online']);
  assert.deepEqual(hub.clientPage.result, [], 'the hub\'s own scribes are not sent back to it');
  await client.close();
  await hub.close();
});

test('after a cut the client reconnects, catches up from its cursor and uploads what changed offline', async () => {
  const hub = await FakeHub.start(creates(3));
  const s = await peer();
  const client = new ScribeClient(s, { url: hub.url, WebSocket, backoff: { initialMs: 20, maxMs: 200 } });
  const pending = [];
  client.on('pending', (n) => pending.push(n));
  client.start();
  await client.whenOnline();
  s.find('Task', 't1').done = true;
  await until(() => hub.received.length === 1);
  await client.whenSent();
  assert.deepEqual(JSON.parse(toJson(hub.received[0].data)), ['t1', { done: true }]);
  assert.equal(hub.received[0].origin, 'js');

  hub.cut();
  await until(() => client.status !== 'online');
  s.find('Task', 't2').title = 'edited offline';
  s.create('Task', { id: 'n1', title: 'new offline', done: false, priority: 3, tags: ['x'] });
  await s.flushed();
  assert.equal(client.pending, 2);
  hub.log.push(...creates(5).slice(3)); // the hub learnt t4 and t5 meanwhile
  await client.whenOnline();
  await client.whenSent();
  assert.deepEqual(hub.syncs.map((x) => x.from), [null, '3']);
  assert.equal(s.find('Task', 't5').title, 'task 5');
  const uploaded = hub.received.slice(1).map((x) => x.type);
  assert.deepEqual(uploaded, ['update', 'create']);
  assert.equal(hub.received.length, 3, 'the scribe pushed before the cut is not sent again (the hub\'s sync said it had it)');
  assert.deepEqual(hub.received.slice(1).map((x) => x.id), ['5', '6'], 'sent in the answer to the hub\'s sync, from its cursor');
  assert.equal(pending.at(-1), 0);
  await client.close();
  await hub.close();
});

test('a hub that asks with relayed: false gets only the client\'s own scribes in its page, not those it was relayed', async () => {
  const hub = await FakeHub.start(creates(3, 'bob'));
  const s = await peer();
  s.create('Task', { id: 'mine', title: 'mine', done: false, priority: 1, tags: [] });
  await s.flushed();
  const client = new ScribeClient(s, { url: hub.url, WebSocket, backoff: { initialMs: 20, maxMs: 200 } });
  client.start();
  await client.whenOnline();
  await until(() => s.all('Task').length === 4 && hub.received.length === 1);
  await s.flushed();

  // The hub lost its cursor in the client's log and asks from the start: as a hub that trusts the client...
  const page = async (extra) => {
    hub.cursor = undefined;
    hub.clientPage = undefined;
    hub.syncExtra = extra;
    hub.cut();
    await until(() => hub.clientPage !== undefined);
    return hub.clientPage.result.map((x) => x.origin);
  };
  assert.deepEqual((await page({})).sort(), ['bob', 'bob', 'bob', 'js']);
  // ...and as one that does not (a Java hub says so when it would refuse other origins with 403).
  assert.deepEqual(await page({ relayed: false }), ['js']);
  await client.close();
  await hub.close();
});

test('a hub that asks with relayed: false is pushed only the client\'s own scribes, not those it relayed to it', async () => {
  const hub = await FakeHub.start([]);
  hub.syncExtra = { relayed: false };
  const s = await peer();
  const client = new ScribeClient(s, { url: hub.url, WebSocket, backoff: { initialMs: 20, maxMs: 200 } });
  client.start();
  await client.whenOnline();
  // Another client's create, relayed by the hub once this client is online: the client plays and logs it.
  hub.sockets[0].send(toJson({ type: 'add_scribe', id: 9, scribe: creates(1, 'bob')[0] }));
  await until(() => s.find('Task', 't1') !== undefined);
  s.create('Task', { id: 'mine', title: 'mine', done: false, priority: 1, tags: [] });
  await s.flushed();
  await client.whenSent();
  assert.deepEqual(hub.received.map((x) => [x.origin, x.data.id]), [['js', 'mine']],
    'bob\'s scribe is not pushed back (a Java hub would refuse it with 403 and the client report each one)');
  await client.close();
  await hub.close();
});

test('a server that refuses the hello is retried with backoff; an unknown message gets error 400 and the session goes on', async () => {
  const wss = await listen();
  let connections = 0;
  const errors = [];
  wss.on('connection', (ws) => {
    connections++;
    ws.once('message', () => {
      if (connections < 3) {
        ws.send(toJson({ type: 'error', code: 403, message: 'not now' }));
        ws.close();
        return;
      }
      ws.send(toJson({ type: 'hello', client: 'hub' }));
      ws.send('{"type":"dance","id":7}');
      ws.send('not json');
      ws.on('message', (d) => {
        const m = parseJson(d.toString());
        if (m.type === 'error') errors.push(m);
        if (m.type === 'sync') ws.send(toJson({ type: 'response', id: m.id, result: [], more: false }));
      });
    });
  });
  const s = await peer();
  const client = new ScribeClient(s, { url: `ws://127.0.0.1:${wss.address().port}/`, WebSocket, backoff: { initialMs: 10, maxMs: 50 } });
  const refusals = [];
  client.on('error', (e) => refusals.push(e.code));
  client.start();
  await client.whenOnline();
  await until(() => errors.length === 2);
  assert.equal(connections, 3);
  assert.deepEqual(refusals.filter((c) => c === 403).length, 2);
  assert.deepEqual(errors, [
    { type: 'error', id: 7, code: 400, message: 'unknown message type: dance' },
    { type: 'error', code: 400, message: 'malformed JSON' },
  ]);
  await client.close();
  for (const c of wss.clients) c.terminate();
  wss.close();
});

test('a silent server is dropped after the idle timeout, with a noop heartbeat sent before', async () => {
  const wss = await listen();
  const got = [];
  let connections = 0;
  wss.on('connection', (ws) => {
    connections++;
    // sync and noop stay unanswered: the server looks dead
    greet(ws, (m) => got.push(m.type), { onHello: (m) => got.push(m.type) });
  });
  const s = await peer();
  const client = new ScribeClient(s, { url: `ws://127.0.0.1:${wss.address().port}/`, WebSocket, heartbeatMs: 100, idleTimeoutMs: 400, backoff: { initialMs: 10 } });
  client.start();
  await until(() => connections >= 2);
  assert.ok(got.includes('noop'));
  assert.deepEqual(got.slice(0, 2), ['hello', 'sync']);
  await client.close();
  for (const c of wss.clients) c.terminate();
  wss.close();
});

test('backoff doubles up to the maximum and jitter only shortens it', () => {
  const b = { initialMs: 100, maxMs: 1000, jitter: 0.5 };
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, b, () => 0)), [100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffDelay(2, b, () => 1), 200);
  assert.equal(backoffDelay(2, b, () => 0.5), 300);
});

test('a reload loses nothing: edits made offline are still pending after reopening the IndexedDB store and upload on connect', async () => {
  const hub = await FakeHub.start(creates(2));
  const factory = new IDBFactory();
  const open = async () => {
    const s = await Scriber.open({ store: new IndexedDbStore('reload', factory, IDBKeyRange), onError: () => {} });
    s.register('Task', { fields: ['title', 'done', 'priority', 'tags'] });
    return s;
  };
  let s = await open();
  let client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  await client.close();
  s.find('Task', 't1').title = 'offline 1';
  s.create('Task', { id: 'n1', title: 'offline 2', done: false, priority: 1, tags: [] });
  await s.close(); // the page goes away

  s = await open();
  client = new ScribeClient(s, { url: hub.url, WebSocket });
  await until(() => client.pending === 2);
  assert.equal(s.find('Task', 't1').title, 'offline 1');
  hub.log.push(...creates(3).slice(2));
  client.start();
  await client.whenOnline();
  await client.whenSent();
  assert.deepEqual(hub.syncs.map((x) => x.from), [null, '2'], 'the second session starts from the stored cursor');
  assert.deepEqual(hub.received.map((x) => `${x.type} ${JSON.stringify(x.data)}`),
    ['update ["t1",{"title":"offline 1"}]', 'create {"id":"n1","title":"offline 2","done":false,"priority":1,"tags":[]}']);
  assert.equal(s.find('Task', 't3').title, 'task 3');
  await client.close();
  await s.close();
  await hub.close();
});

test('a change counts as pending from the moment it is made: whenSent right after it waits until the hub has it', async () => {
  const hub = await FakeHub.start([]);
  const s = await peer();
  const client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  s.create('Task', { id: 'now', title: 'made just now', done: false, priority: 1, tags: [] });
  assert.equal(client.pending, 1, 'counted before the local store has written it');
  await client.whenSent();
  assert.deepEqual(hub.received.map((x) => x.data.id), ['now'], 'whenSent resolved only once the hub had the change');
  assert.equal(client.pending, 0);
  await client.close();
  await hub.close();
});

test('messages of a dropped connection still waiting in the inbox are discarded, not handled on the next session', async () => {
  const wss = await listen();
  const sessions = []; // what each connection received after the hello
  let secondSession;
  const reconnected = new Promise((resolve) => { secondSession = resolve; });
  wss.on('connection', (ws) => {
    const got = [];
    sessions.push(got);
    const first = sessions.length === 1;
    greet(ws, (m) => {
      got.push(m);
      if (m.type !== 'sync') return;
      ws.send(toJson({ type: 'response', id: m.id, result: [], more: false }));
      if (!first) {
        secondSession();
        return;
      }
      // A message the client's handler takes a while over, then a push, the hub's own sync and a close: the last
      // three wait in the client's inbox behind the first until the client is on its next connection.
      ws.send(toJson({ type: 'slow', id: 5 }));
      ws.send(toJson({ type: 'add_scribe', scribe: { id: '1', klass: 'Task', type: 'create', origin: 'hub',
        clock: BigInt(T0) << 16n, data: { id: 'late', title: 'from the dropped connection', done: false, priority: 1, tags: [] } } }));
      ws.send(toJson({ type: 'sync', id: 6, from: null, limit: 100, acks: 'cumulative' }));
      ws.close();
    });
  });
  const s = await peer();
  let slow = 0;
  const client = new ScribeClient(s, {
    url: `ws://127.0.0.1:${wss.address().port}/`, WebSocket, backoff: { initialMs: 10, maxMs: 50 },
    handlers: { slow: async () => { slow++; await reconnected; return 'late'; } },
  });
  client.start();
  await reconnected;
  await until(() => client.status === 'online');
  await s.flushed();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(slow, 1);
  assert.deepEqual(sessions[1].map((m) => m.type), ['sync'],
    'the next session gets neither the answers to the first one\'s messages nor an ack of its push');
  assert.equal(s.find('Task', 'late'), undefined, 'the push of the dropped connection is not played');
  assert.equal(s.getMeta('cursor:hub'), undefined);
  await client.close();
  for (const c of wss.clients) c.terminate();
  wss.close();
});

/** A store in memory whose next commit of scribes fails once `failNext` is set, as a full disk or a quota does. */
class FailingStore extends MemoryStore {
  async commit(commit) {
    if (this.failNext && commit.scribes.length > 0) {
      this.failNext = false;
      throw new Error('quota exceeded');
    }
    return super.commit(commit);
  }
}

test('a change the store fails to write stops counting as pending: an error, whenSent fails, later changes go on', async () => {
  const hub = await FakeHub.start(creates(1));
  const store = new FailingStore();
  const reported = [];
  const s = await Scriber.open({ clientId: 'js', store, onError: (e) => reported.push(e) });
  s.register('Task', { fields: ['title', 'done', 'priority', 'tags'] });
  const client = new ScribeClient(s, { url: hub.url, WebSocket });
  const pending = [];
  const errors = [];
  client.on('pending', (n) => pending.push(n));
  client.on('error', (e) => errors.push(e));
  client.start();
  await client.whenOnline();

  store.failNext = true;
  s.create('Task', { id: 'lost', title: 'never stored', done: false, priority: 1, tags: [] });
  assert.equal(client.pending, 1, 'counted as soon as it is made');
  await assert.rejects(within(client.whenSent(), 2000, 'whenSent'),
    (e) => e.code === 500 && /quota exceeded/.test(e.message), 'whenSent fails with the store\'s error');
  assert.equal(client.pending, 0, 'the change the store does not have is not pending');
  assert.deepEqual(pending.slice(-2), [1, 0]);
  assert.deepEqual(errors.map((e) => e.code), [500], 'the client emits the failure');
  assert.equal(reported.filter((e) => /quota exceeded/.test(e.message)).length, 1, 'onError hears it once');

  s.create('Task', { id: 'kept', title: 'stored and sent', done: false, priority: 2, tags: [] });
  await within(client.whenSent(), 2000, 'whenSent of a later change');
  assert.deepEqual(hub.received.map((x) => x.data.id), ['kept'], 'only the stored change is sent');
  assert.equal(client.pending, 0);
  await client.close();
  await hub.close();
});
