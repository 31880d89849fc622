// Flag damaged, expired or missing goods: scan, how many, why, a photo, done. The flag is an
// outbox event, so it works in a back room with no signal. Online the photo is uploaded as soon
// as it is chosen and the flag carries its id; with no signal it waits on the phone
// (photo-queue.js) and goes, attached to the flag, when the signal is back.
import * as catalog from "./catalog.js";
import * as outbox from "./outbox.js";
import * as photoQueue from "./photo-queue.js";
import { mount } from "./scanner.js";
import { csrfFromPage, currentSession } from "./session.js";
import * as unknown from "./unknown.js";

const $ = (id) => document.getElementById(id);
const form = $("damage-flag");
const itemLine = $("damage-item");
const qty = $("flag-qty");
const photoInput = $("flag-photo");
const photoStatus = $("flag-photo-status");
const status = $("flag-status");

let session = null;
let chosen = null;           // {item, code}
let photoIds = [];
let queuedPhoto = null;      // the client id of a photo kept for later
let uploading = null;

async function onScan(code, { format }) {
  const found = await catalog.resolve(session.store_id, code, format);
  if (!found.item) {
    chosen = null;
    await unknown.keep(session, { code: found.code, context: "damage",
      locationId: Number($("flag-location").value) });
    const text = unknown.warning(found.code, "flagged");
    itemLine.textContent = text;
    itemLine.className = "last-scan warn";
    return { text, tone: "warn" };
  }
  chosen = { item: found.item, code };
  itemLine.textContent = found.item.name;
  itemLine.className = "last-scan ok";
  qty.value = "1";
  return { text: found.item.name, tone: "ok" };
}

form.addEventListener("click", (event) => {
  const step = event.target.closest("button[data-step]");
  if (!step) return;
  const next = (Number.parseInt(qty.value, 10) || 0) + Number(step.dataset.step);
  qty.value = String(Math.max(1, next));
});

async function upload(file) {
  const body = new FormData();
  body.append("photo", file, file.name || "photo.jpg");
  const response = await fetch("/photos", { method: "POST", body, credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrfFromPage() } });
  if (!response.ok) throw await photoQueue.uploadError(response);
  return (await response.json()).id;
}

async function keepForLater(file, why = "No signal") {
  try {
    queuedPhoto = await photoQueue.add(session, file);
    photoStatus.textContent = `${why}: the photo waits on this phone and goes with the flag.`;
  } catch (err) {
    photoStatus.textContent = err.message;
    photoInput.value = "";
  }
}

photoInput.addEventListener("change", () => {
  const file = photoInput.files[0];
  photoIds = [];
  if (queuedPhoto) photoQueue.discard(queuedPhoto).catch(() => undefined);
  queuedPhoto = null;
  if (!file) return;
  if (!navigator.onLine) {
    uploading = keepForLater(file).finally(() => { uploading = null; });
    return;
  }
  photoStatus.textContent = "Sending the photo…";
  uploading = upload(file).then((id) => {
    photoIds = [id];
    photoStatus.textContent = "Photo attached.";
  }, (err) => {
    // The signal dropped on the way: keep it for later. A refusal is for the person to act on.
    if (err instanceof TypeError) return keepForLater(file);
    if (err instanceof photoQueue.TryLater) return keepForLater(file, "The server asked to wait");
    photoStatus.textContent = err.message;
    photoInput.value = "";
    return undefined;
  }).finally(() => { uploading = null; });
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!chosen) {
    status.textContent = "Scan the item first.";
    status.className = "error";
    return;
  }
  const quantity = Number.parseInt(qty.value, 10);
  const reason = form.querySelector("input[name=reason]:checked");
  if (!(quantity > 0) || !reason) {
    status.textContent = !reason ? "Choose a reason." : "Say how many.";
    status.className = "error";
    return;
  }
  if (uploading) await uploading;
  const name = chosen.item.name;
  const record = await outbox.add(session, {
    type: "damage", code: chosen.code, item_id: chosen.item.id, quantity, reason: reason.value,
    location_id: Number($("flag-location").value), note: $("flag-note").value, photo_ids: photoIds,
    photo_client_ids: queuedPhoto ? [queuedPhoto] : [],
  }, `Damage: ${quantity} × ${name} (${reason.value})`);
  if (queuedPhoto) await photoQueue.attach(queuedPhoto, record.id);
  status.textContent = `Flagged ${quantity} × ${name} as ${reason.value}.`;
  status.className = "ok";
  chosen = null;
  photoIds = [];
  queuedPhoto = null;
  form.reset();
  photoStatus.textContent = "";
  itemLine.textContent = "Scan the next item.";
  itemLine.className = "last-scan";
});

async function start() {
  session = await currentSession();
  await catalog.refresh(session.store_id).catch(() => undefined);
  photoQueue.watch($("photo-queue-status"), session.user_id, outbox.changes);
  window.shelfcountScanner = await mount($("damage-scanner"), { onScan });
  document.body.dataset.damageReady = "1";
}

start().catch((err) => {
  status.textContent = err.message;
  status.className = "error";
});
