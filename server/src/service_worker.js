// Colloquy's service worker. `VERSION` and `PRECACHE` are written in above by the server.
//
// - App files (/pkg, hashed by build) come from the cache first (a static route where the
//   browser has them, else the fetch handler): a later visit downloads no app code. Each build
//   gets its own cache; old ones go when the new worker takes over.
// - Pages come from the network first, so an online visit always renders the deployed version;
//   with no network, or one that hasn't answered within a few seconds, any page gets the
//   offline shell, which mounts the app client-side.
// - A new worker waits until the page asks it to take over (the app's "Update" button), so an
//   open page never mixes an old page with new files.
// - Reminders: the page hands over its schedule whenever interviews change; the worker shows
//   each reminder once it comes due, on the page's request (every opening and return to the
//   tab) and when Periodic Background Sync wakes it with the app closed.
const CACHE = `colloquy-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)));
  // Where the browser can, it takes app files from this cache itself, without waking this
  // worker: a new page's code arrives sooner. (A miss goes to the network.)
  event.addRoutes?.({ condition: { urlPattern: { pathname: "/pkg/*" } }, source: { cacheName: CACHE } })?.catch(() => {});
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
  else if (event.data === "check-reminders") event.waitUntil(checkReminders());
  else if (typeof event.data?.reminders === "string") {
    event.waitUntil(saveReminders(event.data.reminders).then(checkReminders));
  }
});

// The schedule and the tags already shown, in a cache of their own that outlives versions.
const REMINDERS = "reminders";
// A reminder that came due longer ago than this (the app was closed for days) is counted on the
// badge but not shown: a pile of stale notifications helps no one.
const STALE_MS = 2 * 24 * 3600 * 1000;

async function readJson(cache, key) {
  try {
    const hit = await cache.match(key);
    const value = hit ? await hit.json() : [];
    return Array.isArray(value) ? value : [];
  } catch {
    return [];
  }
}

// Keeps only well-formed reminders for pages of this site.
async function saveReminders(text) {
  let items = [];
  try {
    items = JSON.parse(text);
  } catch {
    return;
  }
  if (!Array.isArray(items)) return;
  const valid = items.filter(
    (r) =>
      typeof r?.tag === "string" &&
      Number.isFinite(r.at) &&
      typeof r.title === "string" &&
      typeof r.body === "string" &&
      typeof r.url === "string" &&
      r.url.startsWith("/") &&
      !r.url.startsWith("//"),
  );
  const cache = await caches.open(REMINDERS);
  await cache.put("/schedule", new Response(JSON.stringify(valid)));
}

async function checkReminders() {
  const cache = await caches.open(REMINDERS);
  const schedule = await readJson(cache, "/schedule");
  const shown = new Set(await readJson(cache, "/shown"));
  const now = Date.now();
  const due = schedule.filter((r) => r.at <= now);
  if (self.Notification?.permission === "granted") {
    for (const r of due) {
      if (shown.has(r.tag)) continue;
      shown.add(r.tag);
      if (now - r.at > STALE_MS) continue;
      await self.registration.showNotification(r.title, {
        body: r.body,
        tag: r.tag,
        icon: "/icons/icon-192.png",
        data: { url: r.url },
      });
    }
  }
  // Tags of reminders no longer scheduled (done, or the meeting moved) are forgotten.
  const live = new Set(schedule.map((r) => r.tag));
  await cache.put("/shown", new Response(JSON.stringify([...shown].filter((tag) => live.has(tag)))));
  if ("setAppBadge" in navigator) {
    await (due.length > 0 ? navigator.setAppBadge(due.length) : navigator.clearAppBadge()).catch(() => {});
  }
}

self.addEventListener("periodicsync", (event) => {
  if (event.tag === "reminders") event.waitUntil(checkReminders());
});

// A tap on a reminder opens its interview: in a window of the app already open, or a new one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url ?? "/", self.location.origin);
  if (url.origin !== self.location.origin) return;
  const opening = (async () => {
    const windows = await self.clients.matchAll({ type: "window" });
    for (const client of windows) {
      const navigated = await client.navigate(url.href).catch(() => null);
      if (navigated) {
        await navigated.focus().catch(() => {});
        return;
      }
    }
    await self.clients.openWindow(url.href);
  })();
  // A click dispatched by a script (as the tests do) can't extend its event; the work goes on.
  try {
    event.waitUntil(opening);
  } catch {
    opening.catch(() => {});
  }
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
