// What the end-to-end tests need: a real `doc-sync serve` (the packaged jar, embedded store in a temporary directory),
// credentials made with `doc-sync credentials create`, headless Chromium (Debian's package) driven by playwright-core,
// and the Java CLI client as a child process.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
export const JAR = process.env.DOC_SYNC_JAR ?? new URL('../../target/doc-sync.jar', import.meta.url).pathname;
export const JAVA = process.env.SCRIBE_JAVA ?? 'java';
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const TIMEOUT = 20_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A child process whose standard output is kept line by line, with a way to wait for a line. */
class Child {
  constructor(name, args, options = {}) {
    this.name = name;
    this.lines = [];
    this.waiters = [];
    this.proc = spawn(JAVA, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    let buffer = '';
    const take = (chunk) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        this.lines.push(line);
        if (process.env.E2E_VERBOSE) console.log(`[${name}] ${line}`);
        for (const w of [...this.waiters]) w();
      }
    };
    this.proc.stdout.setEncoding('utf8').on('data', take);
    this.stderr = [];
    this.proc.stderr.setEncoding('utf8').on('data', (c) => {
      this.stderr.push(c);
      if (process.env.E2E_VERBOSE) process.stderr.write(`[${name} err] ${c}`);
    });
  }

  /** Waits for a line after `from` (an index into `lines`) matching `pattern`; returns the match. */
  waitFor(pattern, from = 0, timeout = TIMEOUT) {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = from; i < this.lines.length; i++) {
          const m = this.lines[i].match(pattern);
          if (m) {
            clearTimeout(timer);
            this.waiters = this.waiters.filter((w) => w !== check);
            resolve(m);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`${this.name}: no line matching ${pattern} within ${timeout} ms; output:\n`
          + this.lines.slice(from).join('\n') + '\nstderr:\n' + this.stderr.join('')));
      }, timeout);
      if (!check()) this.waiters.push(check);
    });
  }

  /** Sends one command line and waits for a line matching `answer` printed after it. */
  async command(line, answer, timeout = TIMEOUT) {
    const from = this.lines.length;
    this.proc.stdin.write(`${line}\n`);
    return this.waitFor(answer, from, timeout);
  }

  async stop() {
    if (this.proc.exitCode === null) {
      this.proc.kill('SIGTERM');
      const killer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(killer);
    }
  }
}

/** A running doc-sync server with its data directory, credentials, and a Chromium to open pages in. */
export class World {
  /** Starts the server and, unless `browser` is false, a Chromium whose contexts `context()` opens. */
  static async start({ browser = true } = {}) {
    if (!existsSync(JAR)) throw new Error(`no ${JAR}: build it first (mvnw -pl doc-sync-app -am package -DskipTests)`);
    if (!existsSync(CHROMIUM)) throw new Error(`no ${CHROMIUM}: install Debian's chromium (scripts/services.sh does)`);
    const w = new World();
    w.dir = await mkdtemp(join(tmpdir(), 'doc-sync-e2e-'));
    w.data = join(w.dir, 'server');
    w.ann = await w.credentials('ann@example.com');
    w.bob = await w.credentials('bob@example.com');
    w.port = await freePort();
    w.base = `http://127.0.0.1:${w.port}`;
    await w.startServer();
    if (browser) w.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    w.children = [];
    w.persistents = [];
    return w;
  }

  /** Starts `doc-sync serve` on the world's port and data directory (again, after `stopServer`). */
  async startServer() {
    this.server = new Child('serve', ['-jar', JAR, 'serve', '--data', this.data, '--port', String(this.port)],
      { cwd: this.dir });
    await this.server.waitFor(/serving/, 0, 60_000);
  }

  /** Stops the server (SIGTERM) and waits for its exit: clients see their connection drop and nothing answer. */
  async stopServer() {
    await this.server?.stop();
    this.server = undefined;
  }

