// Scanned text -> the key the catalog is indexed by, on the phone. A small port of the digit rules
// of scanner/codes.py (the server's reference, which a browser test compares this with):
// UPC-A, EAN-13, EAN-8, ITF-14/GTIN-14 -> 14 digits zero-padded; UPC-E expanded; an 8-digit code
// not marked EAN-8 is a UPC-E when its UPC-E check digit holds and it starts with 0, or starts
// with 1 and is not also a valid EAN-8.
// GS1 element strings are only mined for their (01) GTIN; anything else is matched as typed.

const HINTS = { ean_13: "ean13", ean_8: "ean8", upc_a: "upca", upc_e: "upce", itf: "itf" };

export function checkDigit(body) {
  let total = 0;
  for (let i = 0; i < body.length; i += 1) {
    const digit = body.charCodeAt(body.length - 1 - i) - 48;
    total += digit * (i % 2 === 0 ? 3 : 1);
  }
  return String((10 - (total % 10)) % 10);
}

function expandUpcE(numberSystem, d) {
  let body;
  if ("012".includes(d[5])) body = `${numberSystem}${d[0]}${d[1]}${d[5]}0000${d[2]}${d[3]}${d[4]}`;
  else if (d[5] === "3") body = `${numberSystem}${d[0]}${d[1]}${d[2]}00000${d[3]}${d[4]}`;
  else if (d[5] === "4") body = `${numberSystem}${d[0]}${d[1]}${d[2]}${d[3]}00000${d[4]}`;
  else body = `${numberSystem}${d.slice(0, 5)}0000${d[5]}`;
  return body + checkDigit(body);
}

// UPC-E (8 digits; 6 or 7 when a wedge scanner drops the number system and/or check digit)
// -> UPC-A, or null when it is not a valid UPC-E or a 7-digit form reads two ways.
export function upcEToUpcA(text) {
  if (text.length === 6) return expandUpcE("0", text);
  if (text.length === 7) {
    const readings = new Set();
    if ("01".includes(text[0])) readings.add(expandUpcE(text[0], text.slice(1)));
    const withCheck = expandUpcE("0", text.slice(0, 6));
    if (withCheck.endsWith(text[6])) readings.add(withCheck);
    return readings.size === 1 ? [...readings][0] : null;
  }
  if (text.length !== 8 || !"01".includes(text[0])) return null;
  const upca = expandUpcE(text[0], text.slice(1, 7));
  return upca.endsWith(text[7]) ? upca : null;
}

// `format` is a Barcode Detection API name (ean_13, upc_e, ...) or null for typed/wedge input.
export function toGtin14(text, format = null) {
  const raw = String(text).trim();
  if (!/^[0-9]+$/.test(raw)) return null;
  const hint = HINTS[format] || null;
  if (hint === "upce") {
    const upca = upcEToUpcA(raw);
    return upca ? upca.padStart(14, "0") : null;
  }
  if (raw.length === 8 && hint !== "ean8") {
    // A leading 1 is more often an EAN-8 (GS1 US issues 100-139) than a number-system-1 UPC-E.
    const upca = upcEToUpcA(raw);
    if (upca && (raw[0] === "0" || !validGtin(raw))) return upca.padStart(14, "0");
  }
  return validGtin(raw) ? raw.padStart(14, "0") : null;
}

function validGtin(digits) {
  return [8, 12, 13, 14].includes(digits.length) && checkDigit(digits.slice(0, -1)) === digits.slice(-1);
}

const GS1_AI01 = /^(?:\][CdQe][0-9])?\x1d?(?:\(01\)|01)([0-9]{14})/;

// { raw, gtin14 } : gtin14 is null for store codes, URLs and anything that is not a GTIN.
export function normalise(text, format = null) {
  const raw = String(text).trim();
  let gtin14 = toGtin14(raw, format);
  if (!gtin14 && raw.length > 16) {
    const m = GS1_AI01.exec(raw);
    if (m && toGtin14(m[1])) gtin14 = m[1];
  }
  return { raw, gtin14 };
}

// What a GS1-128 case label says, enough for the phone's tally (receiving, transfers): the
// (01)/(02) GTIN and the (37) count. The server parses the label again (scanner/codes.py) and
// is the record.
const GS = "\x1d";
const FIXED = { "00": 18, "01": 14, "02": 14, "11": 6, "13": 6, "15": 6, "17": 6 };
const VARIABLE = new Set(["10", "21", "37"]);

export function gs1Parts(text) {
  let s = String(text).trim().replace(/^\][A-Za-z][0-9]/, "");
  const ai = {};
  if (/^\(\d{2,4}\)/.test(s)) {
    for (const m of s.matchAll(/\((\d{2,4})\)([^(]*)/g)) ai[m[1]] = m[2];
  } else if (/^\x1d?0[12]\d{14}./.test(s)) {
    s = s.replace(/^\x1d/, "");
    while (s.length > 2) {
      const key = s.slice(0, 2);
      if (key in FIXED) {
        ai[key] = s.slice(2, 2 + FIXED[key]);
        s = s.slice(2 + FIXED[key]);
      } else if (VARIABLE.has(key)) {
        const end = s.indexOf(GS);
        ai[key] = end < 0 ? s.slice(2) : s.slice(2, end);
        s = end < 0 ? "" : s.slice(end + 1);
      } else {
        break;
      }
    }
  }
  const count = ai["37"] ? Number.parseInt(ai["37"], 10) : null;
  return { gtin: ai["01"] || ai["02"] || null, count: count > 0 ? count : null, ai };
}

// A GS1 label as the server reads it (scanner/codes.py knows a label by its symbology id,
// FNC1/GS or brackets): as scanned when it has one of those; bare digits, from a wedge scanner
// that strips them all, go as their AIs in brackets, "(01)…(37)…(10)…". Not a label: as given.
export function labelForServer(text) {
  const raw = String(text).trim();
  if (/^[(\]\x1d]/.test(raw) || raw.includes(GS)) return raw;
  const { gtin, ai } = gs1Parts(raw);
  if (!gtin) return raw;
  return Object.entries(ai).map(([key, value]) => `(${key})${value}`).join("");
}
