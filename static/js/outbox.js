// The outbox: every event made on this phone waits here, one IndexedDB record per event keyed by
// its client UUID, until the server has answered `accepted` or `duplicate` for it (the sync
// contract in DESIGN.md). A `rejected` record stays, visible with the server's message, until
// the user fixes it (it is sent again) or discards it. Nothing else ever deletes a record.
//
// Records belong to the user who made them. A flush sends only the logged-in user's records;
// another user's stay on the phone and go when that user logs in here again, because the
// server attributes events to the session that sends them.
import { done, transact } from "./db.js";
import { deviceId, fetchSession, LoggedOut, sessionForSync, Unreachable } from "./session.js";

const SYNC_URL = "/api/v1/sync";
const BATCH = 500;                      // the server takes up to 1,000 per request
const BACKOFF_MS = [2000, 5000, 15000, 30000, 60000, 120000, 300000];
const FLUSH_LOCK = "shelfcount-outbox-flush";

export const changes = new EventTarget();   // "change" after any write, in this tab or another
const channel = "BroadcastChannel" in self ? new BroadcastChannel("shelfcount-outbox") : null;
if (channel) channel.onmessage = () => changes.dispatchEvent(new Event("change"));

function changed() {
  changes.dispatchEvent(new Event("change"));
  if (channel) channel.postMessage("change");
}

let seq = 0;

// Add one event. `event` holds the type's own fields (type, location_id, code, quantity...);
// id, occurred_at and store_id are filled in. `label` is what the outbox list shows.
export async function add(session, event, label = "") {
  const id = crypto.randomUUID();
  const record = {
    id,
    user_id: session.user_id,
    username: session.username,
    status: "pending",
    created_ms: Date.now(),
    seq: seq++,
    attempts: 0,
    error: null,
    label,
    event: { occurred_at: new Date().toISOString(), store_id: session.store_id, ...event, id },
  };
  await transact("outbox", "readwrite", (store) => done(store.add(record)));
  changed();
  // Online, this page sends it shortly; offline, the browser wakes the service worker to send it
  // when the signal returns (Background Sync), even if the app is closed by then.
  if (navigator.onLine) flushSoon();
  else requestBackgroundSync();
  return record;
}

let soon = null;

// Scans come in bursts: send them together, shortly after the last one, while online.
function flushSoon() {
  clearTimeout(soon);
  soon = setTimeout(() => flush(), 800);
}

export function all() {
  return transact("outbox", "readonly", (store) => done(store.getAll()))
    .then((rows) => rows.sort(byTime));
}

function byTime(a, b) {
  return a.event.occurred_at.localeCompare(b.event.occurred_at) || a.created_ms - b.created_ms
    || a.seq - b.seq;
}

export async function summary(userId) {
  const rows = await all();
  const mine = rows.filter((r) => r.user_id === userId);
  return {
    pending: mine.filter((r) => r.status === "pending").length,
    rejected: mine.filter((r) => r.status === "rejected").length,
    others: rows.length - mine.length,
  };
}

// Fix a rejected record (e.g. a quantity) and queue it again under the same id.
export async function amend(id, fields) {
  await transact("outbox", "readwrite", async (store) => {
    const record = await done(store.get(id));
    if (!record) return;
    record.event = { ...record.event, ...fields, id: record.id };
    record.status = "pending";
    record.error = null;
    await done(store.put(record));
  });
  changed();
}

// Only on the user's explicit word, for a record the server refused.
export async function discard(id) {
  await transact("outbox", "readwrite", (store) => done(store.delete(id)));
  changed();
}

// ----- flushing ---------------------------------------------------------------------------

let flushing = null;
let failures = 0;
let retryTimer = null;
export const status = { lastError: null, lastSyncedAt: null, nextRetryAt: null };

// Send the logged-in user's pending records. Single-flight: a call during a flush joins it, and
// across tabs and the service worker (which imports this module for Background Sync) a Web Lock
// lets one flush run at a time, so a record is not posted twice at once. `retry: false` (the
// service worker, whose timers die with it) leaves retrying to the caller.
// Resolves {sent, rejected, unreachable, loggedOut, error}.
export function flush({ retry = true } = {}) {
  if (!flushing) {
    const run = () => runFlush(retry);
    flushing = ("locks" in navigator ? navigator.locks.request(FLUSH_LOCK, run) : run())
      .finally(() => { flushing = null; });
  }
  return flushing;
}

