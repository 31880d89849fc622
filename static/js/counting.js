// Counting on the phone: choose or start a count, scan continuously with a running tally, fix it,
// submit. Everything is an outbox event (count_start, count_scan, count_line_edit, count_submit;
// webapp/counting/events.py), so a whole count works with no signal and syncs later.
//
// A code the phone's catalog does not know is sent as unknown_barcode (with the session, the
// location and the quantity) and kept in the tally as "waiting for a manager": the server keeps
// it, and once a manager links the code to an item, the scans count in this session.
//
// A full count (or a recount) asks before the submit what the items nobody scanned are: all
// "not counted" (the default: they change nothing), all "really zero", or, when the phone has
// signal, item by item from the server's list (names only for a blind count).
//
// The server is the truth for every total shown: per line, this user's total on the server over
// all their phones (count-totals.js) plus what waits in this phone's outbox, and for a manager the
// session's. state.lines is this phone's part (what a count_line_edit from here replaces), taken
// from the server again once nothing of the session waits. Quantity and undo change this part;
// editing a line asks for the user's total and sends this phone's share (typed - the server's
// from their other phones): the number typed is the number kept (README "Counting").
import * as catalog from "./catalog.js";
import * as outbox from "./outbox.js";
import { getMeta, setMeta } from "./db.js";
import { fetchTotals, waiting } from "./count-totals.js";
import { openKeypad } from "./keypad.js";
import { mount } from "./scanner.js";
import { currentSession } from "./session.js";

const data = JSON.parse(document.getElementById("count-data").textContent);
const $ = (id) => document.getElementById(id);
const views = { choose: $("count-choose"), scan: $("count-scan"), unscanned: $("count-unscanned"),
                submitted: $("count-submitted") };

let session = null;        // who is logged in (session.js)
let state = null;          // the count in progress on this phone, kept in IndexedDB
let scanner = null;

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
    button.addEventListener("click", () => begin({ session_id: s.id, location_id: s.location_id, scope: s.scope,
                                                   full: s.full }));
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

async function begin({ session_id: sessionId, location_id: locationId, scope, full = false }) {
  state = { session_id: sessionId, location_id: locationId, scope, full, lines: {}, unknown: {}, history: [] };
  await save();
  history.replaceState(null, "", `?session=${encodeURIComponent(sessionId)}`);
  await showScan();
}

// ----- scan -----------------------------------------------------------------------------

async function showScan() {
  show("scan");
  document.querySelector(".count-scope").textContent = `Counting ${state.scope}`;
  render();
  refreshSoon();
  if (!scanner) scanner = await mount($("count-scanner"), { onScan });
}

function event(type, fields) {
  return { type, session_id: state.session_id, location_id: state.location_id, ...fields };
}

// +4 / −4, with a real minus sign.
const signed = (n) => (n < 0 ? `\u2212${-n}` : `+${n}`);

// This user's total over all their phones, and the session's (null unless a manager).
function totals(itemId) {
  const here = state.lines[itemId] ? state.lines[itemId].qty : 0;
  const server = (state.server || {})[itemId];
  const others = server ? server.mine - server.here : 0;
  const everyone = server && typeof server.everyone === "number" ? server.everyone - server.here + here : null;
  return { here, others, yours: others + here, everyone };
}

async function onScan(code, { format }) {
  const found = await catalog.resolve(session.store_id, code, format);
  if (!found.item) {
    await outbox.add(session, event("unknown_barcode", { code: found.code, quantity: 1, context: "count" }),
      `Unknown code ${found.code}`);
    state.unknown = state.unknown || {};
    const kept = state.unknown[found.code] || { code: found.code, qty: 0 };
    kept.qty += 1;
    kept.at = Date.now();
    state.unknown[found.code] = kept;
    state.history.push({ unknown: found.code });
    await save();
    render(null, found.code);
    return { text: `Unknown code ${found.code}: kept for a manager; set the item aside`, tone: "warn" };
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
  const unit = found.pack_qty > 1 ? " (case)" : "";
  return { text: `${item.name} ${signed(found.pack_qty)}${unit} · ${totals(item.id).yours}`, tone: "ok" };
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
  if (last && last.unknown) {
    scanner.flash(`Unknown code ${last.unknown} stays with the manager, who can dismiss it.`, "warn");
    return;
  }
  if (!last || !state.lines[last.item_id]) return;
  const line = state.lines[last.item_id];
  const removed = Math.min(line.qty, last.units);
  await setTotal(last.item_id, line.qty - removed, `Undo: ${line.name} ${signed(-removed)}`);
  scanner.flash(`Undone: ${line.name} ${signed(-removed)} · ${totals(last.item_id).yours}`, "warn");
});

