// The offline service worker: the app's files are served from the network when it answers and from the cache when
// it does not, so a reload without a connection still opens the app (its documents are in IndexedDB).
const CACHE = 'doc-sync-app-v1';
const FILES = ['./', './index.html', './app.js', './app.css'];
const sw = self as unknown as ServiceWorkerGlobalScope;

sw.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(FILES)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(sw.clients.claim());
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== sw.location.origin) return;
  event.respondWith(fetch(request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      void caches.open(CACHE).then((c) => c.put(request, copy));
    }
    return response;
  }).catch(async () => (await caches.match(request, { ignoreSearch: true })) ?? Response.error()));
});
