import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { WebSocket } from 'ws';
import { Scriber, ScribeClient, authMessage, toJson } from '../../dist/index.js';
import { greet, listen } from './hub-server.mjs';

const SECRET = 'rps_secret';
const T0 = Date.now();

/**
 * A hub gated as doc-sync's server is: every request before a good `auth` gets 401; after it, the hub asks for the
 * client's log, pushes a scribe of another client and a `conflict` message, and answers `history`.
 */
async function gatedHub() {
  const wss = await listen();
  const hub = { wss, messages: [], received: [], hellos: 0, url: `ws://127.0.0.1:${wss.address().port}/scribe` };
  wss.on('connection', (ws) => {
    let hello;
    let authed = false;
    greet(ws, (m) => {
      hub.messages.push(m.type);
      if (m.type === 'response' && m.id === 1) hub.received.push(...m.result);
      if (m.type === 'response') return;
      if (!authed && m.type !== 'auth') {
        ws.send(toJson({ type: 'error', id: m.id, code: 401, message: 'not authenticated' }));
        return;
      }
      if (m.type === 'auth') {
        const expected = createHmac('sha256', SECRET)
          .update(`${m.timestamp}.${m.email}.${m.api_key}.${hello}.${m.nonce}`).digest('hex');
        if (m.signature !== expected) {
          ws.send(toJson({ type: 'error', id: m.id, code: 401, message: 'bad signature' }));
          return;
        }
        authed = true;
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
        ws.send(toJson({ type: 'sync', id: 1, from: null, limit: 100 }));
        ws.send(toJson({ type: 'add_scribe', id: 2, scribe: { id: '1', klass: 'Task', type: 'create', origin: 'other',
          clock: BigInt(T0) << 16n, data: { id: 't-other', title: 'from another client' } } }));
        ws.send(toJson({ type: 'conflict', doc: 't-other' }));
      } else if (m.type === 'sync') {
        ws.send(toJson({ type: 'response', id: m.id, result: [], more: false }));
      } else if (m.type === 'add_scribe') {
        hub.received.push(m.scribe);
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      } else if (m.type === 'history') {
        ws.send(toJson({ type: 'response', id: m.id, result: { events: [{ version: 1, doc: m.doc }] } }));
      } else {
        ws.send(toJson({ type: 'response', id: m.id, result: true }));
      }
    }, { server: 'server', onHello: (m) => { hello = m.client; hub.hellos++; } });
  });
  hub.close = () => {
    for (const c of wss.clients) c.terminate();
    return new Promise((r) => wss.close(r));
  };
  return hub;
}

async function peer() {
  const s = await Scriber.open({ clientId: 'js', onError: () => {} });
  s.register('Task', { fields: ['title'] });
  return s;
}

function login(secret) {
  return (session) => authMessage({ email: 'ann@example.com', apiKey: 'rpa_key', secret }, session.clientId)
    .then((m) => session.request(m));
}

test('the login goes first, custom messages reach their handlers, ask() answers, and only own scribes go up', async () => {
  const hub = await gatedHub();
  const s = await peer();
  const conflicts = [];
  const client = new ScribeClient(s, {
    url: hub.url, WebSocket, serverId: 'server', relay: false, authenticate: login(SECRET),
    handlers: { conflict: (m) => conflicts.push(m.doc) },
  });
  await assert.rejects(client.ask({ type: 'history', doc: 'x' }), /offline/);
  client.start();
  await client.whenOnline();
  assert.equal(hub.messages[0], 'auth', 'nothing is asked before the login');
  assert.ok(!hub.messages.includes('error'));
  assert.deepEqual(await client.ask({ type: 'history', doc: 't1' }), { events: [{ version: 1, doc: 't1' }] });
  while (!s.find('Task', 't-other') || conflicts.length === 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(conflicts, ['t-other']);
  s.create('Task', { id: 'mine', title: 'made here' });
  while (hub.received.length === 0 || client.pending > 0) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  await client.close();
  // The other client's scribe is in the log but was not relayed back up.
  assert.deepEqual(hub.received.map((x) => x.origin), ['js']);
  assert.equal(hub.received[0].data.id, 'mine');
  await hub.close();
});

test('a refused login stops the client: no retry, a refused event with the reason', async () => {
  const hub = await gatedHub();
  const s = await peer();
  const client = new ScribeClient(s, { url: hub.url, WebSocket, authenticate: login('rps_wrong'), backoff: { initialMs: 10 } });
  const refused = new Promise((resolve) => client.on('refused', resolve));
  client.start();
  const e = await refused;
  assert.equal(e.code, 401);
  assert.match(e.message, /bad signature/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(hub.hellos, 1);
  assert.equal(client.refusal, e);
  assert.equal(client.status, 'offline');
  await client.close();
  await hub.close();
});
