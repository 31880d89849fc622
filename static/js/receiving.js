// Receiving at the dock: scan cases and units against a PO (or blind), fix with the keypad,
// mark damage on arrival, close. Every action is an outbox event, so a delivery can be
// received end to end with no signal; the server recomputes quantities from the codes, so the
// tally here is the phone's best view, never the record.
import * as catalog from "./catalog.js";
import { gs1Parts, labelForServer } from "./codes.js";
import * as outbox from "./outbox.js";
import * as photoQueue from "./photo-queue.js";
import { over, qtyText, remaining as left, scanQuantity } from "./rules.js";
import { mount } from "./scanner.js";
import { csrfFromPage, currentSession } from "./session.js";
import * as unknown from "./unknown.js";

export { gs1Parts };

const data = JSON.parse(document.getElementById("receipt-data").textContent);
const $ = (id) => document.getElementById(id);
const tbody = $("lines").querySelector("tbody");
const rowTemplate = $("line-template");
const statusLine = $("receive-status");
const lastScan = $("last-scan");
const locationSelect = $("receive-location");
// One delivery in progress per PO (or blind) per person on this phone survives a reload or a
// dead battery. Per person: on a shared phone the next receiver starts their own delivery, and
// cannot close one whose scans still wait in the outbox under someone else's name.
const STATE_KEY = `shelfcount:receiving:${data.user_id}:${data.po ? data.po.id : "blind"}`;

let session = null;
let state = loadState();
let current = null;          // the line the keypad acts on
let closeArmed = false;

function loadState() {
  try {
    const saved = JSON.parse(localStorage.getItem(STATE_KEY) || "null");
    if (saved && saved.sessionId && !saved.closed) return { ...saved, resumed: true };
  } catch (err) { /* a damaged entry: start afresh */ }
  const lines = {};
  for (const line of data.lines) {
    lines[line.item_id] = { ...line, onPo: true, received: 0, damaged: 0, code: null };
  }
  return { sessionId: crypto.randomUUID(), lines, order: data.lines.map((l) => String(l.item_id)),
    locationId: data.location_id, scans: 0, closed: false };
}

function save() {
  localStorage.setItem(STATE_KEY, JSON.stringify(state));
}

function base() {
  return { session_id: state.sessionId, location_id: Number(locationSelect.value),
    ...(data.po ? { po_id: data.po.id } : {}) };
}

function render() {
  const rows = state.order.map((id) => {
    const line = state.lines[id];
    const row = rowTemplate.content.firstElementChild.cloneNode(true);
    row.dataset.itemId = id;
    const name = row.querySelector(".name");
    name.textContent = line.name;
    if (!line.onPo) name.append(Object.assign(document.createElement("strong"), { className: "flag flag-not_on_po", textContent: " NOT ON PO" }));
    if (over(line)) name.append(Object.assign(document.createElement("strong"), { className: "flag flag-over", textContent: ` OVER +${qtyText(over(line), line.measure)}` }));
    if (line.damaged) name.append(Object.assign(document.createElement("span"), { className: "flag flag-damaged", textContent: ` ${qtyText(line.damaged, line.measure)} damaged` }));
    row.querySelector(".ordered").textContent = line.onPo ? qtyText(line.ordered, line.measure) : "";
    row.querySelector(".received").textContent = qtyText(line.received, line.measure);
    row.querySelector(".left").textContent = line.onPo ? qtyText(left(line), line.measure) : "";
    row.classList.toggle("not-on-po", !line.onPo);
    row.classList.toggle("over", over(line) > 0);
    row.classList.toggle("done", line.onPo && left(line) === 0 && !over(line));
    row.classList.toggle("current", current === id);
    return row;
  });
  tbody.replaceChildren(...rows);
  const open = state.order.filter((id) => state.lines[id].onPo && left(state.lines[id]) > 0).length;
  statusLine.textContent = `${state.scans} scans · ${open} PO lines still due`;
}

function lineFor(item, code) {
  const id = String(item.id);
  if (!state.lines[id]) {
    state.lines[id] = { item_id: item.id, name: item.name, measure: item.measure || "each", ordered: 0,
      due: 0, onPo: false, received: 0, damaged: 0, code };
    state.order.push(id);
  }
  const line = state.lines[id];
  line.code = line.code || code;
  return line;
}

function select(id) {
  current = id;
  $("keypad-item").textContent = state.lines[id].name;
  render();
}

