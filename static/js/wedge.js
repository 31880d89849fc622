// A keyboard-wedge scanner (a hardware scanner that types): characters typed fast, then Enter,
// with no field focused, are one scan.
import { toGtin14 } from "./codes.js";

// A wedge types a whole code in a burst (a few ms a key); people average 150 ms or more.
// Judged on the burst's average, so one late key on a busy phone does not split a scan.
// A code whose GTIN check digit holds gets a looser bound: a busy phone delivers a scanner's keys
// late, and a valid product code typed fast and ended with Enter on a scanning screen is a scan.
const WEDGE_AVERAGE_MS = 40;
const WEDGE_GTIN_AVERAGE_MS = 120;
const WEDGE_PAUSE_MS = 1000;          // a longer pause starts a new burst
const WEDGE_MIN_LENGTH = 4;

function isField(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

export class WedgeReader {
  constructor() {
    this.text = "";
    this.first = 0;
    this.last = -Infinity;
  }

  // Feed every keydown; returns the code a burst ended with Enter (or Tab) made, else null.
  read(event) {
    if (event.ctrlKey || event.altKey || event.metaKey || isField(event.target)) return null;
    // When the key arrived, not when we got round to it: a busy main thread must not split a scan.
    const now = event.timeStamp;
    if (event.key === "Enter" || event.key === "Tab") {
      const text = this.text;
      const average = (this.last - this.first) / Math.max(1, text.length - 1);
      const bound = toGtin14(text) ? WEDGE_GTIN_AVERAGE_MS : WEDGE_AVERAGE_MS;
      this.text = "";
      if (text.length >= WEDGE_MIN_LENGTH && average <= bound && now - this.last <= WEDGE_PAUSE_MS) {
        event.preventDefault();     // the Enter ends a scan; it must not press a focused button
        return text;
      }
      return null;
    }
    if (event.key.length !== 1) return null;
    if (!this.text || now - this.last > WEDGE_PAUSE_MS) {
      this.text = "";
      this.first = now;
    }
    this.text += event.key;
    this.last = now;
    return null;
  }
}
