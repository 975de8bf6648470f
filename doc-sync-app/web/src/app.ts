// doc-sync's web app: the user's documents replicated in the browser by Scribe's TypeScript client (IndexedDB, so it
// works offline and after a reload), signed in with HMAC computed by WebCrypto, plus the server's event log (history,
// revert, lost changes, restore) and sharing. No framework: the DOM is re-rendered from the live documents.
import { applyPatch, type Operation } from 'fast-json-patch';
import {
  IndexedDbStore, ScribeClient, Scriber, authMessage, hmacKey, parseJson, toJson, type Status,
} from '../../../clients/js/src/index.js';

/** A document as Scribe syncs it (doc-sync's Java class `Document`). */
interface Doc {
  id: string;
  owner: string;
  title: string;
  content: Record<string, unknown>;
  version: number;
  revision: string | null;
  sharedWith: string[];
}

/** What is kept for the next visit: who signed in, and the secret as a key that cannot be read back. */
interface Login {
  email: string;
  apiKey: string;
  key: CryptoKey;
  server: string;
}

/** A deep copy of a JSON value (live documents are proxies, which structuredClone refuses). */
const copy = <T>(value: T): T => parseJson(toJson(value)) as T;
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const KNOWN = ['tags', 'priority', 'done'];

let scriber: Scriber | undefined;
let client: ScribeClient | undefined;
let login: Login | undefined;
let selected: string | undefined;
/** The editor shows a new document, created when it is first saved. */
let drafting = false;
let editorDirty = false;

// -----------------------------------------------------------------------------------------------------------------
// Conflict marks: a document whose edit made in this browser lost is marked until it is edited here again. The server
// tells the live session of each loss (`conflict`, with the loss's `seq` in its event log); a browser closed or cut
// off before that notice arrives learns of it at its next login, when it asks for its own losses after the last one
// it asked through (`conflicts` with `after` and `thisClient`). Kept in localStorage, so a reload or a restart of the
// browser keeps them: per document the last loss handled (its seq, negative once the document was edited here again,
// so that one loss marks once), and the last seq asked through.

interface Marks {
  records: Record<string, number>;
  seen: number;
}

let marks: Marks = { records: {}, seen: 0 };
let marksKey = '';
let askingConflicts = false;
let askConflictsAgain = false;

function loadMarks(email: string): void {
  marksKey = `doc-sync conflicts ${email}`;
  try {
    const stored = JSON.parse(localStorage.getItem(marksKey) ?? 'null');
    marks = stored && typeof stored === 'object' && typeof stored.records === 'object' && Number.isSafeInteger(stored.seen)
      ? stored : { records: {}, seen: 0 };
  } catch {
    marks = { records: {}, seen: 0 };
  }
}

function saveMarks(): void {
  if (marksKey) localStorage.setItem(marksKey, JSON.stringify(marks));
}

const isMarked = (id: string): boolean => (marks.records[id] ?? 0) > 0;

/** The document was edited here again: its mark goes, its record stays. */
function clearMark(id: string): void {
  const record = marks.records[id] ?? 0;
  if (record > 0) {
    marks.records[id] = -record;
    saveMarks();
  }
}

/** Marks the document for the loss `seq` unless it was handled already; returns whether it did. */
function handleLoss(id: string, seq: number): boolean {
  if (!id || Math.abs(marks.records[id] ?? 0) >= seq) return false;
  marks.records[id] = seq;
  saveMarks();
  return true;
}

