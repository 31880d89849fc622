// Move stock between locations: each scan moves what the code holds, as one outbox event that
// the server turns into a transfer_out and a transfer_in at the same instant. A GS1-128 case
// label's (37) count moves count x pack, as receiving does; a scan's event carries the code and
// no quantity, so the server works the quantity out from the label and is the record.
// "Move the last scan back" sends the same code without a quantity the other way: the server
// works out the same quantity for it, so a case or a label's 12 goes back as 12, not 1.
import * as catalog from "./catalog.js";
import { gs1Parts, labelForServer } from "./codes.js";
import * as outbox from "./outbox.js";
import { scanQuantity } from "./rules.js";
import { mount } from "./scanner.js";
import { currentSession } from "./session.js";
import * as unknown from "./unknown.js";

const $ = (id) => document.getElementById(id);
const from = $("transfer-from");
const to = $("transfer-to");
const last = $("transfer-last");
const undo = $("transfer-undo");
const log = $("transfer-log");

let session = null;
let previous = null;         // {item, code, quantity, from, to}: the last scan, until moved back

function show(text, tone) {
  last.hidden = false;
  last.textContent = text;
  last.className = `last-scan ${tone}`;
}

async function send(item, code, quantity, source, target, { keyed = true } = {}) {
  const event = { type: "transfer", code, item_id: item.id, from_location_id: source, to_location_id: target };
  if (keyed) event.quantity = quantity;
  await outbox.add(session, event, `Move ${quantity} × ${item.name}`);
  const entry = document.createElement("li");
  entry.textContent = `${quantity > 0 ? quantity : -quantity} × ${item.name}: `
    + `${from.querySelector(`option[value="${source}"]`).textContent} → `
    + `${to.querySelector(`option[value="${target}"]`).textContent}`;
  log.prepend(entry);
}

async function onScan(code, { format }) {
  const source = Number(from.value);
  const target = Number(to.value);
  if (source === target) {
    show("Choose two different locations.", "warn");
    return { text: "Choose two different locations.", tone: "warn" };
  }
  const parts = gs1Parts(code);
  const found = await catalog.resolve(session.store_id, parts.gtin || code, parts.gtin ? null : format);
  if (!found.item) {
    await unknown.keep(session, { code: found.code, quantity: parts.count || 1, context: "transfer",
      locationId: source });
    const text = unknown.warning(found.code, "moved");
    show(text, "warn");
    return { text, tone: "warn" };
  }
  const quantity = scanQuantity(found.pack_qty, parts.count);
  // A label goes whole, in a form the server reads; any other code as the catalog stores it.
  const sent = parts.gtin ? labelForServer(code) : found.barcode;
  await send(found.item, sent, quantity, source, target, { keyed: false });
  previous = { item: found.item, code: sent, quantity, from: source, to: target };
  undo.disabled = false;
  show(`Moved ${quantity} × ${found.item.name}`, "ok");
  return { text: `Moved ${quantity} × ${found.item.name}`, tone: "ok" };
}

undo.addEventListener("click", async () => {
  if (!previous) return;
  // A correction is a move back, never an edit: both legs stay in the ledger. Once only: a
  // second tap would move back what was never moved.
  const scan = previous;
  previous = null;
  undo.disabled = true;
  await send(scan.item, scan.code, scan.quantity, scan.to, scan.from, { keyed: false });
  show(`Moved ${scan.quantity} × ${scan.item.name} back`, "ok");
});

async function start() {
  session = await currentSession();
  await catalog.refresh(session.store_id).catch(() => undefined);
  window.shelfcountScanner = await mount($("transfer-scanner"), { onScan });
}

start().catch((err) => show(err.message, "warn"));
