// The same as java-hub.test.mjs with the TypeScript peer in a real browser: a Java hub, a Java peer and
// @scribe/client running in headless Chromium (Debian's `chromium`, driven by playwright-core) on its built ES
// modules (dist/, lossless-json through an import map, served by a small static server), with the browser's own
// WebSocket, WebCrypto and IndexedDB. Both sides edit Task objects and converge, also after the browser peer went
// offline, edited, and was reloaded (its objects, log and pending changes from IndexedDB) before coming back.
// Needs the examples jar (as java-hub.test.mjs) and Chromium (CHROMIUM, default /usr/bin/chromium).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { JAR, JavaPeer, converged, freePort } from './harness.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** What the static server serves: the package's built modules and lossless-json's; nothing else. */
const SERVED = ['dist/', 'node_modules/lossless-json/lib/esm/'];

// The page: @scribe/client's modules as a browser application imports them, plus helpers the test calls.
const PAGE = `<!doctype html><meta charset="utf-8"><title>scribe browser peer</title>
<script type="importmap">{"imports": {"lossless-json": "/node_modules/lossless-json/lib/esm/index.js"}}</script>
<script type="module">
import { IndexedDbStore, Scriber, ScribeClient } from '/dist/index.js';
window.peer = {
  async open(port) {
    const scriber = await Scriber.open({ clientId: 'browserpeer', store: new IndexedDbStore('cross'), onError: () => {} });
    scriber.register('Task', { fields: ['title', 'done', 'priority', 'tags'],
      defaults: () => ({ title: null, done: false, priority: 0, tags: [] }) });
    this.remote = [];
    scriber.listen('Task', (c) => { if (!c.local) this.remote.push(c.origin); });
    this.scriber = scriber;
    this.client = new ScribeClient(scriber, { url: 'ws://127.0.0.1:' + port + '/scribe', serverId: 'hub',
      backoff: { initialMs: 50, maxMs: 1000 } });
  },
  show() {
    return this.scriber.all('Task').sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((t) => t.id + ' title=' + (t.title ?? '') + ' done=' + t.done + ' priority=' + t.priority
        + ' tags=' + (t.tags ?? []).join(','));
  },
};
document.body.dataset.ready = 'true';
</script>`;

/** Serves PAGE at / and the files under SERVED, with their types. */
function staticServer() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
    if (path === '') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    }
    if (!SERVED.some((p) => path.startsWith(p))) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(ROOT + path);
      const type = { '.js': 'text/javascript', '.map': 'application/json' }[extname(path)] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let browser;
let web;
after(async () => {
  await browser?.close();
  web?.close();
});

// Run from Maven, the jar is named and must exist, as must Chromium; run by hand without them, the test is skipped.
const skip = process.env.SCRIBE_EXAMPLES_JAR ? false
  : !existsSync(JAR) ? `no examples jar at ${JAR}` : !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : false;

test('@scribe/client in headless Chromium and a Java peer converge through a Java hub, also after going offline and a reload',
  { skip }, async () => {
    assert.ok(existsSync(JAR), `no examples jar at ${JAR}: build the examples module first`);
    assert.ok(existsSync(CHROMIUM), `no ${CHROMIUM}: install Debian's chromium (scripts/services.sh does)`);
    assert.ok(existsSync(ROOT + 'dist/index.js'), 'no dist/: npm run build first');
    const port = await freePort();
    const hub = new JavaPeer(['--id', 'hub', '--listen', String(port), '--ws']);
    web = await staticServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${web.address().port}/`);
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 20_000 });
    await hub.waitFor(hub.err, (l) => l.startsWith('listening on'));
    const java = new JavaPeer(['--id', 'jpeer', '--connect', `127.0.0.1:${port}`, '--ws']);
    await java.waitFor(java.err, (l) => l.includes('connected to hub'));

    const inPage = (fn, arg) => page.evaluate(fn, arg);
    await inPage(async (p) => {
      await window.peer.open(p);
      window.peer.client.start();
      await window.peer.client.whenOnline();
    }, port);

    // Java creates, the browser sees it and edits it; the browser creates, Java sees it and edits it.
    java.send('new t1 title=written in Java priority=2');
    await page.waitForFunction(() => window.peer.scriber.find('Task', 't1'));
    assert.equal(await inPage(() => window.peer.remote[0]), 'jpeer');
    await inPage(() => {
      const t1 = window.peer.scriber.find('Task', 't1');
      t1.done = true;
      t1.tags.push('from-browser');
      window.peer.scriber.create('Task', { id: 'b1', title: 'written in Chromium', done: false, priority: 1, tags: ['js'] });
    });
    await java.waitFor(java.out, (l) => l.startsWith('<< create from browserpeer: b1'));
    java.send('set b1 priority 7');
    await page.waitForFunction(() => window.peer.scriber.find('Task', 'b1').priority === 7);
    let expected = await inPage(() => window.peer.show());
    assert.deepEqual(expected, [
      'b1 title=written in Chromium done=false priority=7 tags=js',
      't1 title=written in Java done=true priority=2 tags=from-browser',
    ]);
    await converged(java, expected);
    await converged(hub, expected);

    // Offline: the browser edits and creates while Java edits too; then the page is reloaded, so the browser peer
    // starts again from IndexedDB with its changes still pending, and only then comes back.
    await inPage(async () => {
      const { client, scriber } = window.peer;
      await client.close();
      scriber.find('Task', 't1').title = 'older title from Chromium';
      scriber.find('Task', 'b1').tags.push('offline');
      scriber.create('Task', { id: 'b2', title: 'created offline', done: false, priority: 3, tags: [] });
      await scriber.flushed();
    });
    java.send('set b1 priority 8');
    java.send('set b1 done true');
    java.send('set t1 title newer title from Java');
    java.send('new j2 title=created while the browser was away priority=4');
    await hub.waitFor(hub.out, (l) => l.startsWith('<< create from jpeer: j2'));
    await inPage(async () => {
      window.peer.scriber.find('Task', 'b1').priority = 11; // after Java's 8, unseen by Java
      await window.peer.scriber.close();
    });
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor({ state: 'attached', timeout: 20_000 });
    await inPage((p) => window.peer.open(p), port);
    // The client counts the peer's unacknowledged changes from the log once it has read it.
    await page.waitForFunction(() => window.peer.client.pending === 4, null, { timeout: 20_000 });
    const reopened = await inPage(() => ({ status: window.peer.client.status, tasks: window.peer.show() }));
    assert.deepEqual(reopened, {
      status: 'offline',
      tasks: [
        'b1 title=written in Chromium done=false priority=11 tags=js,offline',
        'b2 title=created offline done=false priority=3 tags=',
        't1 title=older title from Chromium done=true priority=2 tags=from-browser',
      ],
    });

    await inPage(async () => {
      window.peer.client.start();
      await window.peer.client.whenOnline();
      await window.peer.client.whenSent();
    });
    expected = await inPage(() => window.peer.show());
    assert.deepEqual(expected, [
      'b1 title=written in Chromium done=true priority=11 tags=js,offline',
      'b2 title=created offline done=false priority=3 tags=',
      'j2 title=created while the browser was away done=false priority=4 tags=',
      't1 title=newer title from Java done=true priority=2 tags=from-browser',
    ]);
    await converged(java, expected);
    await converged(hub, expected);
    assert.deepEqual(errors, []);

    await inPage(() => window.peer.client.close());
    await java.quit();
    await hub.quit();
  });
