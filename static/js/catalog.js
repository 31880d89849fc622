// The store's catalog kept on the phone, so a scan resolves to an item with no signal.
// Filled from GET /api/v1/catalog?since=<next_since> (changes only; ETag for "nothing new").
import { done, getMeta, setMeta, transact } from "./db.js";
import { normalise } from "./codes.js";

const URL_BASE = "/api/v1/catalog";

const itemKey = (storeId, id) => `${storeId}:${id}`;
const gtinKey = (storeId, gtin14) => `${storeId}:g:${gtin14}`;
const codeKey = (storeId, code) => `${storeId}:c:${code}`;

const inflight = new Map();

// Fetch what changed since the last refresh. Resolves {changed}; rejects when offline, which
// callers treat as "use what the phone has".
export function refresh(storeId) {
  if (!inflight.has(storeId)) {
    inflight.set(storeId, load(storeId).finally(() => inflight.delete(storeId)));
  }
  return inflight.get(storeId);
}

async function load(storeId) {
  const state = (await getMeta(`catalog:${storeId}`)) || { since: null, etag: null, updated_at: null };
  const url = state.since ? `${URL_BASE}?since=${encodeURIComponent(state.since)}` : URL_BASE;
  const headers = { Accept: "application/json" };
  if (state.etag) headers["If-None-Match"] = state.etag;
  const response = await fetch(url, { headers, credentials: "same-origin", cache: "no-cache" });
  if (response.status === 304) {
    await setMeta(`catalog:${storeId}`, { ...state, updated_at: new Date().toISOString() });
    return { changed: 0 };
  }
  if (!response.ok) throw new Error(`The catalog could not be loaded (${response.status}).`);
  const body = await response.json();
  const items = Array.isArray(body.items) ? body.items : [];
  await store(storeId, items, !state.since);
  await setMeta(`catalog:${storeId}`, {
    since: body.next_since || state.since,
    etag: response.headers.get("ETag"),
    updated_at: new Date().toISOString(),
  });
  return { changed: items.length };
}

// Replace each changed item and its codes in one transaction; inactive items are dropped.
// A full download (no `since`) replaces the store's whole catalog. Requests are queued without
// awaiting each one: IndexedDB runs them in the order they were made, and waiting for each in
// turn made a 50,000-item store's first fill take most of a minute.
async function store(storeId, items, full) {
  const range = IDBKeyRange.bound(`${storeId}:`, `${storeId}:\uffff`);
  await transact(["items", "codes"], "readwrite", async (itemStore, codeStore) => {
    if (full) {
      itemStore.delete(range);
      codeStore.delete(range);
    } else {
      const byItem = codeStore.index("by_item");
      const old = await Promise.all(items.map((item) => done(byItem.getAllKeys(itemKey(storeId, item.id)))));
      for (const keys of old) for (const key of keys) codeStore.delete(key);
    }
    for (const item of items) {
      const key = itemKey(storeId, item.id);
      if (item.active === false) {
        if (!full) itemStore.delete(key);
        continue;
      }
      itemStore.put({ key, store_id: storeId, ...item });
      for (const barcode of item.barcodes || []) {
        const entry = { item_key: key, item_id: item.id, code: barcode.code, pack_qty: barcode.pack_qty || 1 };
        codeStore.put({ ...entry, key: codeKey(storeId, barcode.code) });
        if (barcode.gtin14) codeStore.put({ ...entry, key: gtinKey(storeId, barcode.gtin14) });
      }
    }
  });
}

// A scanned or typed code -> {item, pack_qty, code, gtin14} or {item: null, code, gtin14}.
// The code as printed wins, then its GTIN-14 (so a UPC-A label finds an EAN-13 barcode).
export async function resolve(storeId, text, format = null) {
  const { raw, gtin14 } = normalise(text, format);
  // A phone that has never held the catalog waits for its first download rather than calling
  // every early scan unknown; later refreshes run behind the scanning.
  if (inflight.has(storeId) && !((await getMeta(`catalog:${storeId}`)) || {}).updated_at) {
    await inflight.get(storeId).catch(() => undefined);
  }
  let found = await lookUp(storeId, raw, gtin14);
  // Not here, but a manager may have just added it (an unknown code linked, a new item): when
  // online, ask for what changed and look again before calling it unknown. Bounded: a stuck
  // scanner repeating a coupon asks at most every REFRESH_AGAIN_MS, and waits at most
  // REFRESH_WAIT_MS (a weak signal must not stall the scanning).
  if (!found && navigator.onLine && await refreshedLongAgo(storeId)) {
    const fresh = await Promise.race([
      refresh(storeId).then(() => true, () => false),
      new Promise((resolve) => setTimeout(() => resolve(false), REFRESH_WAIT_MS)),
    ]);
    if (fresh) found = await lookUp(storeId, raw, gtin14);
  }
  // `barcode` is the code as the catalog stores it: what to send the server for this scan.
  return { code: raw, gtin14, item: found ? found.item : null, pack_qty: found ? found.pack_qty : 1,
           barcode: found ? found.barcode : raw };
}

const REFRESH_AGAIN_MS = 10000;
const REFRESH_WAIT_MS = 2500;

async function refreshedLongAgo(storeId) {
  const state = (await getMeta(`catalog:${storeId}`)) || {};
  return !state.updated_at || Date.now() - Date.parse(state.updated_at) > REFRESH_AGAIN_MS;
}

function lookUp(storeId, raw, gtin14) {
  return transact(["items", "codes"], "readonly", async (itemStore, codeStore) => {
    let entry = await done(codeStore.get(codeKey(storeId, raw)));
    if (!entry && gtin14) entry = await done(codeStore.get(gtinKey(storeId, gtin14)));
    if (!entry) return null;
    const item = await done(itemStore.get(entry.item_key));
    return item ? { item, pack_qty: entry.pack_qty, barcode: entry.code } : null;
  });
}

export async function getItem(storeId, id) {
  return transact("items", "readonly", (items) => done(items.get(itemKey(storeId, id))));
}

export async function info(storeId) {
  const state = (await getMeta(`catalog:${storeId}`)) || {};
  const count = await transact("items", "readonly",
    (items) => done(items.count(IDBKeyRange.bound(`${storeId}:`, `${storeId}:\uffff`))));
  return { count, updated_at: state.updated_at || null };
}