$("count-qty").addEventListener("click", () => {
  const last = state.history[state.history.length - 1];
  if (!last || last.unknown || !state.lines[last.item_id]) {
    scanner.flash("Scan an item first, then say how many there are.", "warn");
    return;
  }
  const line = state.lines[last.item_id];
  const unit = last.pack > 1 ? ` (packs of ${last.pack})` : "";
  openKeypad(`How many of ${line.name}${unit} did that scan stand for?`, async (n) => {
    if (n < 1) return;
    const total = line.qty - last.units + n * last.pack;
    const change = n * last.pack - last.units;
    last.units = n * last.pack;
    await setTotal(last.item_id, total, `${n} × ${line.name} (${signed(change)})`);
    scanner.flash(`${line.name} ${signed(change)} · ${totals(last.item_id).yours}`, change < 0 ? "warn" : "ok");
  });
});

function editLine(itemId) {
  const name = state.lines[itemId] ? state.lines[itemId].name : state.server[itemId].name;
  const now = totals(itemId);
  const hint = now.others
    ? `Now ${now.yours}: ${now.here} on this phone, ${now.others} on your other phones. Type your new total.`
    : `Now ${now.yours}. Type the new total.`;
  // Opens empty (the first key starts the number), with the current total as a hint only.
  openKeypad(`Your total of ${name}`, async (n) => {
    const fresh = await fetchTotals(state.session_id);     // what the other phones hold by now
    if (fresh) state.server = fresh;
    const { others } = totals(itemId);
    if (n < others) {
      scanner.flash(`Your other phones counted ${others} ${name}: fix those scans there.`, "warn");
      return;
    }
    state.history = state.history.filter((h) => h.item_id !== itemId);
    if (!state.lines[itemId]) state.lines[itemId] = { item_id: itemId, name, qty: 0, at: Date.now() };
    const change = n - totals(itemId).yours;
    await setTotal(itemId, n - others, `${name}: your total set to ${n}`);
    scanner.flash(`${name} ${signed(change)} · ${n}`, change < 0 ? "warn" : "ok");
  }, hint);
}

// ----- the server's totals ----------------------------------------------------------------

let outboxTicks = 0;
let refreshTimer = null;

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refreshTotals().catch(() => undefined), 400);
}

async function refreshTotals() {
  if (!state || !session) return;
  const sessionId = state.session_id;
  const ticks = outboxTicks;
  const before = await waiting(sessionId, session.user_id);
  const fresh = await fetchTotals(sessionId);
  if (!fresh || !state || state.session_id !== sessionId) return;
  state.server = fresh;
  const after = await waiting(sessionId, session.user_id);
  if (before === 0 && after === 0 && ticks === outboxTicks) {
    // Nothing of this session waits on the phone: this phone's part is what the server holds.
    for (const line of Object.values(state.lines)) {
      const held = fresh[line.item_id] ? fresh[line.item_id].here : 0;
      if (held) line.qty = held;
      else delete state.lines[line.item_id];
    }
    for (const row of Object.values(fresh)) {
      if (row.here && !state.lines[row.item_id]) {
        state.lines[row.item_id] = { item_id: row.item_id, name: row.name, qty: row.here, at: 0 };
      }
    }
  }
  await save();
  if (!views.scan.hidden) render();
}

outbox.changes.addEventListener("change", () => { outboxTicks += 1; refreshSoon(); });
window.addEventListener("online", refreshSoon);
setInterval(() => { if (state && !views.scan.hidden && navigator.onLine) refreshSoon(); }, 15000);

$("count-done").addEventListener("click", async () => {
  if (state.full) {
    await showUnscanned();
    return;
  }
  const items = Object.keys(state.lines).length;
  if (!window.confirm(`Submit this count of ${state.scope} (${items} item${items === 1 ? "" : "s"})? `
      + "You cannot add to it afterwards.")) return;
  await finish("not_counted", {});
});

// ----- unscanned items (a full count or a recount) -------------------------------------

const allChoice = () => document.querySelector("input[name='unscanned-all']:checked").value;

