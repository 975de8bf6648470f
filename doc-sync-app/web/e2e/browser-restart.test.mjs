// A browser closed and started again: the whole Chromium process ends and a new one is launched on the same
// user-data directory (the profile on disk), as when a user quits the browser and opens it later. Its own server,
// so stopping and restarting it does not disturb web-app.test.mjs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  TIMEOUT, World, createDoc, edit, entry, open, signIn, waitOnline, waitPending,
} from './harness.mjs';

let world;

before(async () => {
  world = await World.start({ browser: false });
});

after(async () => {
  await world?.close();
});

/** Whether Chromium holds `profile` (it keeps the `SingletonLock` symbolic link there while it runs). */
async function held(profile) {
  return lstat(join(profile, 'SingletonLock')).then(() => true, () => false);
}

/** The CLI's `list` line of the document titled `title`, listing until `ok` holds for it (or TIMEOUT). */
async function listed(cli, title, ok = () => true) {
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const from = cli.lines.length;
    await cli.command('list', /tasks, \d+ pending/);
    // Event lines (`<< created … (remote): TITLE`) print whenever a change arrives, also in the middle of a listing.
    const line = cli.lines.slice(from).find((l) => !l.startsWith('<<')
      && (l.includes(` ${title} `) || l.endsWith(` ${title}`)));
    if (line && ok(line)) return line;
    if (Date.now() > deadline) {
      assert.fail(`the CLI does not list "${title}" as expected: ${line}\n${cli.lines.slice(-40).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * The pending count once it is at least `min` and has not changed for half a second. It counts changes, not
 * documents: how many an edit of two fields makes depends on when the app records them.
 */
async function settledPending(page, min) {
  const deadline = Date.now() + TIMEOUT;
  let last = -1;
  let since = Date.now();
  for (;;) {
    const n = Number(await page.locator('#pending').getAttribute('data-count'));
    if (n !== last) {
      last = n;
      since = Date.now();
    }
    if (n >= min && Date.now() - since >= 500) return n;
    if (Date.now() > deadline) assert.fail(`pending never settled at ${min} or more: ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The CLI's `show` of document `prefix`: its JSON. */
async function shown(cli, prefix) {
  const from = cli.lines.length;
  await cli.command(`show ${prefix}`, /^}$/);
  const lines = cli.lines.slice(from);
  return JSON.parse(lines.slice(lines.findIndex((l) => l === '{'), lines.indexOf('}') + 1).join('\n'));
}

test('a browser closed with unsent edits and started again on its profile keeps them, uploads them and catches up',
  async () => {
    const profile = join(world.dir, 'chromium-profile');
    let b = await world.persistent(profile);
    await signIn(b.page, world.ann);
    await waitOnline(b.page);
    await createDoc(b.page, { title: 'kept across restarts', tags: 'disk', priority: 1, content: '{"step": 1}' });
    await createDoc(b.page, { title: 'edited while the browser was closed', priority: 2 });
    await waitPending(b.page, 0);

    // The server goes away; the browser keeps editing: an edit and a new document wait in IndexedDB.
    await world.stopServer();
    await b.page.locator('#status:not([data-status="online"])').waitFor({ timeout: TIMEOUT });
    await open(b.page, 'kept across restarts');
    await edit(b.page, { priority: 3, content: '{"step": 2}' });
    await createDoc(b.page, { title: 'made with the server down', tags: 'offline', priority: 4 });
    const unsent = await settledPending(b.page, 2);

    // The whole browser quits: the process ends and lets go of its profile.
    assert.equal(await held(profile), true, 'a running Chromium holds its profile');
    await b.context.close();
    assert.equal(await held(profile), false, 'the closed Chromium let go of its profile');

    // The server comes back while the browser is closed, and the CLI edits a document the browser holds.
    await world.startServer();
    const cli = await world.cli(world.ann, 'ann-cli');
    await cli.command('wait 30', /^synced$/, 40_000);
    const closed = await listed(cli, 'edited while the browser was closed');
    assert.match(closed, / p2 edited while the browser was closed /);
    assert.ok(!cli.lines.some((l) => l.includes('made with the server down')), 'the offline edits are not sent yet');
    const prefix = closed.slice(0, 8);
    await cli.command(`edit ${prefix} priority=7 tags=cli`, new RegExp(`^edited ${prefix}`));
    await cli.command('wait 30', /^synced$/, 40_000);

    // A new Chromium on the same profile, started without a network: the app opens from the service worker's
    // cache, signs in from the kept key, and IndexedDB still has the documents and the two unsent edits.
    b = await world.persistent(profile, { offline: true });
    assert.equal(await b.page.locator('#app').isVisible(), true, 'signed in from the kept login');
    await waitPending(b.page, unsent);
    await entry(b.page, 'made with the server down');
    const before = await entry(b.page, 'edited while the browser was closed');
    assert.match(await before.locator('.prio').textContent(), /p2/);
    await open(b.page, 'kept across restarts');
    assert.equal(await b.page.locator('#editor [name=priority]').inputValue(), '3');
    assert.deepEqual(JSON.parse(await b.page.locator('#editor [name=content]').inputValue()), { step: 2 });

    // Back online: the edits made before the restart upload, and the CLI's edit made meanwhile arrives.
    await b.context.setOffline(false);
    await waitOnline(b.page);
    await waitPending(b.page, 0);
    const caught = await entry(b.page, 'edited while the browser was closed');
    await caught.locator('.prio', { hasText: 'p7' }).waitFor({ timeout: TIMEOUT });
    await caught.locator('.tag', { hasText: 'cli' }).waitFor({ timeout: TIMEOUT });

    // The server has what the browser has: the CLI (another client of ann) gets the edits made before the restart.
    await cli.command('wait 30', /^synced$/, 40_000);
    const made = await listed(cli, 'made with the server down', (l) => / p4 made with the server down \["offline"\]/.test(l));
    const kept = await listed(cli, 'kept across restarts', (l) => / p3 kept across restarts \["disk"\]/.test(l));
    assert.ok(made);
    const doc = await shown(cli, kept.slice(0, 8));
    assert.equal(doc.title, 'kept across restarts');
    assert.equal(doc.content.step, 2);
    assert.equal(doc.content.priority, 3);
    const count = cli.lines.filter((l) => /^\d+ tasks, \d+ pending$/.test(l)).at(-1);
    assert.equal(count, '3 tasks, 0 pending');
    await cli.command('quit', /.*/).catch(() => {});
    await b.context.close();
  });
