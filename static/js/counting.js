// Counting on the phone: choose or start a count, scan continuously with a running tally, fix it,
// submit. Everything is an outbox event (count_start, count_scan, count_line_edit, count_submit;
// webapp/counting/events.py), so a whole count works with no signal and syncs later.
//
// The tally shown is this phone user's own total per item (several people may count one zone;
// the server adds everyone's). Fixes (quantity keypad, undo, editing a line) send
// count_line_edit, which sets this user's total for the item, so they stay right whether or not
// the scans they correct have reached the server yet.
import * as catalog from "./catalog.js";
import * as outbox from "./outbox.js";
import { getMeta, setMeta } from "./db.js";
import { mount } from "./scanner.js";
import { currentSession } from "./session.js";

const data = JSON.parse(document.getElementById("count-data").textContent);
const $ = (id) => document.getElementById(id);
const views = { choose: $("count-choose"), scan: $("count-scan"), submitted: $("count-submitted") };

let session = null;        // who is logged in (session.js)
let state = null;          // the count in progress on this phone, kept in IndexedDB
let scanner = null;
let keypadAction = null;

const stateKey = () => `count:${session.user_id}`;
const save = () => setMeta(stateKey(), state);

function show(name) {
  for (const [key, node] of Object.entries(views)) node.hidden = key !== name;
}

// ----- choose ---------------------------------------------------------------------------

function showChoose() {
  show("choose");
  const list = $("count-sessions");
  list.replaceChildren(...data.sessions.map((s) => {
    const button = Object.assign(document.createElement("button"), { type: "button", className: "big" });
    button.append(Object.assign(document.createElement("span"), { className: "tally-name", textContent: s.scope }),
      Object.assign(document.createElement("span"), { className: "muted", textContent: s.detail }));
    button.addEventListener("click", () => begin({ session_id: s.id, location_id: s.location_id, scope: s.scope }));
    const item = document.createElement("li");
    item.append(button);
    return item;
  }));
  $("count-no-sessions").hidden = data.sessions.length > 0;
  const select = $("count-location");
  select.replaceChildren(...data.locations.map((l) => new Option(l.name, String(l.id))));
}

$("count-start").addEventListener("submit", async (event) => {
  event.preventDefault();
  const locationId = Number($("count-location").value);
  const location = data.locations.find((l) => l.id === locationId);
  const sessionId = crypto.randomUUID();
  await outbox.add(session, { type: "count_start", session_id: sessionId, location_id: locationId },
    `Started counting ${location.name}`);
  await begin({ session_id: sessionId, location_id: locationId, scope: location.name });
});

async function begin({ session_id: sessionId, location_id: locationId, scope }) {
  state = { session_id: sessionId, location_id: locationId, scope, lines: {}, history: [] };
  await save();
  history.replaceState(null, "", `?session=${encodeURIComponent(sessionId)}`);
  await showScan();
}

// ----- scan -----------------------------------------------------------------------------

async function showScan() {
  show("scan");
  document.querySelector(".count-scope").textContent = `Counting ${state.scope}`;
  render();
  if (!scanner) scanner = await mount($("count-scanner"), { onScan });
}

function event(type, fields) {
  return { type, session_id: state.session_id, location_id: state.location_id, ...fields };
}

async function onScan(code, { format }) {
  const found = await catalog.resolve(session.store_id, code, format);
  if (!found.item) {
    await outbox.add(session, event("unknown_barcode", { code: found.code }), `Unknown code ${found.code}`);
    return { text: `Unknown code ${found.code}: set it aside for a manager`, tone: "warn" };
  }
  const item = found.item;
  // Send the code as the catalog stores it, so the server resolves exactly what the phone did.
  await outbox.add(session, event("count_scan", { code: found.barcode, quantity: 1 }),
    `+${found.pack_qty} ${item.name}`);
  const line = state.lines[item.id] || { item_id: item.id, name: item.name, qty: 0 };
  line.qty += found.pack_qty;
  line.at = Date.now();
  state.lines[item.id] = line;
  state.history.push({ item_id: item.id, pack: found.pack_qty, units: found.pack_qty });
  await save();
  render(item.id);
  return { text: `${item.name} · ${line.qty}`, tone: "ok" };
}

// Set this user's total for an item, on the phone and (through the outbox) on the server.
async function setTotal(itemId, total, label) {
  const line = state.lines[itemId];
  line.qty = total;
  line.at = Date.now();
  await outbox.add(session, event("count_line_edit", { item_id: itemId, quantity: total }), label);
  if (total === 0) delete state.lines[itemId];
  await save();
  render(itemId);
}

$("count-undo").addEventListener("click", async () => {
  const last = state.history.pop();
  if (!last || !state.lines[last.item_id]) return;
  const line = state.lines[last.item_id];
  await setTotal(last.item_id, Math.max(0, line.qty - last.units), `Undo: ${line.name}`);
  scanner.flash(`Undone: ${line.name}`, "warn");
});

