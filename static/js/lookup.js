// "Look up an item": scan anything, see what it is, from the catalog kept on the phone.
import * as catalog from "./catalog.js";
import * as outbox from "./outbox.js";
import { mount } from "./scanner.js";
import { currentSession } from "./session.js";

const slot = document.getElementById("lookup-scanner");
const result = document.getElementById("lookup-result");
const status = document.getElementById("catalog-status");

function money(cents) {
  return typeof cents === "number" ? `$${(cents / 100).toFixed(2)}` : "";
}

function fact(list, term, value) {
  if (value === null || value === undefined || value === "") return;
  list.append(Object.assign(document.createElement("dt"), { textContent: term }),
    Object.assign(document.createElement("dd"), { textContent: String(value) }));
}

function show(found) {
  const name = result.querySelector(".result-name");
  const facts = result.querySelector(".result-facts");
  facts.replaceChildren();
  result.hidden = false;
  result.classList.toggle("unknown", !found.item);
  if (!found.item) {
    name.textContent = "Not in the catalog";
    fact(facts, "Code", found.code);
    fact(facts, "", "Reported to the managers, who can link it to an item.");
    return;
  }
  const item = found.item;
  name.textContent = item.name;
  fact(facts, "Code", found.code);
  if (found.pack_qty > 1) fact(facts, "This code is a pack of", found.pack_qty);
  fact(facts, "SKU", item.sku);
  fact(facts, "Category", item.category);
  fact(facts, "Price", money(item.price_cents));
  fact(facts, "Sold by", item.measure === "weight" ? `weight (${item.unit_name || "unit"})` : "the unit");
}

async function showStatus(session) {
  const { count, updated_at: updated } = await catalog.info(session.store_id);
  status.textContent = `${count} items on this phone`
    + (updated ? `, updated ${new Date(updated).toLocaleString()}` : ", not loaded yet") + ".";
}

async function start() {
  const session = await currentSession();
  showStatus(session);
  catalog.refresh(session.store_id).then(() => showStatus(session), () => undefined);
  const reported = new Set();
  window.shelfcountScanner = await mount(slot, {
    async onScan(code, { format }) {
      const found = await catalog.resolve(session.store_id, code, format);
      if (!found.item && !reported.has(found.code)) {
        reported.add(found.code);
        await outbox.add(session, { type: "unknown_barcode", code: found.code, context: "lookup" },
          `Unknown code ${found.code}`);
      }
      show(found);
      return found.item
        ? { text: found.item.name, tone: "ok" }
        : { text: `Unknown code ${found.code}`, tone: "warn" };
    },
  });
}

start().catch((err) => {
  status.textContent = err.message;
  status.classList.add("error");
});
