// Flag damaged, expired or missing goods: scan, how many, why, a photo, done. The flag is an
// outbox event, so it works in a back room with no signal; the photo is uploaded as soon as it
// is chosen (it needs a connection) and the flag carries its id.
import * as catalog from "./catalog.js";
import * as outbox from "./outbox.js";
import { mount } from "./scanner.js";
import { csrfFromPage, currentSession } from "./session.js";

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
let uploading = null;

async function onScan(code, { format }) {
  const found = await catalog.resolve(session.store_id, code, format);
  if (!found.item) {
    itemLine.textContent = `Unknown code ${found.code}: not in the catalog.`;
    itemLine.className = "last-scan warn";
    return { text: `Unknown code ${found.code}`, tone: "warn" };
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
  if (!response.ok) {
    let message = `The photo was refused (${response.status}).`;
    try { message = (await response.json()).error.message; } catch (err) { /* not JSON */ }
    throw new Error(message);
  }
  return (await response.json()).id;
}

photoInput.addEventListener("change", () => {
  const file = photoInput.files[0];
  photoIds = [];
  if (!file) return;
  if (!navigator.onLine) {
    photoStatus.textContent = "No signal: the photo cannot be sent now. Flag without it, or wait.";
    return;
  }
  photoStatus.textContent = "Sending the photo…";
  uploading = upload(file).then((id) => {
    photoIds = [id];
    photoStatus.textContent = "Photo attached.";
  }, (err) => {
    photoStatus.textContent = err.message;
    photoInput.value = "";
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
  await outbox.add(session, {
    type: "damage", code: chosen.code, item_id: chosen.item.id, quantity, reason: reason.value,
    location_id: Number($("flag-location").value), note: $("flag-note").value, photo_ids: photoIds,
  }, `Damage: ${quantity} × ${name} (${reason.value})`);
  status.textContent = `Flagged ${quantity} × ${name} as ${reason.value}.`;
  status.className = "ok";
  chosen = null;
  photoIds = [];
  form.reset();
  itemLine.textContent = "Scan the next item.";
  itemLine.className = "last-scan";
});

async function start() {
  session = await currentSession();
  await catalog.refresh(session.store_id).catch(() => undefined);
  window.shelfcountScanner = await mount($("damage-scanner"), { onScan });
  document.body.dataset.damageReady = "1";
}

start().catch((err) => {
  status.textContent = err.message;
  status.className = "error";
});