$("count-qty").addEventListener("click", () => {
  const last = state.history[state.history.length - 1];
  if (!last || !state.lines[last.item_id]) {
    scanner.flash("Scan an item first, then say how many there are.", "warn");
    return;
  }
  const line = state.lines[last.item_id];
  const unit = last.pack > 1 ? ` (packs of ${last.pack})` : "";
  openKeypad(`How many of ${line.name}${unit} did that scan stand for?`, async (n) => {
    if (n < 1) return;
    const total = line.qty - last.units + n * last.pack;
    last.units = n * last.pack;
    await setTotal(last.item_id, total, `${n} × ${line.name}`);
    scanner.flash(`${line.name} · ${total}`, "ok");
  });
});

function editLine(itemId) {
  const line = state.lines[itemId];
  openKeypad(`Your total of ${line.name}`, async (n) => {
    state.history = state.history.filter((h) => h.item_id !== itemId);
    await setTotal(itemId, n, `${line.name}: total set to ${n}`);
  }, line.qty);
}

$("count-done").addEventListener("click", async () => {
  const items = Object.keys(state.lines).length;
  if (!window.confirm(`Submit this count of ${state.scope} (${items} item${items === 1 ? "" : "s"})? `
      + "You cannot add to it afterwards.")) return;
  await outbox.add(session, event("count_submit", { unscanned: "not_counted" }), `Submitted ${state.scope}`);
  const { pending } = await outbox.summary(session.user_id);
  const units = Object.values(state.lines).reduce((sum, l) => sum + l.qty, 0);
  await setMeta(stateKey(), null);
  if (scanner) scanner.stop();
  scanner = null;
  show("submitted");
  document.querySelector(".count-submitted-text").textContent = `${items} items, ${units} units counted in `
    + `${state.scope}. ` + (pending && !navigator.onLine
    ? "This phone is offline: the count is sent as soon as it has signal."
    : "It is on its way to the server for approval.");
  state = null;
  history.replaceState(null, "", location.pathname);
});

function render(highlight = null) {
  const lines = Object.values(state.lines).sort((a, b) => b.at - a.at);   // latest first, under the thumb
  const template = $("tally-row");
  $("count-tally").replaceChildren(...lines.map((line) => {
    const row = template.content.firstElementChild.cloneNode(true);
    row.dataset.itemId = line.item_id;
    row.querySelector(".tally-name").textContent = line.name;
    row.querySelector(".tally-qty").textContent = String(line.qty);
    row.querySelector(".tally-edit").setAttribute("aria-label", `${line.name}: ${line.qty}. Change`);
    row.querySelector(".tally-edit").addEventListener("click", () => editLine(line.item_id));
    if (line.item_id === highlight) row.classList.add("just-scanned");
    return row;
  }));
  $("count-empty").hidden = lines.length > 0;
  const units = lines.reduce((sum, l) => sum + l.qty, 0);
  document.querySelector(".count-summary").textContent = `${lines.length} item${lines.length === 1 ? "" : "s"}`
    + ` · ${units} unit${units === 1 ? "" : "s"}`;
}

// ----- keypad ---------------------------------------------------------------------------

const display = $("keypad-display");

function openKeypad(title, action, initial = 0) {
  keypadAction = action;
  $("keypad-title").textContent = title;
  display.textContent = String(initial);
  $("count-keypad").hidden = false;
  $("keypad-ok").focus();
}

function setDisplay(text) {
  display.textContent = text.replace(/^0+(?=\d)/, "").slice(0, 6);
}

$("count-keypad").addEventListener("click", (e) => {
  const key = e.target.closest("[data-key]")?.dataset.key;
  if (!key) return;
  const now = display.textContent;
  if (key === "clear") setDisplay("0");
  else if (key === "back") setDisplay(now.length > 1 ? now.slice(0, -1) : "0");
  else setDisplay(now === "0" ? key : now + key);
});
$("keypad-cancel").addEventListener("click", () => { $("count-keypad").hidden = true; });
$("keypad-ok").addEventListener("click", async () => {
  $("count-keypad").hidden = true;
  const n = Number.parseInt(display.textContent, 10) || 0;
  if (keypadAction) await keypadAction(n);
  keypadAction = null;
});

// ----- start ----------------------------------------------------------------------------

async function start() {
  session = await currentSession();
  catalog.refresh(session.store_id).catch(() => undefined);   // offline: the phone's copy serves
  state = await getMeta(stateKey());
  const wanted = new URLSearchParams(location.search).get("session");
  if (wanted && (!state || state.session_id !== wanted)) {
    const known = data.sessions.find((s) => s.id === wanted);
    if (known) await begin({ session_id: known.id, location_id: known.location_id, scope: known.scope });
  }
  if (state) await showScan();
  else showChoose();
}

start().catch((err) => {
  const p = Object.assign(document.createElement("p"), { className: "error", textContent: err.message });
  document.getElementById("main").prepend(p);
});
