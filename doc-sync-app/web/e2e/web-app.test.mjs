// The doc-sync web app end to end: a real server (the packaged jar), headless Chromium, and the Java CLI client.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import {
  TIMEOUT, World, createDoc, edit, entry, open, signIn, waitOnline, waitPending,
} from './harness.mjs';

let world;
let ann1;
let ann2;

before(async () => {
  world = await World.start();
});

after(async () => {
  await world?.close();
});

test('the server serves the app at / and its files with their types', async () => {
  const index = await fetch(world.base + '/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  assert.match(await index.text(), /<title>doc-sync<\/title>/);
  const js = await fetch(world.base + '/app.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  assert.equal((await fetch(world.base + '/nothing.js')).status, 404);
  assert.equal((await fetch(world.base + '/health')).status, 200);
});

test('a wrong secret shows a clear error and keeps the sign-in form', async () => {
  const { context, page } = await world.context();
  await signIn(page, world.ann, 'rps_not-the-secret');
  const error = page.locator('#sign-in-error');
  await error.waitFor({ state: 'visible', timeout: TIMEOUT });
  assert.match(await error.textContent(), /Sign-in refused: .*bad signature.*Check the email, API key and secret/);
  assert.equal(await page.locator('#sign-in').isVisible(), true);
  assert.equal(await page.locator('#app').isVisible(), false);
  await context.close();
});

test('two browsers of one user see each other\'s edits live', async () => {
  ann1 = await world.context();
  ann2 = await world.context();
  const sent = [];
  ann1.page.on('websocket', (ws) => ws.on('framesent', (f) => sent.push(String(f.payload))));
  await signIn(ann1.page, world.ann);
  await signIn(ann2.page, world.ann);
  await waitOnline(ann1.page);
  await waitOnline(ann2.page);
  // The secret is not kept anywhere readable: the form is cleared and the login holds a non-extractable key.
  const kept = await ann1.page.evaluate(() => new Promise((resolve) => {
    const r = indexedDB.open('doc-sync-login');
    r.onsuccess = () => {
      const get = r.result.transaction('login').objectStore('login').get('current');
      get.onsuccess = () => resolve({ extractable: get.result.key.extractable, fields: Object.keys(get.result).sort() });
    };
  }));
  assert.deepEqual(kept, { extractable: false, fields: ['apiKey', 'email', 'key', 'server'] });
  // Only the signature travels: the login frame names the key, never the secret.
  const auth = sent.map((t) => JSON.parse(t)).find((m) => m.type === 'auth');
  assert.equal(auth.api_key, world.ann.apiKey);
  assert.match(auth.signature, /^[0-9a-f]{64}$/);
  assert.ok(!sent.some((t) => t.includes(world.ann.secret)), 'the secret never goes on the wire');

  const id = await createDoc(ann1.page, { title: 'groceries', tags: 'shop, home', priority: 2, content: '{"items": ["milk"]}' });
  assert.ok(id);
  await open(ann2.page, 'groceries');
  const f2 = ann2.page.locator('#editor');
  assert.equal(await f2.locator('[name=tags]').inputValue(), 'shop, home');
  assert.equal(await f2.locator('[name=priority]').inputValue(), '2');
  assert.deepEqual(JSON.parse(await f2.locator('[name=content]').inputValue()), { items: ['milk'] });

  await edit(ann2.page, { priority: 5, done: true });
  const li = await entry(ann1.page, 'groceries');
  await li.locator('.prio', { hasText: 'p5' }).waitFor({ timeout: TIMEOUT });
  await ann1.page.locator('#docs li.done', { hasText: 'groceries' }).waitFor({ timeout: TIMEOUT });
  await waitPending(ann1.page, 0);
  await waitPending(ann2.page, 0);
});

test('a browser that goes offline keeps editing and converges when it comes back', async () => {
  await ann2.context.setOffline(true);
  await ann2.page.locator('#status[data-status="offline"]').waitFor({ timeout: TIMEOUT });
  await open(ann2.page, 'groceries');
  await edit(ann2.page, { title: 'groceries for the weekend' });
  await waitPending(ann2.page, 1);
  // Meanwhile the other browser edits another key of the same document: both survive.
  await open(ann1.page, 'groceries');
  await edit(ann1.page, { tags: 'shop, home, weekend' });
  await waitPending(ann1.page, 0);

  await ann2.context.setOffline(false);
  await waitOnline(ann2.page);
  await waitPending(ann2.page, 0);
  for (const { page } of [ann1, ann2]) {
    const li = await entry(page, 'groceries for the weekend');
    await li.locator('.tag', { hasText: 'weekend' }).waitFor({ timeout: TIMEOUT });
  }
});

test('a reload while offline keeps the unsent edits, which upload once back online', async () => {
  await ann2.context.setOffline(true);
  await ann2.page.locator('#status[data-status="offline"]').waitFor({ timeout: TIMEOUT });
  await open(ann2.page, 'groceries for the weekend');
  await edit(ann2.page, { content: '{"items": ["milk", "eggs"]}' });
  await createDoc(ann2.page, { title: 'made offline', priority: 1 });
  await waitPending(ann2.page, 2);
  await ann2.page.reload();
  await ann2.page.locator('body[data-ready="true"]').waitFor({ timeout: TIMEOUT });
  await entry(ann2.page, 'made offline');
  await waitPending(ann2.page, 2);
  await open(ann2.page, 'groceries for the weekend');
  assert.deepEqual(JSON.parse(await ann2.page.locator('#editor [name=content]').inputValue()), { items: ['milk', 'eggs'] });

  await ann2.context.setOffline(false);
  await waitOnline(ann2.page);
  await waitPending(ann2.page, 0);
  await entry(ann1.page, 'made offline');
  await open(ann1.page, 'groceries for the weekend');
  await ann1.page.waitForFunction(() => {
    const t = document.querySelector('#editor [name=content]');
    return t && JSON.parse(t.value).items?.length === 2;
  }, null, { timeout: TIMEOUT });
});

test('history lists every version with its author and change, and revert restores one', async () => {
  const { page } = ann1;
  const id = await createDoc(page, { title: 'plan v1', priority: 1 });
  await edit(page, { title: 'plan v2' });
  await waitPending(page, 0);
  await edit(page, { title: 'plan v3', priority: 3 });
  await waitPending(page, 0);
  // The server's version stamp arrives after the acknowledgement: wait for version 3 before asking for history.
  await page.locator('#doc-meta', { hasText: 'version 3' }).waitFor({ timeout: TIMEOUT });
  await page.click('#show-history');
  const versions = page.locator('#versions li');
  await versions.first().waitFor({ timeout: TIMEOUT });
  assert.equal(await versions.count(), 3);
  const texts = await versions.allTextContents();
  assert.match(texts[0], /^v1 create by ann@example\.com.*created: "plan v1"/s);
  assert.match(texts[1], /^v2 update by ann@example\.com.*replace \/title = "plan v2"/s);
  assert.match(texts[2], /^v3 update by ann@example\.com.*replace \/title = "plan v3".*replace \/content\/priority = 3.*\(current\)/s);
  await mkdir(new URL('../../target/e2e', import.meta.url), { recursive: true });
  await page.screenshot({ path: screenshotPath('history.png') });

  await page.locator('#versions li[data-version="2"] button.revert').click();
  await page.locator('#editor').waitFor({ timeout: TIMEOUT });
  await page.locator('#doc-meta', { hasText: 'version 4' }).waitFor({ timeout: TIMEOUT });
  assert.equal(await page.locator('#editor [name=title]').inputValue(), 'plan v2');
  assert.equal(await page.locator('#editor [name=priority]').inputValue(), '1');
  // The other browser gets the reverted version too.
  const li = await entry(ann2.page, 'plan v2');
  await li.locator('.prio', { hasText: 'p1' }).waitFor({ timeout: TIMEOUT });
  await page.click('#show-history');
  await page.locator('#versions li[data-version="4"]').waitFor({ timeout: TIMEOUT });
  assert.equal(await page.locator('#versions li').count(), 4);
  assert.match(await page.locator('#versions li[data-version="4"]').textContent(),
    /replace \/title = "plan v2".*replace \/content\/priority = 1/s);
  assert.ok(id);
  await page.click('#close-history');
});

test('an edit that lost a conflict is reported, listed, and restored', async () => {
  await ann2.context.setOffline(true);
  await ann2.page.locator('#status[data-status="offline"]').waitFor({ timeout: TIMEOUT });
  await open(ann2.page, 'plan v2');
  await edit(ann2.page, { title: 'plan by the second browser' });
  await open(ann1.page, 'plan v2');
  await edit(ann1.page, { title: 'plan by the first browser' });
  await waitPending(ann1.page, 0);
  await ann2.context.setOffline(false);
  // The server keeps the first write it got; the second browser's edit loses and comes back corrected.
  await ann2.page.locator('#banner', { hasText: 'lost a conflict' }).waitFor({ timeout: TIMEOUT });
  await (await entry(ann2.page, 'plan by the first browser')).locator('.conflict').waitFor({ timeout: TIMEOUT });
  await waitPending(ann2.page, 0);
  // The mark outlives a reload, and the loss is not reported again.
  await ann2.page.reload();
  await waitOnline(ann2.page);
  await (await entry(ann2.page, 'plan by the first browser')).locator('.conflict').waitFor({ timeout: TIMEOUT });
  await ann2.page.waitForTimeout(500);
  assert.equal(await ann2.page.locator('#banner', { hasText: 'lost a conflict' }).isVisible(), false);
  await ann2.page.click('#show-conflicts');
  const lost = ann2.page.locator('#lost li', { hasText: 'plan by the second browser' });
  await lost.waitFor({ timeout: TIMEOUT });
  await lost.locator('button.restore').click();
  for (const { page } of [ann1, ann2]) await entry(page, 'plan by the second browser');
  assert.equal(await ann2.page.locator('#docs li .conflict').count(), 0);
});

test('an edit whose conflict notice never reached the browser is marked at its next login', async () => {
  const id = await createDoc(ann1.page, { title: 'notes' });
  await entry(ann2.page, 'notes');
  // From its next connection on, the server's conflict notices never reach the second browser (its connection drops
  // them, as a page closed or cut off right after reconnecting would never read them).
  let dropped = 0;
  await ann2.page.routeWebSocket(/\/scribe/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => server.send(m));
    server.onMessage((m) => {
      if (typeof m === 'string' && /"type":"conflict"/.test(m)) dropped++;
      else ws.send(m);
    });
  });
  await ann2.context.setOffline(true);
  await ann2.page.locator('#status[data-status="offline"]').waitFor({ timeout: TIMEOUT });
  await open(ann2.page, 'notes');
  await edit(ann2.page, { title: 'notes from the second browser' });
  await open(ann1.page, 'notes');
  await edit(ann1.page, { title: 'notes from the first browser' });
  await waitPending(ann1.page, 0);
  await ann2.page.reload();
  await entry(ann2.page, 'notes from the second browser');
  await ann2.context.setOffline(false);
  await waitOnline(ann2.page);
  await waitPending(ann2.page, 0);
  await entry(ann2.page, 'notes from the first browser');
  await ann2.page.reload();
  await waitOnline(ann2.page);
  await (await entry(ann2.page, 'notes from the first browser')).locator('.conflict').waitFor({ timeout: TIMEOUT });
  assert.equal(dropped, 1, 'the notice was sent once, and dropped');
  assert.equal(await ann2.page.locator('#conflict-count').textContent(), '(1)');
  await ann2.page.unrouteAll({ behavior: 'ignoreErrors' });
  // Edited again here: the mark goes, and stays gone after a reload.
  await open(ann2.page, 'notes from the first browser');
  await edit(ann2.page, { title: 'notes, settled' });
  await waitPending(ann2.page, 0);
  await ann2.page.reload();
  await waitOnline(ann2.page);
  await entry(ann2.page, 'notes, settled');
  await ann2.page.waitForTimeout(500);
  assert.equal(await ann2.page.locator(`#docs li[data-id="${id}"] .conflict`).count(), 0);
});

