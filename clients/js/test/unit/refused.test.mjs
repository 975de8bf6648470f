import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scriber, Txn } from '../../dist/index.js';

let t = 1_700_000_000_000;
const now = () => t++;

async function peer(id) {
  const s = await Scriber.open({ clientId: id, now, onError: () => {} });
  s.register('Task', { fields: ['title', 'done'] });
  return s;
}

/** The server's state of an object as a `refused` request carries it: stamps as [clock, origin]. */
function wireState(state) {
  const stamps = {};
  for (const [f, st] of Object.entries(state.stamps)) stamps[f] = [st.clock, st.origin];
  return { klass: state.klass, id: state.id, fields: state.fields, stamps };
}

test('a refused destroy brings the object back as the server holds it', async () => {
  const server = await peer('server');
  const client = await peer('client');
  const task = server.create('Task', { id: 't1', title: 'shared', done: false });
  const tx = new Txn();
  for (const s of await server.readAfter(0, 10)) client.play(s, 'server', tx);
  await client.commit(tx);
  await server.flushed();

  client.destroy(client.find('Task', 't1'));
  assert.equal(client.find('Task', 't1'), undefined);
  const clock = client.state('Task', 't1').tombstone.clock;
  const seen = [];
  client.listen('Task', (c) => seen.push(c.type));
  await client.undoRefused({ type: 'refused', klass: 'Task', object: 't1', write: 'destroy', clock,
    code: 403, current: wireState(server.state('Task', 't1')) }, 'server');

  assert.equal(client.find('Task', 't1').title, 'shared');
  assert.equal(client.state('Task', 't1').tombstone, undefined);
  assert.deepEqual(client.state('Task', 't1').stamps, server.state('Task', 't1').stamps);
  assert.deepEqual(seen, ['create']);
  assert.equal(task.title, 'shared');
});

test('a refused update takes the server values only where the refused write still stands', async () => {
  const server = await peer('server');
  const client = await peer('client');
  server.create('Task', { id: 't1', title: 'shared', done: false });
  const tx = new Txn();
  for (const s of await server.readAfter(0, 10)) client.play(s, 'server', tx);
  await client.commit(tx);

  const mine = client.find('Task', 't1');
  mine.title = 'refused title';
  mine.done = true;
  client.save(mine);
  const clock = client.state('Task', 't1').stamps.title.clock;
  mine.done = false;
  client.save(mine);
  await client.undoRefused({ klass: 'Task', object: 't1', write: 'update', clock, code: 403,
    current: wireState(server.state('Task', 't1')) }, 'server');

  assert.equal(client.find('Task', 't1').title, 'shared');
  // done was written again after the refused write: that later write stays.
  assert.equal(client.find('Task', 't1').done, false);
  assert.notEqual(client.state('Task', 't1').stamps.done.origin, 'server');
});

test('a refused create of an object the server does not let this peer see goes', async () => {
  const client = await peer('client');
  client.create('Task', { id: 'x', title: 'not allowed' });
  const clock = client.state('Task', 'x').stamps.title.clock;
  await client.undoRefused({ klass: 'Task', object: 'x', write: 'create', clock, code: 403, current: null }, 'server');
  assert.equal(client.find('Task', 'x'), undefined);
  assert.ok(client.state('Task', 'x').tombstone);
});

test('a notice naming a write this peer did not make changes nothing', async () => {
  const client = await peer('client');
  client.create('Task', { id: 'y', title: 'mine' });
  const clock = client.state('Task', 'y').stamps.title.clock;
  await client.undoRefused({ klass: 'Task', object: 'y', write: 'create', clock: clock + 1n, code: 403,
    current: null }, 'server');
  assert.equal(client.find('Task', 'y').title, 'mine');
});
