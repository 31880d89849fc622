// Photos taken with no signal: shrunk on the phone, kept as Blobs in their own IndexedDB
// database, sent to POST /photos when the phone is back online.
//
// Each photo is named by its own UUID (client_id) and, once its damage flag or arrival mark is
// in the outbox, by that event's id (event_id). The event lists the photo's UUID in
// photo_client_ids, so the server attaches the photo whichever of the two reaches it first,
// and a photo sent twice (an answer lost on a bad line) is stored once.
//
// Bounded: photos are downscaled to MAX_SIDE px JPEG before they are stored (a 12 MP photo is
// a few MB; this is a few hundred kB), and at most MAX_WAITING wait on the phone.
import { fetchSession, LoggedOut } from "./session.js";

const NAME = "shelfcount-photos";
const VERSION = 1;
export const MAX_SIDE = 1600;
export const MAX_WAITING = 20;
const QUALITY = 0.85;
const MAX_ORIGINAL_BYTES = 15 * 1024 * 1024;   // the server's UPLOAD_MAX_BYTES default
const UNATTACHED_MS = 6 * 60 * 60 * 1000;       // chosen, never flagged: dropped after 6 hours
const RETRY_MS = 30000;
const MAX_RETRY_MS = 10 * 60 * 1000;

// The server said "not now" (429: more photos than a minute allows). The photo is kept and
// sent later, never dropped: the screens queue it as they do when the signal drops.
export class TryLater extends Error {}

// The error a refused upload throws: a TryLater on 429, else the server's message.
export async function uploadError(response) {
  let message = `The photo was refused (${response.status}).`;
  try { message = (await response.json()).error.message; } catch (err) { /* not JSON */ }
  return response.status === 429 ? new TryLater(message) : new Error(message);
}

// How long the server asked us to wait (Retry-After, in seconds), else RETRY_MS.
function retryAfterMs(response) {
  const seconds = Number.parseInt(response.headers.get("Retry-After") || "", 10);
  if (!(seconds > 0)) return RETRY_MS;
  return Math.min(MAX_RETRY_MS, seconds * 1000);
}

export const changes = new EventTarget();
const channel = "BroadcastChannel" in self ? new BroadcastChannel("shelfcount-photos") : null;
if (channel) channel.onmessage = () => changes.dispatchEvent(new Event("change"));

function changed() {
  changes.dispatchEvent(new Event("change"));
  if (channel) channel.postMessage("change");
}

let opening = null;

function open() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = () => {
        const photos = request.result.createObjectStore("photos", { keyPath: "id" });
        photos.createIndex("by_user", "user_id");
      };
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => { db.close(); opening = null; };
        resolve(db);
      };
      request.onerror = () => { opening = null; reject(request.error); };
    });
  }
  return opening;
}

// One request in its own transaction; resolves when the transaction has committed.
async function run(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("photos", mode);
    let result;
    const request = work(tx.objectStore("photos"));
    request.onsuccess = () => { result = request.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("The photo could not be kept on this phone."));
  });
}

const all = () => run("readonly", (store) => store.getAll());
const put = (record) => run("readwrite", (store) => store.put(record));
const remove = (id) => run("readwrite", (store) => store.delete(id));

// A JPEG no larger than MAX_SIDE on its long side, upright. A format this browser cannot
// decode (HEIC on some phones) is kept as it is, if the server would take it.
export async function shrink(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch (err) {
    if (file.size > MAX_ORIGINAL_BYTES) throw new Error("This photo is too large to keep offline; take it again.");
    return file;
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  if (typeof OffscreenCanvas !== "undefined") {
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
    return canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY });
  }
  const canvas = Object.assign(document.createElement("canvas"), { width, height });
  canvas.getContext("2d").drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return new Promise((resolve, reject) => canvas.toBlob(
    (blob) => (blob ? resolve(blob) : reject(new Error("The photo could not be shrunk; take it again."))),
    "image/jpeg", QUALITY));
}

// Keep a photo for later; resolves its client id. Refuses when MAX_WAITING already wait.
export async function add(session, file) {
  await prune();
  const waitingNow = (await all()).length;
  if (waitingNow >= MAX_WAITING) {
    throw new Error(`${waitingNow} photos are already waiting for a signal; `
      + "connect to send them before taking more.");
  }
  const blob = await shrink(file);
  const record = {
    id: crypto.randomUUID(), user_id: session.user_id, store_id: session.store_id, event_id: null,
    blob, created_ms: Date.now(), error: null,
  };
  await put(record);
  changed();
  return record.id;
}

