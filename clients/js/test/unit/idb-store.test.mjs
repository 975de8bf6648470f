import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { IndexedDbStore, Scriber, Txn } from '../../dist/index.js';

async function open(factory, name, now = Date.now) {
  const s = await Scriber.open({ store: new IndexedDbStore(name, factory, IDBKeyRange), now, onError: (e) => { throw e; } });
  s.register('Task', { fields: ['title', 'done', 'priority', 'tags'] });
  return s;
}

test('a reopened peer has its GUID, objects, stamps, log, cursors and a clock ahead of what it stored', async () => {
  const factory = new IDBFactory();
  const a = await open(factory, 'peer-a');
  const guid = a.id;
  const t = a.create('Task', { id: 't1', title: 'x', done: false, priority: 1, tags: ['a'] });
  t.tags.push('b');
  a.create('Task', { id: 't2', title: 'gone', done: false, priority: 1, tags: [] });
  a.destroy(a.find('Task', 't2'));
  const tx = new Txn();
  a.play({ id: '9', klass: 'Task', type: 'create', data: { id: 'r1', title: 'remote', done: true, priority: 3, tags: [] },
    origin: 'hub', clock: 111542062186496001n }, 'hub', tx);
  tx.meta['cursor:hub'] = '9';
  await a.commit(tx);
  const stateBefore = a.state('Task', 't1');
  await a.close();

  // A clock stuck in the past must still tick after every stored stamp.
  const b = await open(factory, 'peer-a', () => 0);
  assert.equal(b.id, guid);
  assert.deepEqual(JSON.parse(JSON.stringify(b.find('Task', 't1'))), { id: 't1', title: 'x', done: false, priority: 1, tags: ['a', 'b'] });
  assert.equal(b.find('Task', 't2'), undefined);
  assert.ok(b.state('Task', 't2').tombstone);
  assert.equal(b.find('Task', 'r1').title, 'remote');
  assert.deepEqual(b.state('Task', 't1').stamps, stateBefore.stamps);
  assert.equal(b.state('Task', 'r1').stamps.title.clock, 111542062186496001n);
  assert.equal(b.getMeta('cursor:hub'), '9');
  assert.equal(b.lastId, 5);
  const log = await b.readAfter(0, 100);
  assert.deepEqual(log.map((s) => `${s.id} ${s.origin}`), ['1', '2', '3', '4'].map((i) => `${i} ${guid}`).concat(['5 hub']));
  assert.deepEqual(log.map((s) => s.type), ['create', 'update', 'create', 'destroy', 'create']);
  assert.equal(log[4].clock, 111542062186496001n);
  assert.deepEqual((await b.readAfter(2, 2)).map((s) => s.id), ['3', '4']);
  b.find('Task', 't1').title = 'after reopen';
  await b.flushed();
  const [last] = await b.readAfter(5, 10);
  assert.ok(last.clock > 111542062186496001n, 'the clock restarts after every stored stamp');
  await b.close();
});
