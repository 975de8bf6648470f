// A Java hub that compacts its log (`--compact-every 200ms --retention 1s`), a Java peer and this package's Node peer:
// the Node peer, away for longer than the retention while the Java peer destroys a task it holds, is answered a
// snapshot when it comes back, forgets that task, uploads the task it created offline, and converges.
// Needs the examples jar (SCRIBE_EXAMPLES_JAR, default ../../examples/target/scribe-examples.jar) and `java`
// (SCRIBE_JAVA, default `java` on the PATH).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { WebSocket } from 'ws';
import { MemoryStore, Scriber, ScribeClient } from '../../dist/index.js';
import { JAR, JavaPeer, converged, freePort, show, until } from './harness.mjs';


const LOG = /^# log: (\d+) scribes \(ids (?:none|\d+\.\.\d+)\), last id (\d+), compacted through (\d+), (\d+) objects, (\d+) tombstones$/;

/** Sends `log` to `peer` and returns what its line says. */
async function log(peer) {
  const from = peer.out.length;
  peer.send('log');
  const at = await peer.waitFor(peer.out, (l) => l.startsWith('# log: '), from);
  const m = LOG.exec(peer.out[at]);
  assert.ok(m, `log line ${peer.out[at]}`);
  return { scribes: Number(m[1]), lastId: Number(m[2]), compacted: Number(m[3]), objects: Number(m[4]),
    tombstones: Number(m[5]), line: peer.out[at] };
}

test('a Node peer back after the retention of a compacting Java hub gets a snapshot, forgets the task destroyed meanwhile and uploads its offline create',
  // Run from Maven, the jar is named and must exist; run by hand without it, the test is skipped.
  { skip: existsSync(JAR) || process.env.SCRIBE_EXAMPLES_JAR ? false : `no examples jar at ${JAR}` }, async () => {
    assert.ok(existsSync(JAR), `no examples jar at ${JAR}: build the examples module first`);
    const port = await freePort();
    const hub = new JavaPeer(['--id', 'hub', '--listen', String(port), '--ws', '--compact-every', '200ms', '--retention', '1s']);
    await hub.waitFor(hub.err, (l) => l.startsWith('listening on'));
    const java = new JavaPeer(['--id', 'jpeer', '--connect', `127.0.0.1:${port}`, '--ws']);
    await java.waitFor(java.err, (l) => l.includes('connected to hub'));

    // The Node peer's store records every cursor it is asked to keep; its WebSocket records the snapshot pages.
    const store = new MemoryStore();
    const storedCursors = [];
    const commit = store.commit.bind(store);
    store.commit = (c) => {
      for (const [k, v] of Object.entries(c.meta ?? {})) if (k.startsWith('cursor:')) storedCursors.push(v);
      return commit(c);
    };
    const snapshotPages = [];
    class RecordingWebSocket extends WebSocket {
      constructor(...args) {
        super(...args);
        this.on('message', (data) => {
          const text = String(data);
          if (!text.includes('"snapshot"')) return;
          const message = JSON.parse(text);
          if (message.snapshot && typeof message.snapshot === 'object') snapshotPages.push(message);
        });
      }
    }
    const node = await Scriber.open({ clientId: 'nodepeer', store, onError: () => {} });
    node.register('Task', { fields: ['title', 'done', 'priority', 'tags'], defaults: () => ({ title: null, done: false, priority: 0, tags: [] }) });
    // Two objects a page: the snapshot spans several pages.
    const client = new ScribeClient(node, { url: `ws://127.0.0.1:${port}/scribe`, WebSocket: RecordingWebSocket, serverId: 'hub', pageSize: 2, backoff: { initialMs: 50, maxMs: 1000 } });
    const t2Changes = [];
    node.listen('Task', (c) => { if (c.id === 't2') t2Changes.push(c.type); });
    client.start();
    await client.whenOnline();

    for (const i of [1, 2, 3, 4]) java.send(`new t${i} title=task ${i} priority=${i}`);
    await until(() => node.find('Task', 't4'));
    assert.ok(node.find('Task', 't2'));
    // Online, the hub's log is read from the log: no snapshot so far.
    assert.deepEqual(snapshotPages, []);

    // Offline: the Node peer creates a task; the Java peer destroys t2 and edits t1, both held by the Node peer.
    await client.close();
    assert.equal(client.status, 'offline');
    node.create('Task', { id: 'n1', title: 'created offline', done: false, priority: 9, tags: ['js'] });
    await node.flushed();
    java.send('del t2');
    java.send('set t1 title edited in Java');
    await hub.waitFor(hub.out, (l) => l.startsWith('<< update from jpeer: t1'));
    const afterEdits = await log(hub);

    // Past the retention the Node peer no longer holds the hub's log back: it compacts past the destroy of t2 and
    // drops its tombstone.
    let compacted;
    for (;;) {
      compacted = await log(hub);
      if (compacted.compacted >= afterEdits.lastId && compacted.tombstones === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(compacted.objects, 3, compacted.line);
    assert.equal(node.find('Task', 't2').title, 'task 2');
    assert.equal(client.pending, 1);

    client.start();
    await client.whenOnline();
    await client.whenSent();
    // t2 is forgotten once the whole snapshot was played.
    await until(() => node.state('Task', 't2') === undefined);

    // A whole snapshot was played (start to end), its cursors never stored, and t2 forgotten, not kept.
    assert.ok(snapshotPages.length > 1, `snapshot pages: ${snapshotPages.length}`);
    assert.equal(snapshotPages[0].snapshot.start, true);
    assert.equal(snapshotPages.at(-1).snapshot.end, true);
    assert.ok(storedCursors.length > 0);
    assert.deepEqual(storedCursors.filter((c) => c.startsWith('snapshot:')), []);
    assert.equal(node.find('Task', 't2'), undefined);
    assert.deepEqual(t2Changes, ['create', 'destroy']);

    const expected = show(node);
    assert.deepEqual(expected, [
      'n1 title=created offline done=false priority=9 tags=js',
      't1 title=edited in Java done=false priority=1 tags=',
      't3 title=task 3 done=false priority=3 tags=',
      't4 title=task 4 done=false priority=4 tags=',
    ]);
    await converged(hub, expected);
    await converged(java, expected);

    await client.close();
    await java.quit();
    await hub.quit();
  });