// The flag or mark the photo belongs to is in the outbox: the photo may go now.
export async function attach(photoId, eventId) {
  const record = await run("readonly", (store) => store.get(photoId));
  if (!record) return;
  record.event_id = eventId;
  await put(record);
  changed();
  drainSoon();
}

// A photo chosen and then replaced or abandoned before its flag was made.
export async function discard(photoId) {
  await remove(photoId);
  changed();
}

async function prune() {
  const now = Date.now();
  for (const record of await all()) {
    if (!record.event_id && now - record.created_ms > UNATTACHED_MS) await remove(record.id);
  }
}

export async function waiting(userId) {
  return (await all()).filter((r) => r.user_id === userId && r.event_id).length;
}

export const status = { lastError: null };

let draining = null;
let retryTimer = null;
let soon = null;

function drainSoon() {
  clearTimeout(soon);
  soon = setTimeout(() => drain(), 300);
}

// Send the logged-in user's photos whose flag is made. Single-flight.
export function drain() {
  if (!draining) draining = runDrain().finally(() => { draining = null; });
  return draining;
}

async function runDrain() {
  const outcome = { sent: 0, refused: 0, unreachable: false };
  if (!navigator.onLine) return { ...outcome, unreachable: true };
  if (!(await all()).some((r) => r.event_id)) return outcome;     // nothing to send: ask nobody
  let session;
  try {
    session = await fetchSession();
  } catch (err) {
    if (!(err instanceof LoggedOut)) retryLater();
    return { ...outcome, unreachable: true };
  }
  const mine = (await all()).filter((r) => r.user_id === session.user_id && r.event_id);
  for (const record of mine) {
    const body = new FormData();
    body.append("photo", record.blob, `${record.id}.jpg`);
    body.append("client_id", record.id);
    body.append("event_id", record.event_id);
    let response;
    try {
      response = await fetch("/photos", { method: "POST", body, credentials: "same-origin", cache: "no-store",
        headers: { Accept: "application/json", "X-CSRFToken": session.csrf_token } });
    } catch (err) {
      retryLater();
      outcome.unreachable = true;
      break;
    }
    if (response.ok) {
      await remove(record.id);
      outcome.sent += 1;
    } else if (response.status >= 400 && response.status < 500 && ![401, 408, 429].includes(response.status)) {
      // The server will never take this one (not a photo, too large, not your flag): say so, drop it.
      let message = `A waiting photo was refused (${response.status}).`;
      try { message = `A waiting photo was refused: ${(await response.json()).error.message}`; } catch (e) { /* */ }
      status.lastError = message;
      await remove(record.id);
      outcome.refused += 1;
    } else {
      // 401, 408, 429 or the server's own trouble: keep it, and try again when it says.
      retryLater(response.status === 429 ? retryAfterMs(response) : RETRY_MS);
      outcome.unreachable = true;
      break;
    }
  }
  if (outcome.sent || outcome.refused) changed();
  return outcome;
}

function retryLater(ms = RETRY_MS) {
  if (retryTimer) return;
  retryTimer = setTimeout(() => { retryTimer = null; drain(); }, ms);
}

let sending = false;

// Send waiting photos now and whenever the phone is back online or the outbox has just synced.
// The shell calls this on every screen, so photos do not wait for the damage screen to be open.
export function sendInBackground(outboxChanges = null) {
  if (sending) return;
  sending = true;
  window.addEventListener("online", () => drain());
  if (outboxChanges) outboxChanges.addEventListener("change", () => drainSoon());
  drain().catch(() => undefined);
}

// Keep `element` saying how many photos wait ("1 photo waiting"), and send them.
export function watch(element, userId, outboxChanges = null) {
  const update = async () => {
    const n = await waiting(userId).catch(() => 0);
    element.hidden = n === 0 && !status.lastError;
    element.textContent = [n ? `${n} photo${n === 1 ? "" : "s"} waiting` : "", status.lastError || ""]
      .filter(Boolean).join(" · ");
  };
  changes.addEventListener("change", update);
  update();
  sendInBackground(outboxChanges);
}
