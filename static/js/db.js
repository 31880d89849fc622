// The phone's IndexedDB database: the outbox, the cached catalog and a few settings.
//
// Schema changes go in `upgrade` as one more `if (oldVersion < N)` step, so a phone that skipped
// versions still walks through every step in order. Never await anything but IndexedDB requests
// inside a transaction: it commits as soon as it has nothing queued (so no fetch in here).

const NAME = "shelfcount";
const VERSION = 1;

let opening = null;

function upgrade(db, oldVersion) {
  if (oldVersion < 1) {
    const outbox = db.createObjectStore("outbox", { keyPath: "id" });
    outbox.createIndex("by_user", "user_id");
    db.createObjectStore("items", { keyPath: "key" });           // `${store_id}:${item id}`
    const codes = db.createObjectStore("codes", { keyPath: "key" }); // `${store_id}:g:${gtin14}` or `:c:${code}`
    codes.createIndex("by_item", "item_key");
    db.createObjectStore("meta", { keyPath: "key" });
  }
}

export function openDb() {
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = (event) => upgrade(request.result, event.oldVersion);
      request.onsuccess = () => {
        const db = request.result;
        // Another tab upgraded the schema: let it, and reopen next time.
        db.onversionchange = () => { db.close(); opening = null; };
        resolve(db);
      };
      request.onerror = () => { opening = null; reject(request.error); };
      request.onblocked = () => reject(new Error("Close Shelfcount's other tabs to finish an update."));
    });
  }
  return opening;
}

export function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// Run `work(stores...)` in one transaction; resolves with its result once the transaction commits.
export async function transact(storeNames, mode, work) {
  const db = await openDb();
  const names = Array.isArray(storeNames) ? storeNames : [storeNames];
  const tx = db.transaction(names, mode);
  const finished = new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
  let result;
  try {
    result = await work(...names.map((n) => tx.objectStore(n)));
  } catch (err) {
    try { tx.abort(); } catch (e) { /* already finished */ }
    throw err;
  }
  await finished;
  return result;
}

export async function getMeta(key, fallback = null) {
  const row = await transact("meta", "readonly", (meta) => done(meta.get(key)));
  return row ? row.value : fallback;
}

export function setMeta(key, value) {
  return transact("meta", "readwrite", (meta) => done(meta.put({ key, value })));
}