async function runFlush(retry) {
  const outcome = { sent: 0, rejected: 0, unreachable: false, loggedOut: false, error: null };
  try {
    const device = await deviceId();
    let session = await sessionForSync();
    for (let asked = false; ;) {
      try {
        await sendAll(session, device, outcome);
        break;
      } catch (err) {
        // The kept token belongs to a server session that has since ended (a log-out, or a
        // log-in as someone): ask who is here now, once, and send only their records.
        if (!(err instanceof StaleSession) || asked) throw err;
        asked = true;
        session = await fetchSession();
      }
    }
    failures = 0;
    status.lastError = null;
    status.lastSyncedAt = new Date();
    clearRetry();
  } catch (err) {
    outcome.error = err.message;
    status.lastError = err.message;
    if (err instanceof LoggedOut) {
      outcome.loggedOut = true;
    } else {
      outcome.unreachable = true;
      if (retry) {
        scheduleRetry();
        requestBackgroundSync();    // in case the app is closed before a retry gets through
      }
    }
  }
  changed();
  return outcome;
}

class StaleSession extends Unreachable {}

async function sendAll(session, device, outcome) {
  const pending = (await all()).filter((r) => r.user_id === session.user_id && r.status === "pending");
  for (let i = 0; i < pending.length; i += BATCH) {
    const batch = pending.slice(i, i + BATCH);
    const results = await post(session, device, batch, backlogAfter(pending.slice(i + BATCH)));
    const tally = await applyResults(batch, results);
    outcome.sent += tally.sent;
    outcome.rejected += tally.rejected;
  }
}

// What this phone still holds besides the batch being sent: the manager's dashboard lists a
// device whose events have waited over an hour, as it said at its last sync.
function backlogAfter(rest) {
  if (!rest.length) return { count: 0, oldest_at: null };
  const oldest = rest.reduce((min, r) => (r.event.occurred_at < min ? r.event.occurred_at : min),
                             rest[0].event.occurred_at);
  return { count: rest.length, oldest_at: oldest };
}

async function post(session, device, batch, backlog) {
  const body = JSON.stringify({
    device_id: device,
    device_time: new Date().toISOString(),
    events: batch.map((r) => r.event),
    backlog,
  });
  let response;
  try {
    response = await fetch(SYNC_URL, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": session.csrf_token },
      body,
    });
  } catch (err) {
    throw new Unreachable("The server cannot be reached.");
  }
  if (response.status === 401) throw new LoggedOut("Log in to sync.");
  if (!response.ok) {
    // A whole-request failure (server down, or a request the server calls malformed): every
    // record stays pending and we try again later. Per-event problems come back as `rejected`.
    let message = `The server answered ${response.status}.`;
    let code = null;
    try {
      const { error } = await response.json();
      message = error.message || message;
      code = error.code;
    } catch (e) { /* not JSON */ }
    throw new (code === "csrf_failed" ? StaleSession : Unreachable)(message);
  }
  const data = await response.json();
  return Array.isArray(data.results) ? data.results : [];
}

// One transaction, after the response is fully read: delete what the server has, mark refusals.
async function applyResults(batch, results) {
  const byId = new Map(results.map((r) => [r.id, r]));
  const tally = { sent: 0, rejected: 0 };
  await transact("outbox", "readwrite", async (store) => {
    for (const record of batch) {
      const result = byId.get(record.id);
      if (!result) continue;                        // no answer for it: stays pending
      if (result.status === "accepted" || result.status === "duplicate") {
        await done(store.delete(record.id));
        tally.sent += 1;
      } else if (result.status === "rejected") {
        const current = await done(store.get(record.id));
        // Amended while the request was in flight: keep the newer version pending.
        if (!current || JSON.stringify(current.event) !== JSON.stringify(record.event)) continue;
        current.status = "rejected";
        current.attempts += 1;
        current.error = result.error || { code: "rejected", message: "The server refused this.", field: null };
        await done(store.put(current));
        tally.rejected += 1;
      }
    }
  });
  return tally;
}

function scheduleRetry() {
  clearRetry();
  const base = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
  failures += 1;
  const delay = base / 2 + Math.random() * base / 2;   // jitter: a store's phones do not retry in step
  status.nextRetryAt = new Date(Date.now() + delay);
  retryTimer = setTimeout(() => { retryTimer = null; flush(); }, delay);
}

function clearRetry() {
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  status.nextRetryAt = null;
}

// In a page only: the service worker's own failed sync is retried by the browser.
async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register("outbox");
  } catch (err) {
    // No Background Sync here (Safari, Firefox): `online`, app start and retries cover it.
  }
}
