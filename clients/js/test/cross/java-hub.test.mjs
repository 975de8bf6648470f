// A Java hub, a Java peer and this package's Node peer, as three processes on one WebSocket hub: both sides edit Task
// objects and converge, also after the Node peer went offline, edited and came back.
// Needs the examples jar (SCRIBE_EXAMPLES_JAR, default ../../examples/target/scribe-examples.jar) and `java`
// (SCRIBE_JAVA, default `java` on the PATH).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { WebSocket } from 'ws';
import { Scriber, ScribeClient } from '../../dist/index.js';
import { JAR, JavaPeer, converged, freePort, show, until } from './harness.mjs';

test('a Node peer and a Java peer converge through a Java hub, online and after the Node peer was offline',
  // Run from Maven, the jar is named and must exist; run by hand without it, the test is skipped.
  { skip: existsSync(JAR) || process.env.SCRIBE_EXAMPLES_JAR ? false : `no examples jar at ${JAR}` }, async () => {
    assert.ok(existsSync(JAR), `no examples jar at ${JAR}: build the examples module first`);
    const port = await freePort();
    const hub = new JavaPeer(['--id', 'hub', '--listen', String(port), '--ws']);
    await hub.waitFor(hub.err, (l) => l.startsWith('listening on'));
    const java = new JavaPeer(['--id', 'jpeer', '--connect', `127.0.0.1:${port}`, '--ws']);
    await java.waitFor(java.err, (l) => l.includes('connected to hub'));

    const node = await Scriber.open({ clientId: 'nodepeer', onError: () => {} });
    node.register('Task', { fields: ['title', 'done', 'priority', 'tags'], defaults: () => ({ title: null, done: false, priority: 0, tags: [] }) });
    const client = new ScribeClient(node, { url: `ws://127.0.0.1:${port}/scribe`, WebSocket, serverId: 'hub', backoff: { initialMs: 50, maxMs: 1000 } });
    const remote = [];
    node.listen('Task', (c) => { if (!c.local) remote.push(c); });
    client.start();
    await client.whenOnline();

    // Java creates, Node sees it and edits it; Node creates, Java sees it and edits it.
    java.send('new t1 title=written in Java priority=2');
    await until(() => node.find('Task', 't1'));
    assert.equal(remote[0].origin, 'jpeer');
    const t1 = node.find('Task', 't1');
    t1.done = true;
    t1.tags.push('from-node');
    node.create('Task', { id: 'n1', title: 'written in Node', done: false, priority: 1, tags: ['js'] });
    await java.waitFor(java.out, (l) => l.startsWith('<< create from nodepeer: n1'));
    java.send('set n1 priority 7');
    await until(() => node.find('Task', 'n1').priority === 7);
    let expected = show(node);
    assert.deepEqual(expected, [
      'n1 title=written in Node done=false priority=7 tags=js',
      't1 title=written in Java done=true priority=2 tags=from-node',
    ]);
    await converged(java, expected);
    await converged(hub, expected);

    // Offline: the Node peer edits and creates while Java edits too, twice the same fields as the Node peer: each
    // field ends with the later write, whichever side made it.
    await client.close();
    assert.equal(client.status, 'offline');
    t1.title = 'older title from Node';
    node.find('Task', 'n1').tags.push('offline');
    node.create('Task', { id: 'n2', title: 'created offline', done: false, priority: 3, tags: [] });
    await node.flushed();
    java.send('set n1 priority 8');
    java.send('set n1 done true');
    java.send('set t1 title newer title from Java');
    java.send('new j2 title=created while Node was away priority=4');
    await hub.waitFor(hub.out, (l) => l.startsWith('<< create from jpeer: j2'));
    node.find('Task', 'n1').priority = 11; // after Java's 8, unseen by Java
    await node.flushed();
    assert.equal(client.pending, 4);

    client.start();
    await client.whenOnline();
    await client.whenSent();
    expected = show(node);
    assert.deepEqual(expected, [
      'j2 title=created while Node was away done=false priority=4 tags=',
      'n1 title=written in Node done=true priority=11 tags=js,offline',
      'n2 title=created offline done=false priority=3 tags=',
      't1 title=newer title from Java done=true priority=2 tags=from-node',
    ]);
    await converged(java, expected);
    await converged(hub, expected);

    await client.close();
    await java.quit();
    await hub.quit();
  });
