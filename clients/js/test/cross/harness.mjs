// What the cross-language tests share: where the examples jar and `java` are, the processes they start (killed at
// the end of the test file) and a free local port.
// Needs the examples jar (SCRIBE_EXAMPLES_JAR, default ../../examples/target/scribe-examples.jar) and `java`
// (SCRIBE_JAVA, default `java` on the PATH).
import { after } from 'node:test';
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