  /**
   * A whole Chromium of its own on the user-data directory `profile` (created if new), as a user's browser with its
   * profile on disk: IndexedDB, the service worker and its cache survive closing it (`context.close()` ends the
   * browser process) and launching it again on the same directory. `options` go to `launchPersistentContext`
   * (`offline: true` starts it without a network). Returns its context and a page on the app.
   */
  async persistent(profile, options = {}) {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1200, height: 720 }, ...options,
    });
    this.persistents.push(context);
    const page = context.pages()[0] ?? await context.newPage();
    page.on('dialog', (d) => void d.accept());
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(this.base + '/');
    await page.locator('body[data-ready="true"]').waitFor({ timeout: TIMEOUT });
    return { context, page };
  }

  async credentials(email) {
    const { stdout } = await run(JAVA, ['-jar', JAR, 'credentials', 'create', '--name', email, '--data', this.data],
      { cwd: this.dir });
    const apiKey = stdout.match(/api key:\s*(\S+)/)[1];
    const secret = stdout.match(/secret:\s*(\S+)/)[1];
    return { email, apiKey, secret };
  }

  /** A new browser context (its own IndexedDB: another client) with a page on the app. */
  async context() {
    const context = await this.browser.newContext({ viewport: { width: 1200, height: 720 } });
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(this.base + '/');
    await page.locator('body[data-ready="true"]').waitFor({ timeout: TIMEOUT });
    return { context, page };
  }

  /** Starts a Java CLI client of `who` with its own data directory. */
  async cli(who, name) {
    const secretFile = join(this.dir, `${name}.secret`);
    await writeFile(secretFile, who.secret);
    const c = new Child(name, ['-jar', JAR, 'client', '--server', `ws://127.0.0.1:${this.port}/scribe`,
      '--email', who.email, '--key', who.apiKey, '--secret-file', secretFile, '--data', join(this.dir, name)],
    { cwd: this.dir });
    this.children.push(c);
    return c;
  }

  async close() {
    await this.browser?.close();
    for (const c of this.persistents ?? []) await c.close().catch(() => {});
    for (const c of this.children ?? []) await c.stop();
    await this.server?.stop();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Page helpers

export async function signIn(page, who, secret = who.secret) {
  await page.fill('#sign-in input[name=email]', who.email);
  await page.fill('#sign-in input[name=apiKey]', who.apiKey);
  await page.fill('#sign-in input[name=secret]', secret);
  await page.click('#sign-in button[type=submit]');
}

export async function waitOnline(page) {
  await page.locator('#status[data-status="online"]').waitFor({ timeout: TIMEOUT });
}

export async function waitPending(page, n) {
  try {
    await page.locator(`#pending[data-count="${n}"]`).waitFor({ timeout: TIMEOUT });
  } catch (e) {
    const shown = await page.locator('#pending').getAttribute('data-count').catch(() => 'unreadable');
    throw new Error(`pending never ${n} (it shows ${shown}): ${e.message}`);
  }
}

/** The list entry of the document titled `title` (waits for it). */
export async function entry(page, title) {
  const li = page.locator('#docs li', { has: page.locator('.title', { hasText: new RegExp(`^${escape(title)}$`) }) });
  await li.first().waitFor({ timeout: TIMEOUT });
  return li.first();
}

export async function open(page, title) {
  await (await entry(page, title)).click();
  await page.locator('#editor').waitFor({ timeout: TIMEOUT });
}

/** Fills the editor's fields given in `fields` (title, tags, priority, done, content) and saves. */
export async function edit(page, fields) {
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'done') await page.setChecked('#editor input[name=done]', value);
    else await page.fill(`#editor [name=${name}]`, String(value));
  }
  await page.click('#save');
}

export async function createDoc(page, fields) {
  await page.click('#new-doc');
  await page.locator('#editor').waitFor({ timeout: TIMEOUT });
  await edit(page, fields);
  return page.locator('#docs li.selected').first().getAttribute('data-id');
}

/** The document `id` as the page's live replica has it. */
export function docIn(page, id) {
  return page.evaluate((docId) => {
    const li = document.querySelector(`#docs li[data-id="${docId}"]`);
    return li ? li.textContent : null;
  }, id);
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
