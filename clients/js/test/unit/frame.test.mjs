import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket, WebSocketServer } from 'ws';
import { Scriber, ScribeClient, toJson } from '../../dist/index.js';
import { HubServer, greet } from './hub-server.mjs';

const FRAME = 4096;

/**
 * A scripted hub that reads frames of up to FRAME bytes, as a Java hub does: its sync states `frame`, and its WebSocket
 * server closes the connection at a larger message (1009, as netty's does). It pages through the client's log from
 * the cursor of each answer, keeps the scribes it receives (pages and pushes), acknowledges the pushes and answers
 * noops. Its sync says it acknowledges the client's pushes cumulatively.
 */
class FrameHub extends HubServer {
  static async start() {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: FRAME });
    await new Promise((resolve) => wss.once('listening', resolve));
    return new FrameHub(wss);
  }

  constructor(wss) {
    super(wss);
    this.received = [];
    this.pages = [];
    this.connections = 0;
  }

  connected(ws) {
    this.connections++;
    let asked = 1;
    greet(ws, (m) => {
      if (m.type === 'sync') {
        ws.send(toJson({ type: 'response', id: m.id, result: [], more: false }));
      } else if (m.type === 'response' && m.id === asked) {
        this.pages.push(m);
        this.received.push(...m.result);
        if (m.more) ws.send(toJson({ type: 'sync', id: ++asked, from: m.cursor, limit: 100, acks: 'cumulative', frame: FRAME }));
      } else if (m.type === 'add_scribe') {
        this.received.push(m.scribe);
        ws.send(toJson({ type: 'ack', up_to: m.scribe.id }));
      } else if (m.type === 'noop') {
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      }
    }, { then: () => [{ type: 'sync', id: 1, from: null, limit: 100, acks: 'cumulative', frame: FRAME }] });
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

/** A hub taking FRAME-byte messages, a peer and its client (not started), and the errors each reports. */
async function setUp() {
  const errors = [];
  const hub = await FrameHub.start();
  const s = await peer(errors);
  const client = new ScribeClient(s, { url: hub.url, WebSocket, backoff: { initialMs: 20, maxMs: 100 } });
  const emitted = [];
  client.on('error', (e) => emitted.push(e));
  return { errors, hub, s, client, emitted };
}

function task(id, title) {
  return { id, title, done: false, priority: 1, tags: [] };
}

test('a change larger than the frame the hub states is reported and not sent; what was written offline after it arrives, in pages that fit', async () => {
  const { errors, hub, s, client, emitted } = await setUp();
  // Offline: one change over the frame, then five that each fit but together take more than one frame.
  s.create('Task', task('big', 'x'.repeat(FRAME * 2)));
  for (let i = 1; i <= 5; i++) s.create('Task', task(`t${i}`, `é${i}`.repeat(FRAME / 8)));
  await s.flushed();
  assert.equal(client.pending, 6);
  const sent = client.whenSent().then(() => null, (e) => e);
  client.start();
  await until(() => client.pending === 0);
  assert.equal((await sent)?.code, 413, 'whenSent fails with the oversized change');
  assert.deepEqual(hub.received.map((r) => r.data.id), ['t1', 't2', 't3', 't4', 't5'], 'everything after it arrived');
  assert.ok(hub.pages.length > 1, `${hub.pages.length} pages`);
  for (const page of hub.pages) assert.ok(Buffer.byteLength(toJson(page)) <= FRAME, 'each page fits the frame');
  assert.equal(hub.connections, 1, 'the hub never closed the connection at a frame over its maximum');
  assert.deepEqual(emitted.map((e) => e.code), [413]);
  assert.match(emitted[0].message, /scribe 1 .*over the 3584 bytes/);
  assert.ok(errors.some((e) => e.code === 413), 'the Scriber\'s onError hears it');
  assert.equal(s.find('Task', 'big').title.length, FRAME * 2, 'the change stays on this peer');
  await client.close();
  await hub.close();
});

test('online, a push larger than the frame the hub states is reported and skipped; the next change arrives', async () => {
  const { errors, hub, s, client, emitted } = await setUp();
  client.start();
  await client.whenOnline();
  const fits = 'y'.repeat(FRAME - 512 - 200);
  s.create('Task', task('big', 'x'.repeat(FRAME)));
  s.create('Task', task('small', fits));
  await s.flushed();
  await until(() => hub.received.length === 1 && client.pending === 0);
  assert.deepEqual(hub.received.map((r) => r.data.id), ['small']);
  assert.deepEqual(emitted.map((e) => e.code), [413]);
  assert.equal(hub.connections, 1);
  await client.whenSent();
  await client.close();
  await hub.close();
});
