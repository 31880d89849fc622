/* Shelfcount service worker: keeps the phone app usable with no signal.
 *
 * Served from /sw.js (scope "/") by webapp/pwa/views.py, which fills in SHELL below: the cache
 * version (a hash of every precached file, so each deploy gets a fresh cache) and the URLs to
 * precache. Rules (docs: STYLE.md 16):
 *   - static files: cache first (they are versioned with the worker);
 *   - pages: network first, then the copy kept when last seen online, then /offline;
 *   - never cached: anything but GET, non-OK or redirected answers, /api/, the session probe.
 */
const SHELL = /*SHELL*/{}/*END*/;
const VERSION = SHELL.version || "dev";
const STATIC_CACHE = `shelfcount-static-${VERSION}`;
// Pages hold a user's screens; they survive a deploy (their scripts are looked up by fixed URLs)
// and are dropped at logout. Bump the suffix only if the way pages are stored changes.
const PAGES_CACHE = "shelfcount-pages-1";
const NETWORK_ONLY = ["/api/", "/pwa/session", "/sw.js", "/logout", "/login"];
const PAGE_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    // cache: 'reload' skips the HTTP cache, so the new version is not filled with old bytes;
    // no cookies, so the offline page is nobody's (it is shown to whoever is on the phone).
    await cache.addAll((SHELL.urls || []).map((url) => new Request(url, { cache: "reload", credentials: "omit" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const keep = new Set([STATIC_CACHE, PAGES_CACHE]);
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith("shelfcount-") && !keep.has(n))
      .map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NETWORK_ONLY.some((p) => url.pathname.startsWith(p))) return;
  if (request.mode === "navigate") {
    event.respondWith(page(event));
  } else if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.webmanifest") {
    event.respondWith(staticFile(request));
  }
});

function cacheable(response) {
  return response && response.ok && !response.redirected && response.type === "basic";
}

async function staticFile(request) {
  const cache = await caches.open(STATIC_CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const response = await fetch(request);
  if (cacheable(response)) await cache.put(request, response.clone());
  return response;
}

async function page(event) {
  const request = event.request;
  // The exact page, else the same screen with other query parameters (e.g. ?session=): the
  // screens are shells that read what they show from IndexedDB.
  const cached = await caches.match(pageKey(request.url), { cacheName: PAGES_CACHE })
    || await caches.match(pageKey(request.url), { cacheName: PAGES_CACHE, ignoreSearch: true });
  const network = fetch(request).then(async (response) => {
    if (cacheable(response)) {
      const cache = await caches.open(PAGES_CACHE);
      await cache.put(pageKey(request.url), response.clone());
    }
    return response;
  });
  try {
    // In a back room with one bar of signal a request can hang for a minute; when a copy
    // exists, give the network a few seconds and then show the copy.
    if (!cached) return await network;
    event.waitUntil(network.catch(() => undefined));
    return await Promise.race([
      network,
      new Promise((resolve) => setTimeout(() => resolve(cached), PAGE_TIMEOUT_MS)),
    ]);
  } catch (err) {
    if (cached) return cached;
    const offline = await caches.match("/offline", { cacheName: STATIC_CACHE });
    return offline || Response.error();
  }
}

function pageKey(url) {
  const u = new URL(url);
  return u.origin + u.pathname + u.search;
}

async function keepPages(urls) {
  const cache = await caches.open(PAGES_CACHE);
  await Promise.all(urls.map(async (url) => {
    // A kept page is refreshed whenever it is opened online; only missing ones are fetched here,
    // so opening the app does not download every screen again.
    if (await cache.match(pageKey(url))) return;
    try {
      const response = await fetch(new Request(url, { cache: "reload", credentials: "same-origin" }));
      if (cacheable(response)) await cache.put(pageKey(response.url), response);
    } catch (err) {
      // Offline now: the page is kept the next time it is opened online.
    }
  }));
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep-pages" && Array.isArray(data.urls)) {
    const own = data.urls.filter((u) => typeof u === "string" && u.startsWith("/"));
    event.waitUntil(keepPages(own.map((u) => new URL(u, self.location.origin).href)));
  } else if (data.type === "forget-pages") {
    // At logout: the next person on this phone must not see the last one's screens.
    event.waitUntil(caches.delete(PAGES_CACHE));
  }
});

// Background Sync (Chrome/Android): the outbox lives in the page's modules, so the worker asks
// an open page to flush it. With no page open it fails the sync, and the browser retries later;
// the app also flushes at every start.
self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(askAPageToFlush());
});

async function askAPageToFlush() {
  const pages = await self.clients.matchAll({ type: "window" });
  if (!pages.length) throw new Error("no open page to flush the outbox; retry later");
  const reply = await new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => reject(new Error("the page did not answer")), 60000);
    channel.port1.onmessage = (e) => { clearTimeout(timer); resolve(e.data); };
    pages[0].postMessage({ type: "flush-outbox" }, [channel.port2]);
  });
  if (!reply || reply.unreachable) throw new Error("server unreachable; retry later");
}
