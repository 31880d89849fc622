// Server rules the phone repeats so it can answer offline. Each has its server twin named
// below and a parity test (tests/browser/test_rules.py) that runs both on the same cases; the
// server's answer stays the record.

// Base units as a person reads them (webapp/quantity.py plain_quantity): weighed items
// are kept in thousandths, so 2500 reads "2.5".
export function qtyText(base, measure = "each") {
  if (measure !== "weight") return String(base);
  return String(Math.round(base) / 1000);
}

// Base units one scan adds (webapp/receiving/rules.py scan_quantity): a code's pack, times a
// GS1-128 label's (37) count when it has one. Receiving and transfers use it.
export function scanQuantity(packQty, gs1Count = null) {
  return (packQty || 1) * (gs1Count || 1);
}

// What a PO line still waits for after this delivery, and how far it is over
// (webapp/receiving/rules.py Tally.remaining and Tally.over): damaged units are still owed.
export function remaining({ due, received, damaged }) {
  return Math.max(0, due - (received - damaged));
}

export function over({ onPo, due, received, damaged }) {
  return onPo ? Math.max(0, received - damaged - due) : 0;
}