function announce(text, tone) {
  lastScan.hidden = false;
  lastScan.textContent = text;
  lastScan.className = `last-scan ${tone}`;
}

async function resolveScan(code, format) {
  const parts = gs1Parts(code);
  const found = await catalog.resolve(session.store_id, parts.gtin || code, parts.gtin ? null : format);
  return { found, count: parts.count };
}

async function onScan(code, { format }) {
  const { found, count } = await resolveScan(code, format);
  if (!found.item) {
    // A label's (37) count goes with its GTIN: a manager who links the GTIN sees how many came.
    await unknown.keep(session, { code: found.code, quantity: count || 1, context: "receiving",
      locationId: Number(locationSelect.value) });
    const text = unknown.warning(found.code, "received");
    announce(text, "warn");
    return { text, tone: "warn" };
  }
  const quantity = scanQuantity(found.pack_qty, count);
  const sent = labelForServer(code);    // a bare-digit GS1 label in a form the server reads
  const line = lineFor(found.item, sent);
  await outbox.add(session, { type: "receive_scan", code: sent, ...base() },
    `Received ${qtyText(quantity, line.measure)} × ${line.name}`);
  line.received += quantity;
  state.scans += 1;
  save();
  select(String(line.item_id));
  let text = `+${qtyText(quantity, line.measure)} ${line.name}`;
  let tone = "ok";
  if (!line.onPo && data.po) {
    text = `NOT ON PO: ${text}`;
    tone = "warn";
  } else if (over(line)) {
    text = `OVER by ${qtyText(over(line), line.measure)}: ${text}`;
    tone = "warn";
  } else if (line.onPo) {
    text += ` · ${qtyText(line.received - line.damaged, line.measure)} of ${qtyText(line.ordered, line.measure)}`;
  }
  announce(text, tone);
  return { text, tone };
}

// The keypad corrects the selected line: ±1, or "set to" a number typed on it.
async function adjust(delta) {
  const line = current && state.lines[current];
  if (!line || !delta) return;
  const code = line.code || await unitCode(line.item_id);
  if (!code) {
    announce(`Scan ${line.name} once first.`, "warn");
    return;
  }
  await outbox.add(session, { type: "receive_scan", code, quantity: delta, ...base() },
    `${delta > 0 ? "+" : ""}${delta} × ${line.name}`);
  line.received = Math.max(0, line.received + delta);
  save();
  announce(`${line.name}: ${qtyText(line.received, line.measure)} received`, "ok");
  render();
}

async function unitCode(itemId) {
  const item = await catalog.getItem(session.store_id, itemId);
  const codes = (item && item.barcodes) || [];
  const unit = codes.find((b) => (b.pack_qty || 1) === 1) || codes[0];
  return unit ? unit.code : null;
}

$("keypad").addEventListener("click", (event) => {
  const step = event.target.closest("button[data-step]");
  if (step) adjust(Number(step.dataset.step));
});
$("keypad").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("keypad-qty");
  const target = Number.parseInt(input.value, 10);
  input.value = "";
  const line = current && state.lines[current];
  if (line && Number.isInteger(target) && target >= 0) adjust(target - line.received);
});
tbody.addEventListener("click", (event) => {
  const row = event.target.closest("tr[data-item-id]");
  if (!row) return;
  select(row.dataset.itemId);
  if (event.target.closest(".damaged-button")) openDamage(row.dataset.itemId);
});

// ----- damaged on arrival ---------------------------------------------------------------

const dialog = $("damage-dialog");

function openDamage(id) {
  $("damage-item").textContent = state.lines[id].name;
  $("damage-qty").value = "1";
  $("damage-note").value = "";
  $("damage-photo").value = "";
  dialog.dataset.itemId = id;
  dialog.showModal();
}

// Online the photo is uploaded before the mark is queued and the mark carries its id. With no
// signal (or when the upload's connection drops) it waits on the phone (photo-queue.js) and
// reaches the mark later: see markPhotos.
export async function uploadPhoto(file) {
  if (!file || !navigator.onLine) return [];
  const form = new FormData();
  form.append("photo", file, file.name || "photo.jpg");
  const response = await fetch("/photos", { method: "POST", body: form, credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrfFromPage() } });
  if (!response.ok) throw await photoQueue.uploadError(response);
  return [(await response.json()).id];
}

