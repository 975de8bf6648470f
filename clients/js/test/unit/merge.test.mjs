import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scriber, Txn, ScribeError } from '../../dist/index.js';

const T0 = 1_700_000_000_000;

async function peer(id, now = () => T0) {
  const errors = [];
  const s = await Scriber.open({ clientId: id, now, onError: (e) => errors.push(e) });
  s.register('Task', { fields: ['title', 'done', 'priority', 'tags'] });
  s.errors = errors;
  return s;
}

/** Every scribe of `from`'s log, in order. */
async function logOf(from) {
  return from.readAfter(0, 10_000);
}

function deliver(to, scribes, fromId) {
  const tx = new Txn();
  for (const s of scribes) to.play(s, fromId, tx);
  return to.commit(tx);
}

function plain(o) {
  return o && JSON.parse(JSON.stringify(o));
}

test('concurrent writes to one field converge on the greater stamp, whatever the delivery order', async () => {
  const a = await peer('a');
  const b = await peer('b');
  const c = await peer('c');
  a.create('Task', { id: 't1', title: 'start', done: false, priority: 1, tags: [] });
  const [create] = await logOf(a);
  await deliver(b, [create], 'a');
  await deliver(c, [create], 'a');
  // Same wall clock on a and b: the clocks tie and the origin GUID decides ('b' > 'a').
  a.find('Task', 't1').title = 'from a';
  b.find('Task', 't1').title = 'from b';
  b.find('Task', 't1').priority = 5;
  await a.flushed();
  await b.flushed();
  const fromA = (await logOf(a)).slice(1);
  const fromB = (await logOf(b)).slice(1);
  assert.equal(fromA.length, 1);
  assert.equal(fromA[0].clock, fromB[0].clock, 'the clocks tie');
  await deliver(a, fromB, 'b');
  await deliver(b, fromA, 'a');
  await deliver(c, fromB, 'b');
  await deliver(c, fromA, 'a');
  for (const p of [a, b, c]) {
    assert.deepEqual(plain(p.find('Task', 't1')), { id: 't1', title: 'from b', done: false, priority: 5, tags: [] }, p.id);
  }
});

test('a later write wins over an earlier one delivered after it, and a duplicate changes nothing', async () => {
  let now = T0;
  const a = await peer('a', () => now);
  const b = await peer('b', () => now);
  a.create('Task', { id: 't1', title: 'x', done: false, priority: 1, tags: [] });
  await deliver(b, await logOf(a), 'a');
  a.find('Task', 't1').title = 'early';
  await a.flushed();
  now += 1000;
  b.find('Task', 't1').title = 'late';
  await b.flushed();
  const early = (await logOf(a)).slice(-1);
  const late = (await logOf(b)).slice(-1);
  await deliver(a, late, 'b');
  await deliver(b, early, 'a');
  assert.equal(a.find('Task', 't1').title, 'late');
  assert.equal(b.find('Task', 't1').title, 'late');
  const before = b.lastId;
  const tx = new Txn();
  assert.equal(b.play(late[0], 'a', tx), false, 'duplicate is a no-op');
  await b.commit(tx);
  assert.equal(b.lastId, before, 'nothing stored for a duplicate');
});

test('a destroy leaves a tombstone: later updates and creates of that identity are dropped', async () => {
  const a = await peer('a');
  const b = await peer('b');
  a.create('Task', { id: 't1', title: 'x', done: false, priority: 1, tags: [] });
  await deliver(b, await logOf(a), 'a');
  b.find('Task', 't1').done = true;
  await b.flushed();
  a.destroy(a.find('Task', 't1'));
  await a.flushed();
  const update = (await logOf(b)).slice(-1);
  await deliver(a, update, 'b');
  await deliver(b, (await logOf(a)).slice(-1), 'a');
  assert.equal(a.find('Task', 't1'), undefined);
  assert.equal(b.find('Task', 't1'), undefined);
  assert.ok(a.state('Task', 't1').tombstone);
  assert.throws(() => a.create('Task', { id: 't1' }), /destroyed/);
});

