import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Scriber, ScribeClient, parseJson, toJson } from '../../dist/index.js';
import { HubServer, listen } from './hub-server.mjs';

const T0 = Date.now();

/**
 * A scripted hub that takes cumulative acks: its last page says so, it pushes `burst` scribes back to back once the
 * client's catch-up is done, and it answers the client's pushes with one `ack` once `ackAfter` of them came.
 */
class AckHub extends HubServer {
  static async start(options) {
    return new AckHub(options, await listen());
  }

  constructor(options, wss) {
    super(wss);
    this.options = options;
    this.fromClient = [];
    this.pushIds = [];
  }

  connected(ws) {
    let hello = false;
    ws.on('message', (data) => {
      const m = parseJson(data.toString());
      this.fromClient.push(m);
      if (!hello) {
        hello = true;
        ws.send(toJson({ type: 'hello', client: 'hub' }));
        ws.send(toJson({ type: 'sync', id: 1, from: null, limit: 100 }));
        return;
      }
      if (m.type === 'sync') {
        ws.send(toJson({ type: 'response', id: m.id, result: [], more: false, acks: 'cumulative' }));
        for (let i = 1; i <= this.options.burst; i++) {
          ws.send(toJson({ type: 'add_scribe', id: 100 + i, scribe: {
            id: String(i), klass: 'Task', type: 'create', origin: 'hub', clock: (BigInt(T0) << 16n) + BigInt(i),
            data: { id: `h${i}`, title: `hub ${i}`, done: false, priority: i, tags: [] } } }));
        }
      } else if (m.type === 'response' && m.id === 1) {
        this.clientPage = m;
      } else if (m.type === 'add_scribe') {
        this.pushIds.push(m.id);
        if (this.pushIds.length === this.options.ackAfter) {
          // The second push is refused: its error comes first, then one ack passes all of them.
          ws.send(toJson({ type: 'error', id: this.pushIds[1], code: 403, message: 'not yours' }));
          ws.send(toJson({ type: 'ack', up_to: this.pushIds.at(-1) }));
        }
      } else if (m.type === 'noop') {
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      }
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

test('pushes from a hub that takes cumulative acks are answered with one ack for what arrived together', async () => {
  const hub = await AckHub.start({ burst: 30, ackAfter: 0 });
  const s = await peer([]);
  const client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  await until(() => s.all('Task').length === 30
    && hub.fromClient.some((m) => m.type === 'ack' && m.up_to === 130));
  const acks = hub.fromClient.filter((m) => m.type === 'ack');
  const answers = hub.fromClient.filter((m) => m.type === 'response' && m.id > 100);
  assert.deepEqual(answers, [], 'no push is answered by itself');
  assert.ok(acks.length < 30, `${acks.length} acks for 30 pushes sent back to back`);
  assert.deepEqual(acks.map((a) => a.up_to), [...acks.map((a) => a.up_to)].sort((a, b) => a - b));
  assert.equal(hub.clientPage.acks, 'cumulative', 'the client\'s last page says it takes acks too');
  await client.close();
  await hub.close();
});

test('one ack from the hub settles every push up to it, after the error of a refused one', async () => {
  const errors = [];
  const hub = await AckHub.start({ burst: 0, ackAfter: 4 });
  const s = await peer(errors);
  const client = new ScribeClient(s, { url: hub.url, WebSocket });
  client.start();
  await client.whenOnline();
  for (let i = 1; i <= 4; i++) s.create('Task', { id: `c${i}`, title: `mine ${i}`, done: false, priority: i, tags: [] });
  await s.flushed();
  await until(() => client.pending === 0);
  assert.equal(hub.pushIds.length, 4);
  assert.equal(errors.filter((e) => e.code === 403).length, 1, 'the refused push is reported');
  assert.equal(errors.filter((e) => e.code === 408).length, 0, 'nothing times out');
  await client.close();
  await hub.close();
});
