// A Java hub run without a durable store (the example peer's default) is restarted: its log starts again from its
// first position while this package's Node peer holds a cursor into the log it had. The Node peer must get what the
// new hub writes, give back its own objects, and let go of what the hub no longer holds, as a peer joining now has.
// Needs the examples jar (SCRIBE_EXAMPLES_JAR, default ../../examples/target/scribe-examples.jar) and `java`
// (SCRIBE_JAVA, default `java` on the PATH).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
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
