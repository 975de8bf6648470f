import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Scriber, ScribeClient, toJson } from '../../dist/index.js';
import { HubServer, greet, listen } from './hub-server.mjs';

const T0 = Date.now();

/**
 * A scripted hub that acknowledges cumulatively: its sync says so; once the client's catch-up from it is done it pushes
 * `burst` scribes back to back without request ids (the client's sync said it acknowledges cumulatively), the one
 * numbered `foreign` of a class the client does not know; and it answers the client's pushes with one `ack` once
 * `ackAfter` of them came, after an error naming the second.
 */
class AckHub extends HubServer {
  static async start(options) {
    return new AckHub(options, await listen());
  }

  constructor(options, wss) {
    super(wss);
    this.options = options;
    this.fromClient = [];
    this.pushes = [];
  }

  connected(ws) {
    greet(ws, (m) => {
      this.fromClient.push(m);
      if (m.type === 'sync') {
        ws.send(toJson({ type: 'response', id: m.id, result: [], more: false }));
        for (let i = 1; i <= this.options.burst; i++) {
          ws.send(toJson({ type: 'add_scribe', scribe: {
            id: String(i), klass: i === this.options.foreign ? 'Nope' : 'Task', type: 'create', origin: 'hub',
            clock: (BigInt(T0) << 16n) + BigInt(i),
            data: { id: `h${i}`, title: `hub ${i}`, done: false, priority: i, tags: [] } } }));
        }
      } else if (m.type === 'response' && m.id === 1) {
        this.clientPage = m;
      } else if (m.type === 'add_scribe') {
        this.pushes.push(m);
        if (this.pushes.length === this.options.ackAfter) {
          // The second push is refused: its error comes first, then one ack passes all of them.
          ws.send(toJson({ type: 'error', scribe: this.pushes[1].scribe.id, code: 403, message: 'not yours' }));
          ws.send(toJson({ type: 'ack', up_to: this.pushes.at(-1).scribe.id }));
        }
      } else if (m.type === 'noop') {
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      }
    }, {
      onHello: (m) => this.fromClient.push(m),
      then: () => [{ type: 'sync', id: 1, from: null, limit: 100, acks: 'cumulative' }],
    });
  }
}

async function until(check) {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

async function peer(errors) {
  const s = await Scriber.open({ clientId: 'js', onError: (e) => errors.push(e) });
  s.register('Task', { fields: ['title', 'done', 'priority', 'tags'] });
  return s;
}

test('pushes without request ids are acknowledged by position, once for what arrived together, a refused one by an error naming it', async () => {
  const errors = [];
  const hub = await AckHub.start({ burst: 30, foreign: 7, ackAfter: 0 });
  const s = await peer(errors);
  const client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  await until(() => s.all('Task').length === 29 && hub.fromClient.some((m) => m.type === 'ack' && m.up_to === '30'));
  const syncs = hub.fromClient.filter((m) => m.type === 'sync');
  assert.ok(syncs.length > 0 && syncs.every((m) => m.acks === 'cumulative'), 'the client\'s sync says it acknowledges cumulatively');
  const acks = hub.fromClient.filter((m) => m.type === 'ack');
  assert.deepEqual(hub.fromClient.filter((m) => m.type === 'response' && m.id !== 1), [], 'no push is answered by itself');
  assert.ok(acks.length < 30, `${acks.length} acks for 30 pushes sent back to back`);
  assert.deepEqual(acks.map((a) => Number(a.up_to)), acks.map((a) => Number(a.up_to)).sort((a, b) => a - b));
  const refusals = hub.fromClient.filter((m) => m.type === 'error');
  assert.deepEqual(refusals.map((e) => [e.scribe, e.code]), [['7', 403]]);
  assert.ok(hub.fromClient.indexOf(refusals[0]) < hub.fromClient.findIndex((m) => m.type === 'ack' && Number(m.up_to) >= 7),
    'the error comes before the ack that passes it');
  await client.close();
  await hub.close();
});

test('to a hub that acknowledges cumulatively the client pushes without ids; one ack settles them, after an error naming a refused one', async () => {
  const errors = [];
  const hub = await AckHub.start({ burst: 0, ackAfter: 4 });
  const s = await peer(errors);
  const client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  for (let i = 1; i <= 4; i++) s.create('Task', { id: `c${i}`, title: `mine ${i}`, done: false, priority: i, tags: [] });
  await s.flushed();
  await until(() => client.pending === 0);
  assert.equal(hub.pushes.length, 4);
  assert.ok(hub.pushes.every((m) => m.id === undefined), 'pushed without request ids');
  assert.equal(errors.filter((e) => e.code === 403).length, 1, 'the refused push is reported');
  assert.equal(errors.filter((e) => e.code === 408).length, 0, 'nothing times out');
  await client.close();
  await hub.close();
});

test('each side acknowledges as the other\'s sync asked: a hub whose sync does not say so gets acks of its pushes and pushes with ids', async () => {
  const wss = await listen();
  const fromClient = [];
  wss.on('connection', (ws) => {
    greet(ws, (m) => {
      fromClient.push(m);
      if (m.type === 'sync') {
        // The client's sync asked for pushes without request ids: they are answered with acks.
        ws.send(toJson({ type: 'response', id: m.id, result: [], more: false }));
        for (let i = 1; i <= 3; i++) {
          ws.send(toJson({ type: 'add_scribe', scribe: { id: String(i), klass: 'Task', type: 'create', origin: 'hub',
            clock: (BigInt(T0) << 16n) + BigInt(i), data: { id: `h${i}`, title: `hub ${i}`, done: false, priority: i, tags: [] } } }));
        }
      } else if (m.type === 'add_scribe' || m.type === 'noop') {
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      }
    }, { then: () => [{ type: 'sync', id: 1, from: null, limit: 100 }] }); // no acks: "cumulative"
  });
  const s = await peer([]);
  const client = new ScribeClient(s, { url: `ws://127.0.0.1:${wss.address().port}/scribe`, WebSocket });
  client.start();
  await client.whenOnline();
  await until(() => fromClient.some((m) => m.type === 'ack' && m.up_to === '3'));
  s.create('Task', { id: 'c1', title: 'mine', done: false, priority: 1, tags: [] });
  await client.whenSent();
  const pushes = fromClient.filter((m) => m.type === 'add_scribe');
  assert.deepEqual(pushes.map((m) => m.scribe.data.id), ['c1']);
  assert.ok(pushes.every((m) => typeof m.id === 'number'), 'pushed as requests: the hub\'s sync did not ask for acks');
  assert.equal(s.all('Task').length, 4);
  await client.close();
  for (const c of wss.clients) c.terminate();
  wss.close();
});