/** Asks for this browser's losses after the last one asked through; marks those not handled yet. */
async function checkConflicts(): Promise<void> {
  if (askingConflicts) {
    askConflictsAgain = true;
    return;
  }
  askingConflicts = true;
  let answered = false;
  try {
    const rows: any[] = (await client!.ask({ type: 'conflicts', after: marks.seen, thisClient: true })).conflicts;
    answered = true;
    let missed = 0;
    let last = marks.seen;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (!Number.isSafeInteger(seq)) continue;
      last = Math.max(last, seq);
      if (handleLoss(String(row.docId), seq)) missed++;
    }
    if (last > marks.seen) {
      marks.seen = last;
      saveMarks();
    }
    if (missed > 0) {
      showBanner(missed === 1 ? 'An edit made in this browser lost a conflict while it was away (see Conflicts to restore it).'
        : `${missed} edits made in this browser lost conflicts while it was away (see Conflicts to restore them).`);
      render();
    }
  } catch {
    // Offline again, or signed out: asked at the next login.
  } finally {
    askingConflicts = false;
    const again = askConflictsAgain && answered;
    askConflictsAgain = false;
    if (again && client) void checkConflicts();
  }
}

// -----------------------------------------------------------------------------------------------------------------
// The saved login (a small IndexedDB database of its own)

function loginDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.open('doc-sync-login', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('login');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function loginOp<T>(op: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await loginDb();
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction('login', 'readwrite');
      const r = op(tx.objectStore('login'));
      tx.oncomplete = () => resolve(r.result as T);
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

const loadLogin = () => loginOp<Login | undefined>((s) => s.get('current'));
const saveLogin = (l: Login) => loginOp<void>((s) => s.put(l, 'current'));
const clearLogin = () => loginOp<void>((s) => s.delete('current'));

function defaultServer(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/scribe`;
}

// -----------------------------------------------------------------------------------------------------------------
// Starting and stopping the replica

async function startSession(l: Login): Promise<void> {
  login = l;
  loadMarks(l.email);
  scriber = await Scriber.open({ store: new IndexedDbStore(`doc-sync ${l.email}`), onError: (e) => console.warn(e.message) });
  scriber.register('Document', {
    fields: ['owner', 'title', 'content', 'version', 'revision', 'sharedWith'],
    keyMerge: ['content'],
    defaults: () => ({ content: {}, version: 0, revision: null, sharedWith: [] }),
  });
  let queued = false;
  scriber.listen('Document', (change) => {
    if (change.local) clearMark(change.id);
    if (!change.local && change.id === selected && change.type === 'update'
      && change.fields.some((f) => f !== 'version' && f !== 'revision') && editorDirty) {
      showBanner('This document was changed elsewhere while you were editing; Save keeps your values.');
    }
    if (!queued) {
      queued = true;
      queueMicrotask(() => {
        queued = false;
        render();
      });
    }
  });
  client = new ScribeClient(scriber, {
    url: l.server,
    serverId: 'server',
    relay: false,
    authenticate: async (session) => {
      await session.request(await authMessage({ email: l.email, apiKey: l.apiKey, secret: l.key }, session.clientId));
    },
    handlers: {
      conflict: (m) => {
        const seq = Number(m.seq);
        const fresh = Number.isSafeInteger(seq) && seq > 0 ? handleLoss(String(m.doc), seq)
          : handleLoss(String(m.doc), Math.abs(marks.records[String(m.doc)] ?? 0) + 1);
        if (fresh) {
          showBanner(m.deleted ? `Your edit of a document was lost: it had been deleted.`
            : `Your edit of "${titleOf(String(m.doc))}" lost a conflict (see Conflicts to restore it).`);
          render();
        }
        void checkConflicts();
        return null;
      },
    },
  });
  client.on('status', (s) => renderStatus(s));
  client.on('status', (s) => {
    if (s === 'online') void checkConflicts();
  });
  client.on('pending', (n) => renderPending(n));
  client.on('refused', (e) => void refused(e.message));
  client.on('error', (e) => {
    if ((e as { code?: number }).code === 409) {
      showBanner('This browser is connected to doc-sync in another tab: this one retries once that tab is closed.');
    }
  });
  client.on('status', (s) => {
    if (s === 'online' && $('banner').textContent?.startsWith('This browser is connected')) $('banner').hidden = true;
  });
  $('user').textContent = l.email;
  showApp(true);
  render();
  renderPending(client.pending);
  if (navigator.onLine) client.start();
}

async function stopSession(): Promise<void> {
  await client?.dispose();
  await scriber?.close();
  client = undefined;
  scriber = undefined;
  selected = undefined;
}

async function refused(message: string): Promise<void> {
  await stopSession();
  await clearLogin();
  showApp(false);
  const text = /bad signature|unknown API key|revoked|belongs to another/.test(message)
    ? `Sign-in refused: ${message}. Check the email, API key and secret.` : `Sign-in refused: ${message}`;
  const error = $('sign-in-error');
  error.textContent = text;
  error.hidden = false;
}

// Leaving and regaining the network: the browser knows first, so the client stops and starts with it.
window.addEventListener('offline', () => void client?.close());
window.addEventListener('online', () => client?.start());

// -----------------------------------------------------------------------------------------------------------------
// Rendering

function showApp(on: boolean): void {
  $('sign-in').hidden = on;
  $('app').hidden = !on;
  $('nav').hidden = !on;
  if (!on) {
    renderStatus('offline');
    $('user').textContent = '';
  }
}

function renderStatus(s: Status): void {
  const el = $('status');
  el.textContent = s;
  el.className = `badge ${s}`;
  el.dataset.status = s;
}

function renderPending(n: number): void {
  const el = $('pending');
  el.textContent = `${n} pending`;
  el.dataset.count = String(n);
}

function showBanner(text: string): void {
  const b = $('banner');
  b.textContent = text;
  b.hidden = false;
}

function docs(): Doc[] {
  return scriber ? scriber.all<Doc>('Document') : [];
}

function find(id: string | undefined): Doc | undefined {
  return id && scriber ? scriber.find<Doc>('Document', id) : undefined;
}

function titleOf(id: string): string {
  return find(id)?.title ?? id.slice(0, 8);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function render(): void {
  const filter = ($('filter') as HTMLInputElement).value.trim().toLowerCase();
  const list = $('docs');
  list.replaceChildren();
  const all = docs().sort((a, b) => Number(a.content.done === true) - Number(b.content.done === true)
    || Number(b.content.priority ?? 0) - Number(a.content.priority ?? 0) || a.title.localeCompare(b.title));
  for (const d of all) {
    const tags = Array.isArray(d.content.tags) ? d.content.tags.map(String) : [];
    if (filter && !d.title.toLowerCase().includes(filter) && !tags.some((t) => t.toLowerCase().includes(filter))) continue;
    const li = el('li', { 'data-id': d.id, class: `${d.id === selected ? 'selected' : ''} ${d.content.done === true ? 'done' : ''}` },
      el('span', { class: 'title' }, d.title || '(untitled)'));
    if (d.content.priority !== undefined) li.append(el('span', { class: 'prio' }, `p${String(d.content.priority)}`));
    for (const t of tags) li.append(el('span', { class: 'tag' }, t));
    if (login && d.owner !== login.email) li.append(el('span', { class: 'owner' }, `from ${d.owner}`));
    if (isMarked(d.id)) li.append(el('span', { class: 'conflict' }, 'conflict'));
    li.addEventListener('click', () => select(d.id));
    list.append(li);
  }
  const marked = all.filter((d) => isMarked(d.id)).length;
  $('conflict-count').textContent = marked ? `(${marked})` : '';
  renderEditor();
}

function select(id: string | undefined): void {
  selected = id;
  drafting = false;
  editorDirty = false;
  $('banner').hidden = true;
  $('history').hidden = true;
  $('conflicts').hidden = true;
  render();
}

function renderEditor(): void {
  const found = find(selected);
  const d: Doc | undefined = found ?? (drafting && login ? {
    id: '', owner: login.email, title: '', content: { done: false, priority: 0, tags: [] }, version: 0, revision: null,
    sharedWith: [],
  } : undefined);
  const form = $('editor') as HTMLFormElement;
  const historyOpen = !$('history').hidden || !$('conflicts').hidden;
  form.hidden = !d || historyOpen;
  $('empty-detail').hidden = !!d || historyOpen;
  if (!d) return;
  ($('show-history') as HTMLButtonElement).disabled = !found;
  $('save').textContent = found ? 'Save' : 'Create';
  $('doc-meta').textContent = !found ? 'New document' : `${d.id.slice(0, 8)} · owner ${d.owner} · version ${String(d.version ?? 0)}`
    + (isMarked(d.id) ? ' · your last edit lost a conflict' : '');
  const mine = !login || d.owner === login.email;
  ($('delete') as HTMLButtonElement).disabled = !mine || !found;
  $('sharing').hidden = !mine || !found;
  const shared = $('shared-with');
  shared.replaceChildren();
  for (const email of d.sharedWith ?? []) {
    const b = el('button', { type: 'button', 'data-email': email }, 'Unshare');
    b.addEventListener('click', () => setSharing(d, email, false));
    shared.append(el('li', {}, `${email} `, b));
  }
  if (editorDirty) return;
  const f = form.elements as any;
  f.title.value = d.title ?? '';
  const tags = Array.isArray(d.content.tags) ? d.content.tags.map(String) : [];
  f.tags.value = tags.join(', ');
  f.priority.value = d.content.priority === undefined ? '' : String(d.content.priority);
  f.done.checked = d.content.done === true;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d.content)) if (!KNOWN.includes(k)) rest[k] = v;
  f.content.value = JSON.stringify(rest, null, 2);
  $('editor-error').hidden = true;
}

// -----------------------------------------------------------------------------------------------------------------
// Editing

function readEditor(): { title: string; content: Record<string, unknown> } {
  const f = ($('editor') as HTMLFormElement).elements as any;
  let rest: unknown;
  try {
    rest = f.content.value.trim() ? JSON.parse(f.content.value) : {};
  } catch (e) {
    throw new Error(`Content is not JSON: ${(e as Error).message}`);
  }
  if (rest === null || typeof rest !== 'object' || Array.isArray(rest)) throw new Error('Content must be a JSON object');
  const content: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest as Record<string, unknown>)) if (!KNOWN.includes(k) && v !== null) content[k] = v;
  const tags = String(f.tags.value).split(',').map((t) => t.trim()).filter(Boolean);
  content.tags = tags;
  if (String(f.priority.value).trim() !== '') {
    const p = Number(f.priority.value);
    if (!Number.isInteger(p)) throw new Error('Priority must be a whole number');
    content.priority = p;
  }
  content.done = f.done.checked;
  return { title: String(f.title.value), content };
}

function save(): void {
  if (!scriber || !login) return;
  const d = find(selected);
  try {
    const { title, content } = readEditor();
    if (!d) {
      if (!drafting) return;
      const created = scriber.create<Doc>('Document', {
        owner: login.email, title, content, version: 0, revision: null, sharedWith: [],
      } as unknown as Doc);
      select(created.id);
      return;
    }
    if (d.title !== title) d.title = title;
    d.content = content;
    scriber.save(d);
    editorDirty = false;
    clearMark(d.id);
    $('banner').hidden = true;
    render();
  } catch (e) {
    const err = $('editor-error');
    err.textContent = (e as Error).message;
    err.hidden = false;
  }
}

function create(): void {
  if (!scriber || !login) return;
  select(undefined);
  drafting = true;
  render();
  ((($('editor') as HTMLFormElement).elements as any).title as HTMLInputElement).focus();
}

function remove(): void {
  const d = find(selected);
  if (!d || !scriber) return;
  if (!confirm(`Delete "${d.title}"?`)) return;
  scriber.destroy(d);
  select(undefined);
}

function setSharing(d: Doc, email: string, add: boolean): void {
  if (!scriber || !login) return;
  const who = email.trim();
  const err = $('editor-error');
  if (add && !/^[^@\s]+@[^@\s]+$/.test(who)) {
    err.textContent = `Not an email: ${who}`;
    err.hidden = false;
    return;
  }
  if (add && (who === d.owner || d.sharedWith.includes(who))) return;
  d.sharedWith = add ? [...d.sharedWith, who] : d.sharedWith.filter((e) => e !== who);
  scriber.save(d);
  ($('share-email') as HTMLInputElement).value = '';
  render();
}

// -----------------------------------------------------------------------------------------------------------------
// History, revert, lost changes (the server's event log, asked over the session)

interface Event {
  seq: number;
  kind: string;
  author: string;
  clientId: string;
  version: number;
  at: string;
  forward: unknown;
  reverse: unknown;
  lost: boolean;
}

async function ask(message: Record<string, unknown>): Promise<any> {
  if (!client) throw new Error('not signed in');
  try {
    return await client.ask(message);
  } catch (e) {
    const m = (e as Error).message;
    throw new Error(m.startsWith('offline') ? 'Offline: history and lost changes come from the server.' : m);
  }
}

function describe(op: any): string {
  const path = String(op.path ?? '');
  if (op.op === 'remove') return `remove ${path}`;
  return `${op.op} ${path} = ${JSON.stringify(op.value)}`;
}

function diffOf(e: Event): HTMLElement {
  const pre = el('pre', { class: 'diff' });
  if (e.kind === 'create') pre.append(el('span', { class: 'add' }, `created: ${JSON.stringify((e.forward as any)?.title)}`));
  else if (e.kind === 'delete') pre.append(el('span', { class: 'rm' }, 'deleted'));
  else {
    const ops = Array.isArray(e.forward) ? e.forward : [];
    const shown = ops.filter((op: any) => op.path !== '/version' && op.path !== '/revision');
    for (const op of shown) pre.append(el('span', { class: op.op === 'remove' ? 'rm' : 'add' }, describe(op)), '\n');
    if (shown.length === 0) pre.append('(no visible change)');
  }
  return pre;
}

async function showHistory(): Promise<void> {
  const d = find(selected);
  if (!d) return;
  $('editor').hidden = true;
  $('history').hidden = false;
  const list = $('versions');
  list.replaceChildren();
  const err = $('history-error');
  err.hidden = true;
  try {
    const events: Event[] = (await ask({ type: 'history', doc: d.id })).events;
    for (const e of events) {
      const at = new Date(e.at).toLocaleString();
      const li = el('li', { 'data-version': String(e.version), 'data-kind': e.kind },
        el('strong', {}, e.lost ? 'lost change' : `v${e.version}`), ` ${e.kind} by ${e.author} `,
        el('span', { class: 'when' }, at), diffOf(e));
      const current = e.version === Math.max(...events.filter((x) => !x.lost).map((x) => x.version));
      if (current && !e.lost) li.append(el('em', {}, ' (current)'));
      if (!e.lost && e.kind !== 'delete' && !current) {
        const b = el('button', { type: 'button', class: 'revert' }, `Revert to v${e.version}`);
        b.addEventListener('click', () => void revert(d.id, events, e.version));
        li.append(b);
      }
      list.append(li);
    }
  } catch (e) {
    err.textContent = (e as Error).message;
    err.hidden = false;
  }
}

/** The document at `version`: the forward patches replayed, then the reverse patches of later versions, newest first. */
function documentAt(events: Event[], version: number): any {
  const accepted = events.filter((e) => !e.lost);
  let doc: any = null;
  for (const e of accepted) {
    doc = e.kind === 'create' ? copy(e.forward)
      : e.forward === null ? null : applyPatch(doc, e.forward as Operation[], false, false).newDocument;
  }
  for (let i = accepted.length - 1; i >= 0 && accepted[i].version > version; i--) {
    doc = applyPatch(doc, accepted[i].reverse as Operation[], false, false).newDocument;
  }
  return doc;
}

async function revert(id: string, events: Event[], version: number): Promise<void> {
  const d = find(id);
  const err = $('history-error');
  try {
    if (!d || !scriber) throw new Error('The document is no longer here.');
    const target = documentAt(events, version);
    if (!target) throw new Error(`The document did not exist at version ${version}.`);
    d.title = target.title;
    d.content = target.content ?? {};
    scriber.save(d);
    $('history').hidden = true;
    editorDirty = false;
    render();
  } catch (e) {
    err.textContent = (e as Error).message;
    err.hidden = false;
  }
}

async function showConflicts(): Promise<void> {
  $('editor').hidden = true;
  $('history').hidden = true;
  $('conflicts').hidden = false;
  $('empty-detail').hidden = true;
  const list = $('lost');
  list.replaceChildren();
  const err = $('conflicts-error');
  err.hidden = true;
  try {
    const lost: any[] = (await ask({ type: 'conflicts' })).conflicts;
    if (lost.length === 0) list.append(el('li', {}, 'None: every change you made was kept.'));
    for (const c of lost) {
      const li = el('li', { 'data-seq': String(c.seq) }, el('strong', {}, `#${c.seq}`),
        ` ${titleOf(String(c.docId))} at v${String(c.version)} `, el('span', { class: 'when' }, new Date(c.at).toLocaleString()),
        diffOf({ ...c, kind: 'update' }));
      const b = el('button', { type: 'button', class: 'restore' }, 'Restore');
      b.addEventListener('click', () => restore(c));
      li.append(b);
      list.append(li);
    }
  } catch (e) {
    err.textContent = (e as Error).message;
    err.hidden = false;
  }
}

