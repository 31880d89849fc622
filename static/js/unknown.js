// A code the phone's catalog does not know, scanned while receiving, flagging damage or moving
// stock: sent as an unknown_barcode event with where it was scanned, so the server keeps it for a
// manager (webapp/unknown/service.py) as counting does. It changes no stock, not even once a
// manager links the code: the person sets the item aside and scans it again then.
import * as outbox from "./outbox.js";

export async function keep(session, { code, context, locationId, quantity = 1 }) {
  const event = { type: "unknown_barcode", code, quantity, context, location_id: locationId };
  return outbox.add(session, event, `Unknown code ${code} (${context}): kept for a manager`);
}

// What the screen says, loud: nothing was received, flagged or moved.
export function warning(code, undone) {
  return `UNKNOWN CODE ${code}: not ${undone}. Kept for a manager; set the item aside and scan it `
    + "again once a manager has added it.";
}
