import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Scriber, ScribeClient, toJson } from '../../dist/index.js';
import { HubServer, greet, listen } from './hub-server.mjs';

const T0 = Date.now();

/**
 * A scripted hub that pushes without request ids (the client's sync said it acknowledges cumulatively). It answers the
 * client's `sync` on its connection number `n` (0 for the first) with an empty page carrying `window` (none when
 * undefined) and `ackDelay` (the value as given, written raw into the JSON; none when undefined), then sends the reads of `reads[n]`, each an array of scribe ids pushed back to back (an id in
 * `foreign` is of a class the client does not know). The next read goes `pace` ms after the previous one, or, with
 * `pace: 'ack'`, once an ack passes the previous read's last push; the first read goes `startAfter[n]` ms (0 when
 * undefined) after the answer to the sync. Every message of the client is kept with its
 * connection and arrival time; `sentAt` holds when each push was sent.
 */
class PushHub extends HubServer {
  static async start(options) {
    return new PushHub(options, await listen());
  }

  constructor(options, wss) {
    super(wss);
    this.options = options;
    this.fromClient = [];
    this.sentAt = {};
    this.connections = 0;
  }

  connected(ws) {
    const conn = this.connections++;
    const reads = this.options.reads[conn] ?? [];
    let next = 0;
    const sendRead = () => {
      const read = reads[next++];
      if (!read || ws.readyState !== 1) return;
      for (const id of read) {
        this.sentAt[id] = Date.now();
        ws.send(toJson({ type: 'add_scribe', scribe: {
          id, klass: (this.options.foreign ?? []).includes(id) ? 'Nope' : 'Task', type: 'create', origin: 'hub',
          clock: (BigInt(T0) << 16n) + BigInt(id),
          data: { id: `h${id}`, title: `hub ${id}`, done: false, priority: Number(id), tags: [] } } }));
      }
      if (this.options.pace !== 'ack') setTimeout(sendRead, this.options.pace);
    };
    greet(ws, (m) => {
      this.fromClient.push({ conn, at: Date.now(), m });
      if (m.type === 'sync') {
        const answer = { type: 'response', id: m.id, result: [], more: false };
        if (this.options.window !== undefined) answer.window = this.options.window;
        let text = toJson(answer);
        if (this.options.ackDelay !== undefined) text = text.replace(/}$/, `,"ackDelay":${this.options.ackDelay}}`);
        ws.send(text);
        setTimeout(sendRead, this.options.startAfter?.[conn] ?? 0);
      } else if (m.type === 'ack' && this.options.pace === 'ack' && m.up_to === reads[next - 1]?.at(-1)) {
        sendRead();
      } else if (m.type === 'noop') {
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      }
    });
  }

  /** The client's messages of `type`, with their connection and arrival time. */
  got(type) {
    return this.fromClient.filter((e) => e.m.type === type);
  }
}

