// The ZXing WebAssembly barcode decoder, off the main thread (a module worker started by
// decoders.js on the first camera start where the browser has no native BarcodeDetector).
// Fetching and compiling the ~1 MB .wasm and every decode happen here, so taps, the tally and the
// viewfinder stay smooth while the camera runs.
//
// Messages in:  {id, type: "init", formats}         -> {id, ok: true} once the decoder is ready
//               {id, type: "detect", bitmap}        -> {id, found: [{rawValue, format, boundingBox}]}
//                 (bitmap: an ImageBitmap of one camera frame, transferred; closed here)
// Any failure:  {id, error: "message"}
import { BarcodeDetector, prepareZXingModule } from "../vendor/ponyfill.js";

const VENDOR = "/static/vendor/";
let detector = null;

async function init(formats) {
  // Without this the ponyfill fetches its .wasm from a CDN; ours is served (and cached) here.
  // fireImmediately: fetch and compile now, so the first frame does not wait for it.
  await prepareZXingModule({
    overrides: { locateFile: (file, prefix) => (file.endsWith(".wasm") ? VENDOR + file : prefix + file) },
    fireImmediately: true,
  });
  detector = new BarcodeDetector({ formats });
}

// The frame's pixels through one canvas kept for the worker's life, made for reading back
// (willReadFrequently). Handed an ImageBitmap, the ponyfill draws it on a fresh accelerated
// canvas per frame; in WebKit that read-back alone took 0.3-0.7 s a frame, against a few ms here.
let canvas = null;
let context = null;

function pixels(bitmap) {
  if (typeof OffscreenCanvas === "undefined") return bitmap;
  if (!canvas || canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
    canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    context = canvas.getContext("2d", { willReadFrequently: true });
  }
  if (!context) return bitmap;
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, bitmap.width, bitmap.height);
}

async function detect(bitmap) {
  try {
    const found = await detector.detect(pixels(bitmap));
    // The box goes back too: the page picks the best symbol by where it lies (pick.js).
    return found.map((f) => ({ rawValue: f.rawValue, format: f.format, boundingBox: f.boundingBox
      && { x: f.boundingBox.x, y: f.boundingBox.y, width: f.boundingBox.width, height: f.boundingBox.height } }));
  } finally {
    bitmap.close();
  }
}

self.addEventListener("message", async ({ data }) => {
  const { id, type } = data || {};
  try {
    if (type === "init") {
      await init(data.formats);
      self.postMessage({ id, ok: true });
    } else if (type === "detect") {
      if (!detector) throw new Error("the decoder is not ready");
      self.postMessage({ id, found: await detect(data.bitmap) });
    } else {
      throw new Error(`unknown message ${type}`);
    }
  } catch (err) {
    self.postMessage({ id, error: (err && err.message) || String(err) });
  }
});
