// Colloquy's service worker: keeps the app's files so that it opens and reloads without a
// connection. The network comes first, so an online visit always gets the deployed version;
// the cache answers only when the network can't. A page never fetched before is answered with
// the offline shell, which renders the app in the browser.
const CACHE = "colloquy-v1";
const SHELL = "/offline.html";
const FILES = [SHELL, "/pkg/colloquy.js", "/pkg/colloquy.wasm", "/pkg/colloquy.css", "/favicon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && request.mode !== "navigate") {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
        }
        return response;
      })
      .catch(async () => {
        const cache = await caches.open(CACHE);
        if (request.mode === "navigate") {
          return (await cache.match(SHELL)) ?? Response.error();
        }
        return (await cache.match(request)) ?? Response.error();
      }),
  );
});