async function until(check) {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connect(hub, options) {
  const s = await Scriber.open({ clientId: 'js', onError: () => {} });
  s.register('Task', { fields: ['title', 'done', 'priority', 'tags'] });
  const client = new ScribeClient(s, { url: hub.url, WebSocket, ...options });
  client.start();
  return { s, client };
}

test('with the server\'s window known, one ack passes the pushes of several reads that came within the delay', async () => {
  const hub = await PushHub.start({ window: 256, reads: [[['1'], ['2'], ['3']]], pace: 40 });
  const { s, client } = await connect(hub, { ackDelayMs: 400 });
  await until(() => hub.got('ack').length > 0);
  await sleep(150); // time for a later ack, if any
  const acks = hub.got('ack');
  assert.deepEqual(acks.map((e) => e.m.up_to), ['3'], 'one ack, passing the last push');
  assert.equal(s.all('Task').length, 3);
  assert.ok(acks[0].at - hub.sentAt['1'] >= 380, `the ack waited for the delay (${acks[0].at - hub.sentAt['1']} ms)`);
  await client.close();
  await hub.close();
});

test('a held ack goes at once when the pushes stored since the last ack reach half the window', async () => {
  // Window 8: each read of 4 reaches half of it, and is acknowledged at once, long before the delay.
  let hub = await PushHub.start({ window: 8, reads: [[['1', '2', '3', '4'], ['5', '6', '7', '8']]], pace: 'ack' });
  let started = Date.now();
  let { client } = await connect(hub, { ackDelayMs: 60_000 });
  await until(() => hub.got('ack').some((e) => e.m.up_to === '8'));
  assert.deepEqual(hub.got('ack').map((e) => e.m.up_to), ['4', '8']);
  assert.ok(Date.now() - started < 10_000, 'without waiting for the delay');
  await client.close();
  await hub.close();

  // Window 16: the first read of 4 is held, the second brings 8 pushes since the last ack, and one ack passes them.
  hub = await PushHub.start({ window: 16, reads: [[['1', '2', '3', '4'], ['5', '6', '7', '8']]], pace: 100 });
  started = Date.now();
  ({ client } = await connect(hub, { ackDelayMs: 60_000 }));
  await until(() => hub.got('ack').length > 0);
  await sleep(100);
  const acks = hub.got('ack');
  assert.deepEqual(acks.map((e) => e.m.up_to), ['8'], 'the first read was held, the second acknowledged both');
  assert.ok(acks[0].at - hub.sentAt['8'] < 5_000, 'at once, not after the delay');
  await client.close();
  await hub.close();
});

test('without the server\'s window, or with ackDelayMs 0, every read is acknowledged at once', async () => {
  for (const [window, ackDelayMs] of [[undefined, 60_000], [undefined, undefined], [256, 0]]) {
    const hub = await PushHub.start({ window, reads: [[['1'], ['2'], ['3']]], pace: 'ack' });
    const started = Date.now();
    const { s, client } = await connect(hub, { ackDelayMs });
    await until(() => hub.got('ack').some((e) => e.m.up_to === '3'));
    assert.deepEqual(hub.got('ack').map((e) => e.m.up_to), ['1', '2', '3'], `one ack per read (window ${window}, ackDelayMs ${ackDelayMs})`);
    assert.equal(s.all('Task').length, 3);
    if (ackDelayMs === 60_000) assert.ok(Date.now() - started < 10_000, 'no read waits for the delay');
    await client.close();
    await hub.close();
  }
});

test('an error naming a refused push is sent at once while the ack is held', async () => {
  const hub = await PushHub.start({ window: 256, reads: [[['1'], ['2']]], foreign: ['2'], pace: 40 });
  const { client } = await connect(hub, { ackDelayMs: 400 });
  await until(() => hub.got('ack').length > 0);
  const [error] = hub.got('error');
  assert.equal(error?.m.scribe, '2');
  assert.ok(error.at - hub.sentAt['2'] < 300, `the error was not held (${error.at - hub.sentAt['2']} ms)`);
  const acks = hub.got('ack');
  assert.deepEqual(acks.map((e) => e.m.up_to), ['1']);
  assert.ok(hub.fromClient.indexOf(error) < hub.fromClient.indexOf(acks[0]), 'the error comes before the ack');
  assert.ok(acks[0].at - hub.sentAt['1'] >= 380, 'the ack waited for the delay');
  await client.close();
  await hub.close();
});

test('an ack held when its connection closes is never sent, on that connection or the next', async () => {
  // The second connection's push comes after the first connection's held ack would have gone.
  const hub = await PushHub.start({ window: 256, reads: [[['1', '2']], [['3']]], pace: 'ack', startAfter: [0, 500] });
  const { s, client } = await connect(hub, { ackDelayMs: 300, backoff: { initialMs: 10, maxMs: 50 } });
  await until(() => s.all('Task').length === 2);
  await sleep(20);
  hub.cut(); // while the ack of 1 and 2 is held
  await until(() => hub.got('ack').length > 0);
  await sleep(100);
  const syncs = hub.got('sync');
  assert.ok(syncs.length >= 2, 'the client came back');
  assert.equal(syncs.at(-1).m.from, '2', 'its next catch-up starts after the pushes it stored');
  assert.deepEqual(hub.got('ack').map((e) => [e.conn, e.m.up_to]), [[1, '3']],
    'only the push of the second connection is acknowledged, on it');
  assert.equal(s.all('Task').length, 3);
  await client.close();
  await hub.close();
});

test('a server that states ackDelay is acked within it: one ack for a burst of reads the client\'s own delay would ack one by one', async () => {
  const reads = [[['1'], ['2'], ['3'], ['4'], ['5']]];
  const own = await PushHub.start({ window: 256, reads, pace: 60 });
  const told = await PushHub.start({ window: 256, ackDelay: '1000', reads, pace: 60 });
  const a = await connect(own, {});
  const b = await connect(told, {});
  await until(() => own.got('ack').some((e) => e.m.up_to === '5') && told.got('ack').some((e) => e.m.up_to === '5'));
  const ownAcks = own.got('ack').length;
  const toldAcks = told.got('ack');
  assert.ok(ownAcks >= 3, `the client's own 20 ms acks reads 60 ms apart mostly one by one (${ownAcks} acks)`);
  assert.deepEqual(toldAcks.map((e) => e.m.up_to), ['5'], 'one ack passes the burst');
  assert.ok(toldAcks[0].at - told.sentAt['1'] >= 950, 'held for the stated delay');
  assert.ok(toldAcks[0].at - told.sentAt['1'] < 5000, 'and not much longer');
  for (const { client } of [a, b]) await client.close();
  await own.close();
  await told.close();
});

test('with a stated delay, half the window is still acked at once and a refused push still gets its error at once', async () => {
  const hub = await PushHub.start({ window: 8, ackDelay: '60000', reads: [[['1', '2', '3', '4'], ['5', '6', '7', '8']]],
    pace: 'ack' });
  const { s, client } = await connect(hub, { ackDelayMs: 0 });
  await until(() => s.all('Task').length === 8 && hub.got('ack').length === 2);
  assert.deepEqual(hub.got('ack').map((e) => e.m.up_to), ['4', '8']);
  assert.ok(hub.got('ack')[1].at - hub.sentAt['5'] < 5000, 'not held for the stated delay');
  await client.close();
  await hub.close();

  const foreign = await PushHub.start({ window: 256, ackDelay: '5000', reads: [[['1', '2']]], foreign: ['2'], pace: 40 });
  const second = await connect(foreign, {});
  await until(() => foreign.got('error').length === 1);
  assert.equal(foreign.got('error')[0].m.scribe, '2');
  assert.ok(foreign.got('error')[0].at - foreign.sentAt['2'] < 2000, 'the error is not held');
  assert.deepEqual(foreign.got('ack'), [], 'the ack of 1 is held');
  await second.client.close();
  await foreign.close();
});

test('a stated ackDelay that cannot be used is ignored; a huge one is held to 10 s', async () => {
  // The client's own delay is 0: reads paced by the acks go on at once only if the stated value was ignored.
  for (const bad of ['-5', '-0.5', '"300"', 'null', 'true', '[300]', '{"ms":300}', '-99999999999999999999']) {
    const hub = await PushHub.start({ window: 256, ackDelay: bad, reads: [[['1'], ['2']]], pace: 'ack' });
    const { client } = await connect(hub, { ackDelayMs: 0 });
    await until(() => hub.got('ack').length === 2);
    assert.ok(hub.got('ack')[1].at - hub.sentAt['1'] < 5000, `ackDelay ${bad} ignored`);
    await client.close();
    await hub.close();
  }
  // Usable ones hold the ack: it is still held when the client closes (which drops it).
  for (const held of ['5000', '99999999999999999999', '1e400']) {
    const hub = await PushHub.start({ window: 256, ackDelay: held, reads: [[['1', '2']]], pace: 40 });
    const { s, client } = await connect(hub, { ackDelayMs: 0 });
    await until(() => s.all('Task').length === 2);
    await client.close();
    assert.deepEqual(hub.got('ack'), [], `ackDelay ${held} held the ack`);
    await hub.close();
  }
});
