// What the cross-language tests share: where the examples jar and `java` are, the processes they start (killed at
// the end of the test file) and a free local port.
// Needs the examples jar (SCRIBE_EXAMPLES_JAR, default ../../examples/target/scribe-examples.jar) and `java`
// (SCRIBE_JAVA, default `java` on the PATH).
import { after } from 'node:test';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const JAR = process.env.SCRIBE_EXAMPLES_JAR
  ?? fileURLToPath(new URL('../../../../examples/target/scribe-examples.jar', import.meta.url));
export const JAVA = process.env.SCRIBE_JAVA ?? 'java';
/** The JVM options of every example peer the tests start. */
export const JVM = ['-Xmx128m', '-XX:TieredStopAtLevel=1', '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn'];
/** Processes to kill when the test file ends. */
export const procs = [];

after(() => {
  for (const p of procs) p.kill('SIGKILL');
});

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** An example peer process, driven through stdin, its output lines kept. */
export class JavaPeer {
  constructor(args) {
    this.out = [];
    this.err = [];
    this.waiters = [];
    this.proc = spawn(JAVA, [...JVM, '-jar', JAR, 'peer', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    procs.push(this.proc);
    for (const [stream, lines] of [[this.proc.stdout, this.out], [this.proc.stderr, this.err]]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        for (const w of [...this.waiters]) w();
      });
    }
  }

  send(line) {
    this.proc.stdin.write(line + '\n');
  }

  /** Resolves when a line of `lines` (from index `from`) satisfies `match`; returns its index. */
  waitFor(lines, match, from = 0) {
    return new Promise((resolve) => {
      const check = () => {
        for (let i = from; i < lines.length; i++) {
          if (match(lines[i])) {
            this.waiters = this.waiters.filter((w) => w !== check);
            resolve(i);
            return;
          }
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  /** The peer's `show` output: its tasks, one line each. */
  async show() {
    const from = this.out.length;
    this.send('show');
    const end = await this.waitFor(this.out, (l) => /^# \d+ tasks$/.test(l), from);
    return this.out.slice(from, end).filter((l) => !l.startsWith('<<'));
  }

  quit() {
    this.send('quit');
    return new Promise((resolve) => this.proc.once('exit', resolve));
  }
}

/** Asks `peer` for its tasks until they are `expected` (the test's timeout bounds the wait). */
export async function converged(peer, expected) {
  for (;;) {
    const lines = await peer.show();
    if (JSON.stringify(lines) === JSON.stringify(expected)) return lines;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A Node peer's tasks in the `show` format of the Java peer. */
export function show(scriber) {
  return scriber.all('Task').sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((t) => `${t.id} title=${t.title ?? ''} done=${t.done} priority=${t.priority} tags=${(t.tags ?? []).join(',')}`);
}

/** Resolves once `check()` holds (the test's timeout bounds the wait). */
export async function until(check) {
  while (!check()) await new Promise((r) => setTimeout(r, 50));
}
