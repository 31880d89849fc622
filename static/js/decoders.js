// Barcode decoders for the camera, best first: the native BarcodeDetector, ZXing's WebAssembly
// in a module worker (decoder-worker.js) or in the page, else the server (a still frame POSTed
// to /api/v1/decode). Loaded at the first camera start, never before (scanner.js).

export const RETAIL_FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "code_39", "itf",
  "qr_code", "data_matrix", "databar", "databar_expanded"];
// The server's symbology names (scanner/engines.py SYMBOLOGIES, the store setting) -> the
// Barcode Detection API's. DataBar Stacked and Limited are read as "databar" by ZXing.
export const DETECTOR_FORMATS = {
  ean13: ["ean_13"], ean8: ["ean_8"], upca: ["upc_a"], upce: ["upc_e"], code128: ["code_128"],
  code39: ["code_39"], itf: ["itf"], qrcode: ["qr_code"], datamatrix: ["data_matrix"],
  databar: ["databar", "databar_limited"], databar_expanded: ["databar_expanded"], code93: ["code_93"],
  codabar: ["codabar"], pdf417: ["pdf417"],
};

// The Barcode Detection API names for the store's setting (a list of server names); the retail
// default when the page was given none.
export function detectorFormats(names) {
  if (!Array.isArray(names) || !names.length) return RETAIL_FORMATS;
  return [...new Set(names.flatMap((name) => DETECTOR_FORMATS[name] || []))];
}
const VENDOR = "/static/vendor/";

let zxing = null;

// The best decoder this browser has: {kind: "native"|"zxing"|"server", where: "worker"|"page",
// detect(source)}. Loaded at the first camera start, never before (a page that only types or
// takes a hardware scanner's keys does not download the ~1 MB decoder).
export async function loadDecoder(formats = RETAIL_FORMATS) {
  if ("BarcodeDetector" in window) {
    try {
      const supported = await window.BarcodeDetector.getSupportedFormats();
      const usable = formats.filter((f) => supported.includes(f));
      if (usable.length) {
        const detector = new window.BarcodeDetector({ formats: usable });
        return { kind: "native", where: "page", detect: (source) => detector.detect(source) };
      }
    } catch (err) { /* fall through to ZXing */ }
  }
  try {
    return await workerDecoder(formats);
  } catch (err) {
    // No module workers or no createImageBitmap (older Safari, Firefox): decode in the page.
  }
  return pageDecoder(formats);
}

// ZXing in a module worker (decoder-worker.js): compiling the WebAssembly and every decode happen
// off the main thread. Each frame goes over as an ImageBitmap, transferred, not copied.
async function workerDecoder(formats) {
  if (typeof Worker === "undefined" || typeof createImageBitmap === "undefined") {
    throw new Error("no workers here");
  }
  const worker = new Worker(new URL("./decoder-worker.js", import.meta.url),
    { type: "module", name: "barcode-decoder" });
  const waiting = new Map();
  let next = 0;
  const failAll = (message) => {
    for (const { reject } of waiting.values()) reject(new Error(message));
    waiting.clear();
  };
  worker.onmessage = ({ data }) => {
    const call = waiting.get(data.id);
    if (!call) return;
    waiting.delete(data.id);
    if (data.error) call.reject(new Error(data.error));
    else call.resolve(data);
  };
  // A worker that cannot start (a browser without module workers) reports it here, not by throwing.
  worker.onerror = (event) => {
    event.preventDefault();
    failAll(event.message || "the decoder worker failed");
  };
  const call = (message, transfer = []) => new Promise((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve, reject });
    worker.postMessage({ ...message, id }, transfer);
  });
  try {
    await call({ type: "init", formats });
  } catch (err) {
    worker.terminate();
    throw err;
  }
  return {
    kind: "zxing",
    where: "worker",
    detect: async (source) => {
      const bitmap = await createImageBitmap(source);
      return (await call({ type: "detect", bitmap }, [bitmap])).found;
    },
  };
}

async function pageDecoder(formats) {
  try {
    if (!zxing) {
      zxing = await import(`${VENDOR}ponyfill.js`);
      // Without this the ponyfill fetches its .wasm from a CDN; ours is served (and cached) here.
      zxing.prepareZXingModule({
        overrides: { locateFile: (file, prefix) => (file.endsWith(".wasm") ? VENDOR + file : prefix + file) },
      });
    }
    const detector = new zxing.BarcodeDetector({ formats });
    // As in the worker: one canvas made for reading back, not a fresh one per frame.
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const pixels = (video) => {
      const width = video.videoWidth || video.width;
      const height = video.videoHeight || video.height;
      if (!context || !width || !height) return video;
      if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
      context.drawImage(video, 0, 0, width, height);
      return context.getImageData(0, 0, width, height);
    };
    return { kind: "zxing", where: "page", detect: (source) => detector.detect(pixels(source)) };
  } catch (err) {
    return { kind: "server", where: "server", detect: null };
  }
}

// One frame read by the server, online only: {rawValue, format} or null.
export async function detectOnServer(video, canvas) {
  if (!navigator.onLine) return null;
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  if (!blob) return null;
  const form = new FormData();
  form.append("image", blob, "frame.jpg");
  const token = document.querySelector('meta[name="csrf-token"]');
  const response = await fetch("/api/v1/decode", {
    method: "POST", body: form, credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": token ? token.content : "" },
  }).catch(() => null);
  if (!response || !response.ok) return null;
  // The server lists the symbols best first (scanner/consensus.py), conflicts already removed.
  const symbols = (await response.json()).symbols || [];
  return symbols.length ? { rawValue: symbols[0].text, format: symbols[0].format || null } : null;
}
