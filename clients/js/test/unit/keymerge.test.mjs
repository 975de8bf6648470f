import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scriber, Txn } from '../../dist/index.js';

const T0 = 1_700_000_000_000;

async function peer(id) {
  const s = await Scriber.open({ clientId: id, now: () => T0, onError: () => {} });
  s.register('Document', { fields: ['owner', 'title', 'content'], keyMerge: ['content'] });
  return s;
}

function deliver(to, scribes, fromId) {
  const tx = new Txn();
  for (const s of scribes) to.play(s, fromId, tx);
  return to.commit(tx);
}

const plain = (o) => JSON.parse(JSON.stringify(o));

test('a key-merged field travels as a merge patch of the keys that changed, each key stamped', async () => {
  const a = await peer('a');
  const doc = a.create('Document', { id: 'd1', owner: 'ann', title: 't', content: { done: false, priority: 1, old: 'x' } });
  const state = a.state('Document', 'd1');
  assert.ok(state.stamps['content/done'] && state.stamps['content/priority'] && state.stamps['content/old']);
  doc.content.done = true;
  delete doc.content.old;
  await a.flushed();
  const log = await a.readAfter(0, 10);
  assert.equal(log.length, 2);
  assert.deepEqual(plain(log[1].data), ['d1', { content: { done: true, old: null } }]);
  const createClock = log[0].clock;
  assert.deepEqual(log[1].base, { 'content/done': createClock, 'content/old': createClock });
});

test('concurrent edits of different keys both survive; the same key goes to the later stamp', async () => {
  const a = await peer('a');
  const b = await peer('b');
  a.create('Document', { id: 'd1', owner: 'ann', title: 't', content: { done: false, priority: 1 } });
  await a.flushed();
  await deliver(b, await a.readAfter(0, 10), 'a');
  a.find('Document', 'd1').content.done = true;
  b.find('Document', 'd1').content.priority = 5;
  b.find('Document', 'd1').content.tags = ['x'];
  await a.flushed();
  await b.flushed();
  const fromA = (await a.readAfter(1, 10)).filter((s) => s.origin === 'a');
  const fromB = (await b.readAfter(1, 10)).filter((s) => s.origin === 'b');
  await deliver(a, fromB, 'b');
  await deliver(b, fromA, 'a');
  const expected = { done: true, priority: 5, tags: ['x'] };
  assert.deepEqual(plain(a.find('Document', 'd1').content), expected);
  assert.deepEqual(plain(b.find('Document', 'd1').content), expected);
  // A removal is a key set to null.
  await deliver(a, [{ klass: 'Document', type: 'update', data: ['d1', { content: { tags: null } }], origin: 'z', clock: (BigInt(T0) << 16n) + 100n }], 'z');
  assert.deepEqual(plain(a.find('Document', 'd1').content), { done: true, priority: 5 });
});