test('refusals carry protocol codes and leave the transaction unchanged', async () => {
  const a = await peer('a');
  const tx = new Txn();
  assert.throws(() => a.play({ klass: 'Nope', type: 'create', data: { id: 'x' }, origin: 'b', clock: 1n }, 'b', tx),
    (e) => e instanceof ScribeError && e.code === 403);
  assert.throws(() => a.play({ klass: 'Task', type: 'update', data: ['missing', { title: 'x' }], origin: 'b', clock: 1n }, 'b', tx),
    (e) => e.code === 404);
  assert.throws(() => a.play({ klass: 'Task', type: 'update', data: 'bad', origin: 'b', clock: 1n }, 'b', tx),
    (e) => e.code === 400);
  const farAhead = BigInt(T0 + 2 * 3_600_000) << 16n;
  assert.throws(() => a.play({ klass: 'Task', type: 'create', data: { id: 'x' }, origin: 'b', clock: farAhead }, 'b', tx),
    (e) => e.code === 400);
  assert.equal(tx.scribes.length, 0);
  assert.equal(tx.states.size, 0);
});

test('fields that are not synced are neither recorded nor taken from remote scribes', async () => {
  const a = await peer('a');
  const t = a.create('Task', { id: 't1', title: 'x', done: false, priority: 1, tags: [], local: 'mine' });
  const [create] = await logOf(a);
  assert.deepEqual(Object.keys(create.data).sort(), ['done', 'id', 'priority', 'tags', 'title']);
  t.local = 'changed';
  await a.flushed();
  assert.equal(a.lastId, 1);
  const tx = new Txn();
  a.play({ klass: 'Task', type: 'update', data: ['t1', { title: 'y', evil: 1 }], origin: 'b', clock: create.clock + 1n }, 'b', tx);
  await a.commit(tx);
  assert.equal(t.title, 'y');
  assert.equal(t.evil, undefined);
});

test('a field the registered class lacks is kept in the state and the log, never set on the object, and restored by a version that has it', async () => {
  const { MemoryStore } = await import('../../dist/index.js');
  const store = new MemoryStore();
  const older = await Scriber.open({ clientId: 'a', now: () => T0, store, onError: (e) => { throw e; } });
  older.register('Task', { fields: ['title', 'done', 'priority', 'tags'] });
  const newer = await Scriber.open({ clientId: 'b', now: () => T0 });
  newer.register('Task', { fields: ['title', 'done', 'priority', 'tags', 'note'] });
  const heard = [];
  older.listen('Task', (c) => heard.push(`${c.type} ${c.fields.join(',')}`));

  newer.create('Task', { id: 't1', title: 'versions', done: false, priority: 1, tags: [], note: 'first' });
  await newer.flushed();
  newer.find('Task', 't1').note = 'second'; // an update of that field alone
  await newer.flushed();
  await deliver(older, await logOf(newer), 'b');
  assert.deepEqual(plain(older.find('Task', 't1')), { id: 't1', title: 'versions', done: false, priority: 1, tags: [] });
  assert.equal(older.state('Task', 't1').fields.note, 'second');
  assert.deepEqual(heard, ['create id,title,done,priority,tags'], 'the update of the lacking field alone is not heard');
  assert.deepEqual((await logOf(older)).map((s) => s.type), ['create', 'update'], 'both scribes are stored (and relayed)');

  // An edit on the older version keeps it; a peer that has the field gets it from the older one's log.
  older.find('Task', 't1').priority = 2;
  await older.flushed();
  assert.equal(older.state('Task', 't1').fields.note, 'second');
  const third = await Scriber.open({ clientId: 'c', now: () => T0 });
  third.register('Task', { fields: ['title', 'done', 'priority', 'tags', 'note'] });
  await deliver(third, await logOf(older), 'a');
  assert.deepEqual(plain(third.find('Task', 't1')), { id: 't1', title: 'versions', done: false, priority: 2, tags: [], note: 'second' });

  // The older peer upgraded to the version with the field, on the same store: the object has it.
  await older.close();
  const upgraded = await Scriber.open({ clientId: 'a', now: () => T0, store });
  upgraded.register('Task', { fields: ['title', 'done', 'priority', 'tags', 'note'] });
  assert.equal(upgraded.find('Task', 't1').note, 'second');
});