test('the Java CLI client and the browser edit the same document and converge', async () => {
  const cli = await world.cli(world.ann, 'ann-cli');
  await cli.command('wait 30', /^synced$/, 40_000);
  const listed = await cli.command('list', /tasks, \d+ pending/);
  assert.ok(listed);
  const line = cli.lines.find((l) => / groceries for the weekend /.test(l));
  assert.ok(line, `the CLI lists the browser's document:\n${cli.lines.join('\n')}`);
  const prefix = line.slice(0, 8);
  await cli.command(`edit ${prefix} priority=9`, new RegExp(`^edited ${prefix}`));
  await cli.command('wait 30', /^synced$/, 40_000);
  for (const { page } of [ann1, ann2]) {
    const li = await entry(page, 'groceries for the weekend');
    await li.locator('.prio', { hasText: 'p9' }).waitFor({ timeout: TIMEOUT });
  }
  await open(ann1.page, 'groceries for the weekend');
  await edit(ann1.page, { title: 'groceries, edited in the browser' });
  await waitPending(ann1.page, 0);
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    await cli.command('list', /tasks, \d+ pending/);
    const now = cli.lines.slice(-20).find((l) => l.startsWith(prefix));
    if (now && / p9 groceries, edited in the browser /.test(now)) break;
    if (Date.now() > deadline) assert.fail(`the CLI did not get the browser's edit: ${now}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  await cli.command('quit', /.*/).catch(() => {});
});

test('a delete in one browser removes the document from the other', async () => {
  await open(ann1.page, 'made offline');
  await ann1.page.click('#delete');
  await ann1.page.locator('#editor').waitFor({ state: 'hidden', timeout: TIMEOUT });
  await ann2.page.locator('#docs li', { hasText: 'made offline' }).waitFor({ state: 'detached', timeout: TIMEOUT });
  await waitPending(ann1.page, 0);
  assert.equal(await ann1.page.locator('#docs li', { hasText: 'made offline' }).count(), 0);
});

test('sharing with another user, and the documents page', async () => {
  const { page } = ann1;
  await createDoc(page, { title: 'trip to Lisbon', tags: 'travel', priority: 4, content: '{"days": 5}' });
  await page.fill('#share-email', world.bob.email);
  await page.click('#share');
  await page.locator('#shared-with li', { hasText: world.bob.email }).waitFor({ timeout: TIMEOUT });
  const bob = await world.context();
  await signIn(bob.page, world.bob);
  await waitOnline(bob.page);
  const li = await entry(bob.page, 'trip to Lisbon');
  assert.match(await li.textContent(), /from ann@example\.com/);
  // Only the shared document reached bob.
  assert.equal(await bob.page.locator('#docs li').count(), 1);
  await bob.context.close();
  await open(page, 'groceries, edited in the browser');
  await page.screenshot({ path: screenshotPath('documents.png') });
});

/** Where screenshots go: docs/images with DOC_SYNC_SCREENSHOTS=docs, else target/e2e. */
function screenshotPath(name) {
  const dir = process.env.DOC_SYNC_SCREENSHOTS === 'docs' ? '../../../docs/images/' : '../../target/e2e/';
  return new URL(dir + `web-${name}`, import.meta.url).pathname;
}
