// Which of the barcodes one camera frame shows is the scan: the phone's half of the server's
// consensus rule (scanner/consensus.py). A decoder (native BarcodeDetector or ZXing WebAssembly)
// returns every symbol it found, in no useful order, and a misread of a damaged code can come
// first. So, within one frame:
//   1. a symbol whose check digit fails (EAN/UPC, ITF-14) is dropped;
//   2. two different values read at one spot (boxes that overlap) give nothing: a person
//      re-aims in a second, a wrong count costs a stock-take;
//   3. of what is left, the best is the biggest on screen (the code the phone is pointed at),
//      2D codes (which carry error correction) before linear ones of the same size.
import { toGtin14 } from "./codes.js";

const GTIN_FORMATS = new Set(["ean_13", "ean_8", "upc_a", "upc_e"]);
const MATRIX_FORMATS = new Set(["qr_code", "data_matrix", "pdf417", "aztec", "micro_qr_code"]);

// The value a symbol stands for: every spelling of one GTIN shares it; null when a check fails.
export function valueKey(symbol) {
  const text = String(symbol.rawValue);
  if (GTIN_FORMATS.has(symbol.format) || (symbol.format === "itf" && text.length === 14)) {
    const gtin = toGtin14(text, symbol.format);
    return gtin ? `gtin:${gtin}` : null;
  }
  return `text:${text}`;
}

function box(symbol) {
  const b = symbol.boundingBox;
  if (!b) return null;
  return { x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height };
}

function overlap(a, b) {
  if (!a || !b) return false;
  // A linear decoder's box can be a line or two high: let it reach a little across.
  const reachA = 0.15 * Math.max(a.x1 - a.x0, a.y1 - a.y0);
  const reachB = 0.15 * Math.max(b.x1 - b.x0, b.y1 - b.y0);
  const reach = Math.max(reachA, reachB);
  return a.x0 - reach <= b.x1 && b.x0 - reach <= a.x1 && a.y0 - reach <= b.y1 && b.y0 - reach <= a.y1;
}

function area(b) {
  return b ? Math.max(1, b.x1 - b.x0) * Math.max(1, b.y1 - b.y0) : 0;
}

// The one symbol to take from a frame, or null (nothing, or only conflicting reads).
export function pickBest(found) {
  const valid = [];
  for (const symbol of found || []) {
    const key = valueKey(symbol);
    if (key !== null) valid.push({ symbol, key, box: box(symbol) });
  }
  const kept = valid.filter((a) => !valid.some((b) => b.key !== a.key && overlap(a.box, b.box)));
  if (!kept.length) return null;
  const rank = (c) => [MATRIX_FORMATS.has(c.symbol.format) ? 1 : 0, area(c.box)];
  kept.sort((a, b) => {
    const [ma, sa] = rank(a);
    const [mb, sb] = rank(b);
    // The size decides unless the two are within a fifth of each other; then 2D first.
    if (Math.abs(sa - sb) > 0.2 * Math.max(sa, sb)) return sb - sa;
    return mb - ma || sb - sa;
  });
  return kept[0].symbol;
}
