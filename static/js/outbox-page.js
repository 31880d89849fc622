// The outbox, seen by its owner: what waits, what the server refused and why, and the way out
// for a refusal (fix the quantity and send again, or discard it on purpose).
import * as outbox from "./outbox.js";
import * as photoQueue from "./photo-queue.js";
import { currentSession } from "./session.js";

const list = document.getElementById("outbox-list");
const statusLine = document.getElementById("outbox-status");
const others = document.getElementById("outbox-others");
const rowTemplate = document.getElementById("outbox-row");

// What each event type is called for a person (the sync contract's names stay out of sight).
const KINDS = {
  count_start: "Count started", count_scan: "Count scan", count_line_edit: "Count total fixed",
  count_submit: "Count submitted", damage: "Damage flagged", receive_scan: "Delivery scan",
  receive_damage: "Damaged on arrival", receive_close: "Delivery closed", transfer: "Stock moved",
  unknown_barcode: "Unknown code kept",
};
const kind = (type) => KINDS[type] || "Other change";

function row(record) {
  const node = rowTemplate.content.firstElementChild.cloneNode(true);
  node.dataset.id = record.id;
  node.classList.add(record.status);
  node.querySelector(".outbox-label").textContent = record.label || kind(record.event.type);
  const when = new Date(record.event.occurred_at).toLocaleString();
  node.querySelector(".outbox-meta").textContent = `${kind(record.event.type)} · ${when}`
    + (record.status === "pending" ? " · waiting" : " · refused");
  const error = node.querySelector(".outbox-error");
  error.textContent = record.error ? record.error.message : "";
  error.hidden = !record.error;
  if (record.status === "rejected") {
    const fix = node.querySelector(".outbox-fix");
    if (typeof record.event.quantity === "number") {
      fix.hidden = false;
      fix.quantity.value = record.event.quantity;
      fix.addEventListener("submit", async (e) => {
        e.preventDefault();
        const quantity = Number.parseInt(fix.quantity.value, 10);
        if (Number.isNaN(quantity) || quantity < 0) return;
        await outbox.amend(record.id, { quantity });
        outbox.flush();
      });
    }
    const discard = node.querySelector(".outbox-discard");
    discard.hidden = false;
    discard.addEventListener("click", async () => {
      if (window.confirm("Discard this scan? It will never reach the server.")) await outbox.discard(record.id);
    });
  }
  return node;
}

async function render(userId) {
  const rows = await outbox.all();
  const mine = rows.filter((r) => r.user_id === userId);
  list.replaceChildren(...mine.map(row));
  const elsewhere = rows.length - mine.length;
  others.textContent = elsewhere
    ? `${elsewhere} more from other people who used this phone; they are sent when those people log in here.`
    : "";
  const s = outbox.status;
  statusLine.textContent = mine.length === 0 ? "Everything from you has reached the server."
    : s.lastError ? `Not sent yet: ${s.lastError}` : `${mine.length} waiting.`;
}

async function start() {
  const session = await currentSession();
  outbox.changes.addEventListener("change", () => render(session.user_id));
  await render(session.user_id);
  // Photos taken with no signal wait beside the scans, and go once their flag has reached the server.
  photoQueue.watch(document.getElementById("photo-queue-status"), session.user_id, outbox.changes);
}

start().catch((err) => { statusLine.textContent = err.message; });