async function showUnscanned() {
  show("unscanned");
  const list = $("unscanned-items");
  list.replaceChildren();
  const note = $("unscanned-status");
  if (!navigator.onLine) {
    note.textContent = "No signal: choose for all of them at once.";
    return;
  }
  note.textContent = "Asking the server which items nobody scanned…";
  let body;
  try {
    const response = await fetch(`/api/v1/count-sessions/${encodeURIComponent(state.session_id)}/unscanned`,
      { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(String(response.status));
    body = await response.json();
  } catch {
    // Not on the server yet (started offline, still in the outbox) or no signal after all.
    note.textContent = "The server's list is not available now: choose for all of them at once.";
    return;
  }
  // Scans still in the outbox are not on the server yet: leave out what this phone counted.
  const items = body.items.filter((item) => !state.lines[item.id]);
  note.textContent = items.length
    ? `${items.length} item${items.length === 1 ? "" : "s"} expected here that nobody scanned:`
    : "Every item expected here was scanned.";
  const template = $("unscanned-row");
  list.replaceChildren(...items.map((item) => {
    const row = template.content.firstElementChild.cloneNode(true);
    const select = row.querySelector("select");
    select.id = `unscanned-${item.id}`;
    select.dataset.itemId = String(item.id);
    select.value = allChoice();
    const label = row.querySelector("label");
    label.htmlFor = select.id;
    label.textContent = item.name + (typeof item.expected === "number" ? ` (expected ${item.expected})` : "");
    select.addEventListener("change", () => { select.dataset.chosen = "1"; });
    return row;
  }));
}

// The "all" choice moves every item the submitter has not set one by one.
for (const radio of document.querySelectorAll("input[name='unscanned-all']")) {
  radio.addEventListener("change", () => {
    for (const select of $("unscanned-items").querySelectorAll("select")) {
      if (!select.dataset.chosen) select.value = allChoice();
    }
  });
}

$("unscanned-back").addEventListener("click", () => show("scan"));

$("unscanned-submit").addEventListener("click", async () => {
  const all = allChoice();
  const decisions = {};
  for (const select of $("unscanned-items").querySelectorAll("select")) {
    if (select.value !== all) decisions[select.dataset.itemId] = select.value;
  }
  await finish(all, decisions);
});

async function finish(unscanned, decisions) {
  await outbox.add(session, event("count_submit", { unscanned, decisions }), `Submitted ${state.scope}`);
  const items = Object.keys(state.lines).length;
  const { pending } = await outbox.summary(session.user_id);
  const units = Object.values(state.lines).reduce((sum, l) => sum + l.qty, 0);
  const unknown = Object.keys(state.unknown || {}).length;
  await setMeta(stateKey(), null);
  if (scanner) scanner.stop();
  scanner = null;
  show("submitted");
  document.querySelector(".count-submitted-text").textContent = `${items} items, ${units} units counted in `
    + `${state.scope}. ` + (pending && !navigator.onLine
    ? "This phone is offline: the count is sent as soon as it has signal."
    : "It is on its way to the server for approval.")
    + (unknown ? ` ${unknown} unknown code${unknown === 1 ? " waits" : "s wait"} for a manager, who can add `
      + "them to this count." : "");
  state = null;
  history.replaceState(null, "", location.pathname);
}

function render(highlight = null, highlightCode = null) {
  const lines = Object.values(state.lines).sort((a, b) => b.at - a.at);   // latest first, under the thumb
  const unknown = Object.values(state.unknown || {}).sort((a, b) => b.at - a.at);
  const template = $("tally-row");
  const unknownRows = unknown.map((kept) => {
    const row = $("tally-unknown-row").content.firstElementChild.cloneNode(true);
    row.dataset.code = kept.code;
    row.querySelector(".tally-name").textContent = `Unknown code ${kept.code} (waiting for a manager)`;
    row.querySelector(".tally-qty").textContent = String(kept.qty);
    if (kept.code === highlightCode) row.classList.add("just-scanned");
    return row;
  });
  // Items only the server knows of (scanned on this user's other phones, or by others for a manager).
  for (const row of Object.values(state.server || {})) {
    if (!state.lines[row.item_id] && (row.mine || row.everyone)) {
      lines.push({ item_id: row.item_id, name: row.name, qty: 0, at: 0 });
    }
  }
  $("count-tally").replaceChildren(...unknownRows, ...lines.map((line) => {
    const row = template.content.firstElementChild.cloneNode(true);
    const t = totals(line.item_id);
    row.dataset.itemId = line.item_id;
    row.querySelector(".tally-name").textContent = line.name;
    row.querySelector(".tally-qty").textContent = String(t.yours);
    const parts = [];
    if (t.others) parts.push(`${t.here} on this phone, ${t.others} on your other phones`);
    if (t.everyone !== null && t.everyone !== t.yours) parts.push(`everyone ${t.everyone}`);
    const detail = row.querySelector(".tally-detail");   // absent from a page kept offline before
    if (detail) detail.textContent = parts.join(" · ");
    row.querySelector(".tally-edit").setAttribute("aria-label", `${line.name}: ${t.yours}. Change`);
    row.querySelector(".tally-edit").addEventListener("click", () => editLine(line.item_id));
    if (line.item_id === highlight) row.classList.add("just-scanned");
    return row;
  }));
  $("count-empty").hidden = lines.length + unknown.length > 0;
  const units = lines.reduce((sum, l) => sum + totals(l.item_id).yours, 0);
  document.querySelector(".count-summary").textContent = `${lines.length} item${lines.length === 1 ? "" : "s"}`
    + ` · ${units} unit${units === 1 ? "" : "s"}`
    + (unknown.length ? ` · ${unknown.length} unknown code${unknown.length === 1 ? "" : "s"}` : "");
}

// ----- start ----------------------------------------------------------------------------

async function start() {
  session = await currentSession();
  catalog.refresh(session.store_id).catch(() => undefined);   // offline: the phone's copy serves
  state = await getMeta(stateKey());
  const wanted = new URLSearchParams(location.search).get("session");
  if (wanted && (!state || state.session_id !== wanted)) {
    const known = data.sessions.find((s) => s.id === wanted);
    if (known) {
      await begin({ session_id: known.id, location_id: known.location_id, scope: known.scope, full: known.full });
    }
  }
  if (state) await showScan();
  else showChoose();
}

start().catch((err) => {
  const p = Object.assign(document.createElement("p"), { className: "error", textContent: err.message });
  document.getElementById("main").prepend(p);
});
