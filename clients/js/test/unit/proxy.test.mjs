import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scriber, Txn } from '../../dist/index.js';

async function peer(id) {
  const s = await Scriber.open({ clientId: id, onError: (e) => { throw e; } });
  s.register('Task', { fields: ['title', 'done', 'priority', 'tags'], defaults: () => ({ done: false, priority: 0, tags: [] }) });
  return s;
}

const wire = (s) => ({ type: s.type, data: JSON.parse(JSON.stringify(s.data)) });

test('create records every field; writes record one update with only the changed fields', async () => {
  const a = await peer('a');
  const t = a.create('Task', { id: 't1', title: 'buy milk', done: false, priority: 2, tags: ['home'] });
  t.title = 'buy oat milk';
  t.done = true;
  t.priority = 2; // unchanged
  await a.flushed();
  const log = await a.readAfter(0, 100);
  assert.deepEqual(log.map(wire), [
    { type: 'create', data: { id: 't1', title: 'buy milk', done: false, priority: 2, tags: ['home'] } },
    { type: 'update', data: ['t1', { title: 'buy oat milk', done: true }] },
  ]);
  assert.deepEqual(log.map((s) => s.id), ['1', '2']);
  assert.equal(log[1].base.title, log[0].clock, 'base: the clock of the replaced value');
  assert.ok(log[1].clock > log[0].clock);
});

test('writing the value a field already has records nothing', async () => {
  const a = await peer('a');
  const t = a.create('Task', { id: 't1', title: 'x', done: false, priority: 1, tags: [] });
  t.title = 'x';
  t.tags = [];
  await a.flushed();
  assert.equal(a.lastId, 1);
});

test('changes inside nested arrays are captured as an update of the field', async () => {
  const a = await peer('a');
  const t = a.create('Task', { id: 't1', title: 'x', done: false, priority: 1, tags: [] });
  t.tags.push('work');
  t.tags.push('urgent');
  await a.flushed();
  t.tags.splice(0, 1);
  assert.deepEqual(wire(a.save(t)), { type: 'update', data: ['t1', { tags: ['urgent'] }] });
  await a.flushed();
  const log = await a.readAfter(0, 100);
  assert.deepEqual(log.slice(1).map(wire), [
    { type: 'update', data: ['t1', { tags: ['work', 'urgent'] }] },
    { type: 'update', data: ['t1', { tags: ['urgent'] }] },
  ]);
});

test('destroy records a destroy and stops tracking; a missing id gets a UUID', async () => {
  const a = await peer('a');
  const t = a.create('Task', { title: 'x', done: false, priority: 1, tags: [] });
  assert.match(t.id, /^[0-9a-f-]{36}$/);
  a.destroy(t);
  await a.flushed();
  const log = await a.readAfter(0, 100);
  assert.deepEqual(wire(log[1]), { type: 'destroy', data: [t.id] });
  assert.equal(a.find('Task', t.id), undefined);
  t.title = 'after';
  await a.flushed();
  assert.equal(a.lastId, 2, 'writes to a destroyed object record nothing');
});

test('remote scribes are played without being recorded again; listeners tell local from remote', async () => {
  const a = await peer('a');
  const b = await peer('b');
  const seen = [];
  b.listen('Task', (c) => seen.push(`${c.type} ${c.id} ${c.fields.join(',')} ${c.origin} ${c.local}`));
  a.create('Task', { id: 't1', title: 'x', done: false, priority: 1, tags: [] });
  a.find('Task', 't1').title = 'y';
  await a.flushed();
  const tx = new Txn();
  for (const s of await a.readAfter(0, 100)) b.play(s, 'a', tx);
  await b.commit(tx);
  const t = b.find('Task', 't1');
  assert.equal(t.title, 'y');
  await b.flushed();
  assert.equal(b.lastId, 2, 'b stored the two remote scribes and recorded none');
  assert.ok((await b.readAfter(0, 10)).every((s) => s.origin === 'a'));
  t.done = true;
  await b.flushed();
  assert.deepEqual(seen, [
    'create t1 id,title,done,priority,tags a false',
    'update t1 title a false',
    'update t1 done b true',
  ]);
});

test('a create from a remote peer missing some fields keeps the class defaults', async () => {
  const b = await peer('b');
  const tx = new Txn();
  b.play({ klass: 'Task', type: 'create', data: { id: 't9', title: 'sparse' }, origin: 'a', clock: 1n << 20n }, 'a', tx);
  await b.commit(tx);
  assert.deepEqual(JSON.parse(JSON.stringify(b.find('Task', 't9'))), { done: false, priority: 0, tags: [], id: 't9', title: 'sparse' });
});
