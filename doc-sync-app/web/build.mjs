// Builds the web app into the doc-sync jar's class path: app.js (src/app.ts and Scribe's TypeScript client bundled by
// esbuild), sw.js (the offline service worker), index.html and app.css copied as they are.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, process.env.DOC_SYNC_WEB_OUT ?? '../target/classes/io/scribe/docsync/web');
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: resolve(here, 'src/app.ts'), sw: resolve(here, 'src/sw.ts') },
  outdir: out,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: 'linked',
  // The client's sources import lossless-json, which is installed here (clients/js may not be installed yet).
  nodePaths: [resolve(here, 'node_modules')],
  logLevel: 'warning',
});
for (const f of ['index.html', 'app.css']) await copyFile(resolve(here, 'src', f), resolve(out, f));
console.log(`doc-sync web app built in ${out}`);
