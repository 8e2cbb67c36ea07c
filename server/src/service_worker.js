// Colloquy's service worker. `VERSION` and `PRECACHE` are written in above by the server.
//
// - App files (/pkg, hashed by build) come from the cache first: a later visit downloads no app
//   code. Each build gets its own cache; old ones go when the new worker takes over.
// - Pages come from the network first, so an online visit always renders the deployed version;
//   with no network, or one that hasn't answered within a few seconds, any page gets the
//   offline shell, which mounts the app client-side.
// - A new worker waits until the page asks it to take over (the app's "Update" button), so an
//   open page never mixes an old page with new files.
const CACHE = `colloquy-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((key) => key.startsWith("colloquy-") && key !== CACHE).map((key) => caches.delete(key))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

async function fromCacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

// A network that takes longer than this to answer a page (a coffee shop's Wi-Fi) counts as none.
const PATIENCE_MS = 3000;

async function pageFromNetworkFirst(request) {
  const network = fetch(request);
  const late = new Promise((resolve) => setTimeout(resolve, PATIENCE_MS, null));
  try {
    const response = await Promise.race([network, late]);
    if (response) return response;
  } catch {
    // No network at all.
  }
  const shell = await (await caches.open(CACHE)).match("/offline");
  return shell ?? network.catch(() => Response.error());
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(pageFromNetworkFirst(request));
  } else if (PRECACHE.includes(url.pathname) || url.pathname.startsWith("/pkg/")) {
    event.respondWith(fromCacheFirst(request));
  }
});
