// Presence between Node peers through a Java hub (the examples jar, which installs io.scribe.core.Presence): they see
// each other join, change, and vanish when a connection drops without a goodbye.
// Needs the examples jar (SCRIBE_EXAMPLES_JAR, default ../../examples/target/scribe-examples.jar) and `java`
// (SCRIBE_JAVA, default `java` on the PATH).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { WebSocket } from 'ws';
import { Scriber, ScribeClient } from '../../dist/index.js';
import { JAR, JAVA, JVM, procs, freePort, until } from './harness.mjs';


/** A Java hub listening on `port` over WebSocket; resolves once it listens. */
function javaHub(port) {
  const proc = spawn(JAVA, [...JVM, '-jar', JAR, 'peer', '--id', 'hub', '--listen', String(port), '--ws'], { stdio: ['pipe', 'pipe', 'pipe'] });
  procs.push(proc);
  proc.stdout.resume();
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`hub exited with ${code}`)));
    createInterface({ input: proc.stderr }).on('line', (line) => {
      if (line.startsWith('listening on')) resolve(proc);
    });
  });
}


/**
 * A Node peer on the hub. Its WebSocket can be cut as a network failure does: the TCP connection is dropped without
 * a close frame, and every later attempt fails.
 */
async function nodePeer(id, port) {
  const scriber = await Scriber.open({ clientId: id, onError: () => {} });
  scriber.register('Task', { fields: ['title', 'done', 'priority', 'tags'], defaults: () => ({ title: null, done: false, priority: 0, tags: [] }) });
  const network = { up: true, socket: undefined };
  class CuttableWebSocket extends WebSocket {
    constructor(url) {
      if (!network.up) throw new Error('network down');
      super(url);
      network.socket = this;
    }
  }
  const client = new ScribeClient(scriber, { url: `ws://127.0.0.1:${port}/scribe`, WebSocket: CuttableWebSocket, serverId: 'hub', backoff: { initialMs: 50, maxMs: 500 } });
  const told = [];
  client.presence.onChange((p) => told.push(p));
  return {
    scriber, client, told,
    /** The state of `client` this peer sees, or undefined. */
    sees(clientId) {
      return client.presence.others().find((p) => p.client === clientId);
    },
    vanish() {
      network.up = false;
      network.socket.terminate();
    },
  };
}

test('Node peers see each other\'s presence through a Java hub: join, update, topic, late join, leave and a vanished peer',
  { skip: existsSync(JAR) || process.env.SCRIBE_EXAMPLES_JAR ? false : `no examples jar at ${JAR}` }, async () => {
    assert.ok(existsSync(JAR), `no examples jar at ${JAR}: build the examples module first`);
    const port = await freePort();
    const hub = await javaHub(port);
    const alice = await nodePeer('alice', port);
    const bob = await nodePeer('bob', port);
    alice.client.start();
    bob.client.start();
    await alice.client.whenOnline();
    await bob.client.whenOnline();

    // Join and update.
    alice.client.presence.set({ status: 'typing' });
    await until(() => bob.sees('alice')?.state.status === 'typing');
    assert.equal(bob.sees('alice').topic, null);
    assert.equal(typeof bob.sees('alice').session, 'string');
    alice.client.presence.set({ status: 'idle' });
    await until(() => bob.sees('alice')?.state.status === 'idle');

    // About an object the hub holds: relayed to those who may see it (everyone, with the default policy).
    alice.scriber.create('Task', { id: 't1', title: 'shared', done: false, priority: 1, tags: [] });
    await until(() => bob.scriber.find('Task', 't1'));
    bob.client.presence.set({ cursor: 3 }, { klass: 'Task', id: 't1' });
    await until(() => alice.sees('bob')?.state.cursor === 3);
    assert.deepEqual(alice.sees('bob').topic, { klass: 'Task', id: 't1' });

    // A peer joining later, with its state set before it connected (sent right after its hello), is sent the states
    // already set, and the others see its own.
    const carol = await nodePeer('carol', port);
    carol.client.presence.set({ status: 'reading' });
    carol.client.start();
    await until(() => carol.sees('alice')?.state.status === 'idle' && carol.sees('bob')?.state.cursor === 3);
    await until(() => alice.sees('carol')?.state.status === 'reading' && bob.sees('carol')?.state.status === 'reading');

    // Bob's connection drops without a goodbye: the hub ends its session and the others forget its state.
    bob.vanish();
    await until(() => !alice.sees('bob') && !carol.sees('bob'));
    assert.deepEqual(alice.told.filter((p) => p.client === 'bob').at(-1).state, null);
    assert.deepEqual(carol.told.filter((p) => p.client === 'bob').at(-1).state, null);
    await until(() => bob.client.presence.others().length === 0); // bob forgot the others when its connection dropped

    // Alice leaves on purpose; carol still sees nobody else but the states that stand.
    alice.client.presence.leave();
    await until(() => !carol.sees('alice'));
    assert.deepEqual(carol.client.presence.others(), []);
    assert.deepEqual(alice.client.presence.others().map((p) => p.client), ['carol']);

    await alice.client.close();
    await bob.client.close();
    await carol.client.close();
    hub.stdin.write('quit\n');
    await new Promise((resolve) => hub.once('exit', resolve));
  });