/** Applies a lost change again as a new edit: the title and content values its patch wanted. */
function restore(lost: any): void {
  const d = find(String(lost.docId));
  const err = $('conflicts-error');
  if (!d || !scriber) {
    err.textContent = 'That document no longer exists.';
    err.hidden = false;
    return;
  }
  try {
    const ops = (Array.isArray(lost.forward) ? lost.forward : [])
      .filter((op: any) => op.path === '/title' || String(op.path).startsWith('/content/'));
    const wanted = applyPatch({ title: d.title, content: copy(d.content) }, ops, false, false).newDocument;
    d.title = wanted.title;
    d.content = wanted.content;
    scriber.save(d);
    clearMark(d.id);
    select(d.id);
  } catch (e) {
    err.textContent = `The lost change does not apply to the document now: ${(e as Error).message}`;
    err.hidden = false;
  }
}

// -----------------------------------------------------------------------------------------------------------------
// Wiring

function wire(): void {
  $('sign-in').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = (ev.target as HTMLFormElement).elements as any;
    const email = String(f.email.value).trim();
    const apiKey = String(f.apiKey.value).trim();
    const secret = String(f.secret.value).trim();
    f.secret.value = '';
    $('sign-in-error').hidden = true;
    void (async () => {
      const l: Login = { email, apiKey, key: await hmacKey(secret), server: defaultServer() };
      await saveLogin(l);
      await startSession(l);
    })().catch((e) => {
      $('sign-in-error').textContent = `Cannot sign in: ${(e as Error).message}`;
      $('sign-in-error').hidden = false;
    });
  });
  $('sign-out').addEventListener('click', () => void (async () => {
    await stopSession();
    await clearLogin();
    showApp(false);
  })());
  $('new-doc').addEventListener('click', create);
  $('filter').addEventListener('input', render);
  $('editor').addEventListener('input', () => { editorDirty = true; });
  $('editor').addEventListener('submit', (ev) => {
    ev.preventDefault();
    save();
  });
  $('delete').addEventListener('click', remove);
  $('share').addEventListener('click', () => {
    const d = find(selected);
    if (d) setSharing(d, ($('share-email') as HTMLInputElement).value, true);
  });
  $('show-history').addEventListener('click', () => void showHistory());
  $('close-history').addEventListener('click', () => select(selected));
  $('show-conflicts').addEventListener('click', () => void showConflicts());
  $('close-conflicts').addEventListener('click', () => select(selected));
}

async function main(): Promise<void> {
  wire();
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('sw.js').catch((e) => console.warn(`no offline app shell: ${e.message}`));
  }
  const saved = await loadLogin().catch(() => undefined);
  if (saved) await startSession(saved);
  else showApp(false);
  document.body.dataset.ready = 'true';
}

void main();