dialog.addEventListener("close", async () => {
  if (dialog.returnValue !== "ok") return;
  const line = state.lines[dialog.dataset.itemId];
  const quantity = Number.parseInt($("damage-qty").value, 10);
  if (!line || !(quantity > 0)) return;
  if (quantity > line.received - line.damaged) {
    // Damaged units arrived too: they are scanned with the rest, then marked.
    announce(`Scan the damaged ${line.name} first: only ${line.received - line.damaged} are scanned.`, "warn");
    return;
  }
  const { photoIds, queued } = await markPhotos($("damage-photo").files[0]);
  const record = await outbox.add(session, { type: "receive_damage", item_id: line.item_id, quantity,
    reason: $("damage-reason").value, note: $("damage-note").value, photo_ids: photoIds,
    photo_client_ids: queued ? [queued] : [], ...base() },
  `${quantity} × ${line.name} damaged on arrival`);
  if (queued) await photoQueue.attach(queued, record.id);
  line.damaged += quantity;
  save();
  render();
});

async function markPhotos(file) {
  if (!file) return { photoIds: [], queued: null };
  try {
    if (navigator.onLine) return { photoIds: await uploadPhoto(file), queued: null };
  } catch (err) {
    if (!(err instanceof TypeError || err instanceof photoQueue.TryLater)) {  // 429: queue it too
      announce(`${err.message} The damage is marked without it.`, "warn");
      return { photoIds: [], queued: null };
    }
  }
  try {
    return { photoIds: [], queued: await photoQueue.add(session, file) };
  } catch (err) {
    announce(`${err.message} The damage is marked without it.`, "warn");
    return { photoIds: [], queued: null };
  }
}

// ----- closing --------------------------------------------------------------------------

const closeButton = $("close-receipt");
closeButton.addEventListener("click", async () => {
  if (!closeArmed) {
    // Gloved hands hit things: closing takes a second, deliberate tap.
    closeArmed = true;
    const due = state.order.filter((id) => state.lines[id].onPo && left(state.lines[id]) > 0).length;
    closeButton.textContent = due ? `Tap again: close with ${due} lines short` : "Tap again to close";
    setTimeout(() => { closeArmed = false; closeButton.textContent = "Close delivery"; }, 5000);
    return;
  }
  closeButton.disabled = true;
  const record = await outbox.add(session, { type: "receive_close", ...base() }, "Close delivery");
  const outcome = await deliver(record.id);
  if (outcome.status === "rejected") {
    // The delivery stays open on this phone: fix what the server said, then close again.
    announce(`The server refused to close: ${outcome.message}`, "warn");
    closeButton.disabled = false;
    closeButton.textContent = "Close delivery";
    closeArmed = false;
    return;
  }
  state.closed = true;
  localStorage.removeItem(STATE_KEY);
  if (outcome.status === "sent") {
    window.location.assign(data.receipt_url.replace("SESSION", state.sessionId));
  } else {
    announce("Closed on this phone. It goes to the server with the outbox when there is signal.", "ok");
  }
});

// Flush until the close has left the outbox. A flush already under way when the close was
// queued does not carry it (the outbox joins it), so one flush is not always enough.
async function deliver(id) {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const result = await outbox.flush();
    const left = (await outbox.all()).find((r) => r.id === id);
    if (!left) return { status: "sent" };
    if (left.status === "rejected") return { status: "rejected", message: left.error.message };
    if (result.unreachable || result.loggedOut) break;
  }
  return { status: "waiting" };
}

async function start() {
  // Offline, the service worker answers a PO it never kept with the screen without a PO (the
  // same page, other parameters): receiving against a PO needs its lines as the server sent them.
  const asked = new URLSearchParams(window.location.search).get("po");
  if (asked && (!data.po || String(data.po.id) !== asked)) {
    throw new Error("This purchase order was never opened on this phone with signal, so it "
      + "cannot be received offline. Receive without a PO, or open it again when there is signal.");
  }
  session = await currentSession();
  // Fresh codes before the first scan when there is signal; offline this fails at once.
  await catalog.refresh(session.store_id).catch(() => undefined);
  if (state.locationId) locationSelect.value = String(state.locationId);
  locationSelect.addEventListener("change", () => { state.locationId = Number(locationSelect.value); save(); });
  save();
  render();
  if (state.resumed) announce(`Carrying on with this delivery: ${state.scans} scans so far.`, "ok");
  photoQueue.watch($("photo-queue-status"), session.user_id, outbox.changes);
  window.shelfcountScanner = await mount($("receive-scanner"), { onScan });
  document.body.dataset.receivingReady = "1";
}

start().catch((err) => {
  statusLine.textContent = err.message;
  statusLine.classList.add("error");
});
