/* Shelfcount service worker: keeps the phone app usable with no signal.
 *
 * Served from /sw.js (scope "/") by webapp/pwa/views.py, which fills in SHELL below: the cache
 * version (a hash of every precached file, so each deploy gets a fresh cache) and the URLs to
 * precache. Rules (docs: STYLE.md 16):
 *   - static files: cache first (they are versioned with the worker);
 *   - pages: network first, then the copy kept when last seen online, then /offline;
 *   - never cached: anything but GET, non-OK or redirected answers, /api/, the session probe.
 *
 * A module worker (registered with type "module" by static/js/shell.js): it imports the page's
 * own outbox, so Background Sync flushes with exactly the page's rules. Static imports only
 * (service workers refuse import()). Module service workers: Chrome 91, Safari 15, Firefox 147;
 * where registration fails the app still works online and flushes whenever it is open.
 */
import { flush } from "./static/js/outbox.js";

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

// When a form was just posted, the page the server redirects to carries its answer (the
// "Item saved." message, the list without what was just handled): a kept copy must not stand
// in for it after a few seconds, however slow the network. The mark is the worker's memory
// of the POST it saw go by, used by the next navigation only.
let formPostedAt = 0;
const AFTER_POST_MS = 60000;

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    if (request.mode === "navigate") formPostedAt = Date.now();
    return;
  }
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

// Bumped at logout: a page fetched before it must not put the cache back after it was dropped
// (a background refresh of the screen the person logged out from answers after the logout).
let pagesEpoch = 0;

async function page(event) {
  const request = event.request;
  const epoch = pagesEpoch;
  // The exact page, else the same screen with other query parameters (e.g. ?session=): the
  // screens are shells that read what they show from IndexedDB.
  const cached = await caches.match(pageKey(request.url), { cacheName: PAGES_CACHE })
    || await caches.match(pageKey(request.url), { cacheName: PAGES_CACHE, ignoreSearch: true });
  const network = fetch(request).then(async (response) => {
    if (cacheable(response) && epoch === pagesEpoch) {
      const cache = await caches.open(PAGES_CACHE);
      await cache.put(pageKey(request.url), response.clone());
    }
    return response;
  });
  try {
    // In a back room with one bar of signal a request can hang for a minute; when a copy
    // exists, give the network a few seconds and then show the copy.
    const answeringPost = Date.now() - formPostedAt < AFTER_POST_MS;
    formPostedAt = 0;
    if (!cached || answeringPost) return await network;
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
  const epoch = pagesEpoch;
  const cache = await caches.open(PAGES_CACHE);
  await Promise.all(urls.map(async (url) => {
    // A kept page is refreshed whenever it is opened online; only missing ones are fetched here,
    // so opening the app does not download every screen again.
    if (await cache.match(pageKey(url))) return;
    try {
      const response = await fetch(new Request(url, { cache: "reload", credentials: "same-origin" }));
      if (cacheable(response) && epoch === pagesEpoch) await cache.put(pageKey(response.url), response);
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
    // The page waits for the answer before it logs out, so the next screen finds them gone.
    pagesEpoch += 1;
    const answer = event.ports && event.ports[0];
    event.waitUntil(caches.delete(PAGES_CACHE).finally(() => answer && answer.postMessage("forgotten")));
  }
});

// Background Sync (Chrome/Android): the browser wakes the worker when the phone has signal again,
// even with the app closed; the worker sends the outbox itself (the same IndexedDB, the same
// accepted/duplicate/rejected rules, one flush at a time across tabs and worker). Failing the
// event while the server is unreachable makes the browser retry later with its own backoff.
self.addEventListener("sync", (event) => {
  if (event.tag === "outbox") event.waitUntil(flushForSync());
});

async function flushForSync() {
  const outcome = await flush({ retry: false });
  if (outcome.unreachable) throw new Error(`outbox not sent, retry later: ${outcome.error || "unreachable"}`);
  // Logged out: the records wait for their owner's next login, which flushes them.
}

// ----- Web Push: low-stock alerts --------------------------------------------------------------
// The payload is what webapp/alerts/delivery.py send_push() builds: JSON {title, body, url}.
// An alert replaces the one before it (one tag), so a phone shows the latest, not a pile.
const PUSH_TAG = "shelfcount-alert";
const ICON = "/static/icons/icon-192.png";
// Android draws the status-bar badge from the alpha channel alone: white bars on transparent.
const BADGE = "/static/icons/badge-96.png";

self.addEventListener("push", (event) => {
  event.waitUntil(showAlert(readPush(event.data)));
});

function readPush(data) {
  if (!data) return {};
  try {
    const payload = data.json();
    return payload && typeof payload === "object" ? payload : {};
  } catch (err) {
    return { body: data.text() };            // not JSON: show the text as it came
  }
}

function text(value, fallback = "") {
  return typeof value === "string" && value.trim() ? value : fallback;
}

// Only a page of this app may be opened from a notification: anything else goes home.
function ownUrl(value) {
  try {
    const url = new URL(text(value, "/"), self.location.origin);
    if (url.origin === self.location.origin) return url.href;
  } catch (err) { /* not a URL */ }
  return new URL("/", self.location.origin).href;
}

function showAlert(payload) {
  // Notifications render text, never HTML, so names from Clover are safe here as they are.
  return self.registration.showNotification(text(payload.title, "Shelfcount"), {
    body: text(payload.body),
    tag: PUSH_TAG,
    renotify: true,                           // a new alert buzzes even though it replaces one
    icon: ICON,
    badge: BADGE,
    data: { url: ownUrl(payload.url) },
  });
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openFromNotification(ownUrl(event.notification.data && event.notification.data.url)));
});

async function openFromNotification(url) {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const same = windows.find((c) => c.url === url);
  if (same) return same.focus();
  const ours = windows.find((c) => new URL(c.url).origin === self.location.origin);
  if (ours) {
    try {
      const focused = await ours.focus();
      return await focused.navigate(url);
    } catch (err) { /* an uncontrolled tab cannot be navigated from here: open one */ }
  }
  return self.clients.openWindow(url);
}
