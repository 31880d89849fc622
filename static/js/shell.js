// The phone shell, on every screen: service worker, outbox badge and flushing, logout guard,
// install hint. Load it once per page: <script type="module" src="/static/js/shell.js">.
import * as outbox from "./outbox.js";
import { currentSession } from "./session.js";
import { setUpInstallHint } from "./install.js";

const badge = document.getElementById("outbox-badge");
let userId = null;

// Photos taken with no signal wait in their own queue (photo-queue.js), loaded only when needed.
const photoQueue = () => import("./photo-queue.js");
// The catalog, so that a screen kept for offline use (count, damage) resolves scans even when
// the app was only ever opened on another page.
const catalog = () => import("./catalog.js");

async function photosWaiting() {
  if (userId === null) return 0;
  try {
    return await (await photoQueue()).waiting(userId);
  } catch (err) {
    return 0;                                 // no IndexedDB: no photo can be waiting either
  }
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function offlinePages() {
  const meta = document.querySelector('meta[name="offline-pages"]');
  return (meta ? meta.content : "").split(" ").filter(Boolean);
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    // A module worker: it imports the outbox to flush it on Background Sync. updateViaCache
    // "none": a deploy's new modules reach the worker, not yesterday's from the HTTP cache.
    await navigator.serviceWorker.register("/sw.js", { scope: "/", type: "module", updateViaCache: "none" });
    const pages = offlinePages();
    const registration = await navigator.serviceWorker.ready;
    if (pages.length && registration.active) {
      registration.active.postMessage({ type: "keep-pages", urls: pages });
    }
  } catch (err) {
    // No worker (private mode, old browser): the app still works online.
  }
}

// Safari may clear what a website stores after days without use, outbox included: ask to keep
// it (granted or not, silently), and warn on the home screen when scans have waited over a day.
const STALE_MS = 24 * 60 * 60 * 1000;

async function keepStorage() {
  try {
    if (navigator.storage && navigator.storage.persist && !(await navigator.storage.persisted())) {
      await navigator.storage.persist();
    }
  } catch (err) { /* not offered here: nothing to do */ }
}

async function warnIfStale() {
  const warning = document.getElementById("outbox-stale");
  if (!warning || userId === null) return;
  const cutoff = Date.now() - STALE_MS;
  const old = (await outbox.all()).filter((r) => r.user_id === userId && r.created_ms < cutoff).length;
  warning.hidden = old === 0;
  warning.textContent = old ? `${plural(old, "scan")} ${old === 1 ? "has" : "have"} waited on this phone `
    + "for over a day. Open Shelfcount where there is signal so they reach the server: a phone "
    + "may delete what an app stores when it is not used for days." : "";
}

export async function updateBadge() {
  if (!badge || userId === null) return;
  const { pending, rejected } = await outbox.summary(userId);
  const photos = await photosWaiting();
  const total = pending + rejected;
  badge.hidden = total === 0 && photos === 0;
  badge.textContent = [total ? `${total} to sync` : "", rejected ? `${rejected} refused` : "",
    photos ? `${plural(photos, "photo")} waiting` : ""].filter(Boolean).join(" · ");
  badge.classList.toggle("has-rejected", rejected > 0);
  badge.title = rejected
    ? "Some scans were refused by the server; open the outbox to fix or discard them."
    : "Scans and photos on this phone that have not reached the server yet.";
}

// At logout the service worker drops the kept screens (and ignores any fetched before); the
// logout waits for it to say so, up to two seconds, so the login screen after it never races it.
function forgetPages() {
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return Promise.resolve();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    setTimeout(resolve, 2000);
    worker.postMessage({ type: "forget-pages" }, [channel.port2]);
  });
}

// Logging out (or switching user) never drops the outbox or the waiting photos; it warns when
// something is unsent. Both wait on the phone for their owner's next log-in here.
function guardLogout() {
  const form = document.getElementById("logout-form");
  if (!form) return;
  form.addEventListener("submit", async (event) => {
    if (form.dataset.confirmed) return;
    event.preventDefault();
    let left = { pending: 0, rejected: 0 };
    try {
      await outbox.flush();
      if (userId !== null) left = await outbox.summary(userId);
    } catch (err) { /* decide with what we know */ }
    try {
      await (await photoQueue()).drain();
    } catch (err) { /* counted below all the same */ }
    const photos = await photosWaiting();
    const unsent = left.pending + left.rejected;
    const what = [unsent ? plural(unsent, "scan") : "", photos ? plural(photos, "photo") : ""]
      .filter(Boolean).join(" and ");
    if (what && !window.confirm(`${what} ${unsent + photos === 1 ? "has" : "have"} not reached the `
        + "server yet. They stay on this phone and are sent when you log in here again. Log out anyway?")) {
      return;
    }
    await forgetPages();
    form.dataset.confirmed = "1";
    form.requestSubmit();
  });
}

async function start() {
  registerWorker();
  guardLogout();
  setUpInstallHint();
  if (!badge) return;                         // not logged in: nothing to sync
  let session;
  try {
    session = await currentSession();
    userId = session.user_id;
  } catch (err) {
    return;
  }
  // The badge is the way to what waits: tap it to see, fix or discard.
  badge.setAttribute("role", "link");
  badge.tabIndex = 0;
  const openOutbox = () => { if (location.pathname !== "/outbox") location.assign("/outbox"); };
  badge.addEventListener("click", openOutbox);
  badge.addEventListener("keydown", (e) => { if (e.key === "Enter") openOutbox(); });
  outbox.changes.addEventListener("change", updateBadge);
  outbox.changes.addEventListener("change", warnIfStale);
  keepStorage();
  await updateBadge();
  await warnIfStale();
  // No Background Sync in Safari: the outbox goes when the app opens (below), comes back online
  // or to the front, and on the outbox's own retries.
  window.addEventListener("online", () => outbox.flush());
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && navigator.onLine) outbox.flush();
  });
  const syncNow = document.querySelectorAll("[data-sync-now]");
  syncNow.forEach((button) => button.addEventListener("click", () => outbox.flush()));
  outbox.flush();
  if (navigator.onLine && offlinePages().length) {
    // Changes only (ETag, ?since=): usually a 304. Offline, the phone keeps what it has.
    catalog().then((c) => c.refresh(session.store_id)).catch(() => undefined);
  }
  // Photos taken offline (damage, arrival marks) go when there is signal, from any screen.
  photoQueue().then((q) => {
    q.changes.addEventListener("change", updateBadge);
    q.sendInBackground(outbox.changes);
    updateBadge();
  }).catch(() => undefined);
}

export const ready = start();
