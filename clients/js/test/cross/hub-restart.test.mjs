// A Java hub run without a durable store (the example peer's default) is restarted: its log starts again from its
// first position while this package's Node peer holds a cursor into the log it had. The Node peer must get what the
// new hub writes, give back its own objects, and let go of what the hub no longer holds, as a peer joining now has.
// Needs the examples jar (SCRIBE_EXAMPLES_JAR, default ../../examples/target/scribe-examples.jar) and `java`
// (SCRIBE_JAVA, default `java` on the PATH).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { Scriber, ScribeClient } from '../../dist/index.js';
import { JAR, JavaPeer, converged, freePort, show, until } from './harness.mjs';

test('a Node peer back at a Java hub restarted without its store converges with it',
  { skip: existsSync(JAR) || process.env.SCRIBE_EXAMPLES_JAR ? false : `no examples jar at ${JAR}` }, async () => {
    assert.ok(existsSync(JAR), `no examples jar at ${JAR}: build the examples module first`);
    const port = await freePort();
    let hub = new JavaPeer(['--id', 'hub', '--listen', String(port), '--ws']);
    await hub.waitFor(hub.err, (l) => l.startsWith('listening on'));

    const node = await Scriber.open({ clientId: 'nodepeer', onError: () => {} });
    node.register('Task', { fields: ['title', 'done', 'priority', 'tags'], defaults: () => ({ title: null, done: false, priority: 0, tags: [] }) });
    const client = new ScribeClient(node, { url: `ws://127.0.0.1:${port}/scribe`, WebSocket, serverId: 'hub', backoff: { initialMs: 50, maxMs: 500 } });
    client.start();
    await client.whenOnline();
    for (let i = 1; i <= 5; i++) hub.send(`new h${i} title=first hub priority=${i}`);
    node.create('Task', { id: 'n1', title: 'from node', done: false, priority: 1, tags: [] });
    await until(() => node.all('Task').length === 6);
    await client.whenSent();
    await converged(hub, show(node));
    const cursor = node.getMeta('cursor:hub');
    assert.ok(Number(cursor) >= 5, `a position in the first hub's log: ${cursor}`);

    // The hub stops; its in-memory store is gone. Started again on the same port, it writes two tasks (positions 1
    // and 2 of its new log, below the Node peer's cursor) before the Node peer is back.
    await hub.quit();
    node.create('Task', { id: 'n2', title: 'while the hub was down', done: false, priority: 2, tags: [] });
    hub = new JavaPeer(['--id', 'hub', '--listen', String(port), '--ws']);
    await hub.waitFor(hub.err, (l) => l.startsWith('listening on'));
    hub.send('new k1 title=second hub priority=1');
    hub.send('new k2 title=second hub priority=2');
    await until(() => node.find('Task', 'k2') !== undefined);
    await client.whenSent();

    const expected = [
      'k1 title=second hub done=false priority=1 tags=',
      'k2 title=second hub done=false priority=2 tags=',
      'n1 title=from node done=false priority=1 tags=',
      'n2 title=while the hub was down done=false priority=2 tags=',
    ];
    await until(() => JSON.stringify(show(node)) === JSON.stringify(expected));
    await converged(hub, expected);
    assert.notEqual(node.getMeta('log:hub'), undefined);

    hub.send('new k3 title=pushed priority=3');
    await until(() => node.find('Task', 'k3') !== undefined);
    await client.close();
    await hub.quit();
  });

test('a Node peer back at a Java hub whose file store was restored from an earlier copy converges with it',
  { skip: existsSync(JAR) || process.env.SCRIBE_EXAMPLES_JAR ? false : `no examples jar at ${JAR}` }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scribe-restored-'));
    const data = join(dir, 'hub-data');
    const copy = join(dir, 'hub-copy');
    const port = await freePort();
    const start = async () => {
      const peer = new JavaPeer(['--id', 'hub', '--listen', String(port), '--ws', '--store', `file:${data}`]);
      await peer.waitFor(peer.err, (l) => l.startsWith('listening on'));
      return peer;
    };
    try {
      let hub = await start();
      const node = await Scriber.open({ clientId: 'nodepeer', onError: () => {} });
      node.register('Task', { fields: ['title', 'done', 'priority', 'tags'], defaults: () => ({ title: null, done: false, priority: 0, tags: [] }) });
      const client = new ScribeClient(node, { url: `ws://127.0.0.1:${port}/scribe`, WebSocket, serverId: 'hub', backoff: { initialMs: 50, maxMs: 500 } });
      client.start();
      await client.whenOnline();
      for (let i = 1; i <= 3; i++) hub.send(`new h${i} title=before the copy priority=${i}`);
      node.create('Task', { id: 'n1', title: 'from node', done: false, priority: 1, tags: [] });
      await until(() => node.all('Task').length === 4);
      await client.whenSent();
      await converged(hub, show(node));

      // A copy of the hub's store is taken while it is stopped; it writes three more tasks the Node peer gets.
      await hub.quit();
      cpSync(data, copy, { recursive: true });
      hub = await start();
      for (let i = 4; i <= 6; i++) hub.send(`new h${i} title=after the copy priority=${i}`);
      await until(() => node.find('Task', 'h6') !== undefined);
      const cursor = Number(node.getMeta('cursor:hub'));

      // The store is restored from the copy; the hub writes past the Node peer's position before it is back.
      await client.close();
      await hub.quit();
      rmSync(data, { recursive: true, force: true });
      cpSync(copy, data, { recursive: true });
      hub = await start();
      for (let i = 1; i <= 6; i++) hub.send(`new k${i} title=after the restore priority=${i}`);
      node.create('Task', { id: 'n2', title: 'while away', done: false, priority: 2, tags: [] });
      const lines = await converged(hub, [
        'h1 title=before the copy done=false priority=1 tags=',
        'h2 title=before the copy done=false priority=2 tags=',
        'h3 title=before the copy done=false priority=3 tags=',
        ...[1, 2, 3, 4, 5, 6].map((i) => `k${i} title=after the restore done=false priority=${i} tags=`),
        'n1 title=from node done=false priority=1 tags=',
      ]);
      assert.ok(lines.length === 10);
      const restored = new ScribeClient(node, { url: `ws://127.0.0.1:${port}/scribe`, WebSocket, serverId: 'hub', backoff: { initialMs: 50, maxMs: 500 } });
      restored.start();
      await restored.whenOnline();
      await restored.whenSent();
      const expected = [
        'h1 title=before the copy done=false priority=1 tags=',
        'h2 title=before the copy done=false priority=2 tags=',
        'h3 title=before the copy done=false priority=3 tags=',
        ...[1, 2, 3, 4, 5, 6].map((i) => `k${i} title=after the restore done=false priority=${i} tags=`),
        'n1 title=from node done=false priority=1 tags=',
        'n2 title=while away done=false priority=2 tags=',
      ];
      assert.ok(Number(node.getMeta('cursor:hub')) >= 0);
      assert.ok(cursor > 3, `the Node peer's position was past the copy: ${cursor}`);
      await until(() => JSON.stringify(show(node)) === JSON.stringify(expected));
      await converged(hub, expected);
      await restored.close();
      await hub.quit();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
