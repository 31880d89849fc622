// The one barcode scanner every screen uses (counting, lookup, receiving, damage).
//
//   import { mount } from "/static/js/scanner.js";
//   const scanner = await mount(containerEl, {
//     onScan: async (code, { source, format }) => ({ text: "Oat Milk", tone: "ok" }),
//   });
//   scanner.stop();
//
// Inputs, all ending in onScan(code, {source: "camera"|"keyboard"|"manual"|"server", format}):
//   - the rear camera, decoded by the native BarcodeDetector where it exists (Android, macOS),
//     else by the ZXing WebAssembly ponyfill in a module worker (decoder-worker.js; in the page
//     where there are no module workers), loaded at the first camera start, else, online, by the server
//     (a still frame POSTed to /api/v1/decode);
//   - a keyboard-wedge scanner: characters typed fast, then Enter, with no field focused;
//   - a typed code in the manual field.
// onScan may return (or resolve to) {text, tone: "ok"|"warn"}: the scanner beeps, buzzes and
// shows the text. The container also gets a "scan-shown" event {code, source, frameTime,
// shownAt} (performance.now() times) once that is on screen, which bench/pwa.py measures.
import { toGtin14 } from "./codes.js";
import { beep, buzz, unlockAudio } from "./feedback.js";

export const RETAIL_FORMATS = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128", "code_39", "itf",
  "qr_code", "data_matrix"];
const DETECT_EVERY_MS = 100;          // a 30 fps stream is sampled ~10 times a second, never queued
const SERVER_EVERY_MS = 1500;         // a frame upload is heavy; one at a time, this far apart
const SAME_CODE_MS = 1500;            // the same code seen again within this is the same scan
// A keyboard-wedge scanner types a whole code in a burst (a few ms a key); people average 150 ms
// or more. Judged on the burst's average, so one late key on a busy phone does not split a scan.
// A code whose GTIN check digit holds gets a looser bound: a busy phone delivers a scanner's keys
// late, and a valid product code typed fast and ended with Enter on a scanning screen is a scan.
const WEDGE_AVERAGE_MS = 40;
const WEDGE_GTIN_AVERAGE_MS = 120;
const WEDGE_PAUSE_MS = 1000;          // a longer pause starts a new burst
const WEDGE_MIN_LENGTH = 4;
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
    return { kind: "zxing", where: "page", detect: (source) => detector.detect(source) };
  } catch (err) {
    return { kind: "server", where: "server", detect: null };
  }
}

export async function mount(container, options) {
  const scanner = new Scanner(container, options);
  await scanner.init();
  return scanner;
}

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
}

function isField(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

class Scanner {
  constructor(container, { onScan, formats = RETAIL_FORMATS, camera = true, sameCodeMs = SAME_CODE_MS } = {}) {
    this.container = container;
    this.onScan = onScan || (() => null);
    this.formats = formats;
    this.wantCamera = camera;
    this.sameCodeMs = sameCodeMs;
    this.stream = null;
    this.decoder = null;
    this.running = false;
    this.busy = false;
    this.lastDetect = -Infinity;
    this.seen = new Map();               // code -> last time the camera saw it
    this.devices = [];
    this.deviceIndex = -1;
    this.wedge = { text: "", first: 0, last: -Infinity };
    this.flashTimer = null;
    this.onKey = this.onKey.bind(this);
    this.onVisibility = this.onVisibility.bind(this);
    this.build();
  }

  build() {
    this.video = el("video", { muted: true, playsInline: true, autoplay: true, className: "scanner-video" });
    this.video.setAttribute("aria-label", "Camera view");
    // Shown from the start (black until the camera answers) so the page does not jump when it does.
    this.viewfinder = el("div", { className: "scanner-viewfinder" }, this.video,
      el("div", { className: "scanner-target" }));
    this.message = el("p", { className: "scanner-message", role: "status" });
    this.retry = el("button", { type: "button", className: "scanner-retry", hidden: true,
      textContent: "Try the camera again" });
    this.torch = el("button", { type: "button", hidden: true, textContent: "Torch" });
    this.torch.setAttribute("aria-pressed", "false");
    this.switcher = el("button", { type: "button", hidden: true, textContent: "Switch camera" });
    this.flashBox = el("p", { className: "scan-flash", hidden: true });
    this.flashBox.setAttribute("aria-live", "assertive");
    const input = el("input", { id: `manual-code-${Math.random().toString(36).slice(2, 8)}`,
      name: "code", autocomplete: "off", inputMode: "numeric", enterKeyHint: "done",
      className: "manual-code" });
    input.setAttribute("autocapitalize", "characters");
    this.manualInput = input;
    this.manual = el("form", { className: "scanner-manual" },
      el("label", { htmlFor: input.id, textContent: "Type a barcode" }),
      el("div", { className: "row" }, input, el("button", { type: "submit", textContent: "Add" })));
    this.root = el("section", { className: "scanner" }, this.viewfinder, this.flashBox,
      el("div", { className: "scanner-controls" }, this.torch, this.switcher, this.retry),
      this.message, this.manual);
    this.root.setAttribute("aria-label", "Scanner");
    this.container.replaceChildren(this.root);

    this.retry.addEventListener("click", () => this.start());
    this.torch.addEventListener("click", () => this.toggleTorch());
    this.switcher.addEventListener("click", () => this.switchCamera());
    this.manual.addEventListener("submit", (e) => {
      e.preventDefault();
      const code = input.value.trim();
      input.value = "";
      if (code) this.accept(code, "manual", null, performance.now());
    });
  }

  async init() {
    document.addEventListener("keydown", this.onKey, true);
    document.addEventListener("visibilitychange", this.onVisibility);
    document.addEventListener("pointerdown", unlockAudio, { once: true });
    if (this.wantCamera) await this.start();
    else this.say("Scan with a hardware scanner, or type the code below.");
  }

  stop() {
    this.stopCamera();
    document.removeEventListener("keydown", this.onKey, true);
    document.removeEventListener("visibilitychange", this.onVisibility);
  }

  say(text, isError = false) {
    this.message.textContent = text;
    this.message.classList.toggle("error", isError);
  }

  // ----- camera --------------------------------------------------------------------------

  async start(deviceId = null) {
    this.stopCamera();
    this.retry.hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      this.viewfinder.hidden = true;
      this.say("The camera needs a secure (https) address. Type the code below, or use a hardware scanner.", true);
      return;
    }
    this.say("Starting the camera…");
    const video = deviceId ? { deviceId: { exact: deviceId } } : { facingMode: { ideal: "environment" } };
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false, video: { ...video, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (err) {
      this.cameraFailed(err);
      return;
    }
    this.video.srcObject = this.stream;
    this.viewfinder.hidden = false;
    try { await this.video.play(); } catch (err) { /* autoplay of a muted stream is allowed */ }
    await this.setUpControls();
    this.decoder = this.decoder || await loadDecoder(this.formats);
    this.root.dataset.decoder = `${this.decoder.kind}-${this.decoder.where}`;
    this.say(this.decoder.kind === "server"
      ? "Point the camera at a barcode and hold still; this phone sends pictures to the server to read."
      : "Point the camera at a barcode.");
    this.running = true;
    this.scheduleFrame();
  }

  cameraFailed(err) {
    const name = err && err.name;
    this.viewfinder.hidden = true;
    this.retry.hidden = false;
    if (name === "NotAllowedError" || name === "SecurityError") {
      this.say("Camera access is blocked for Shelfcount. Allow the camera in the browser's site settings "
        + "(the icon beside the address), then tap “Try the camera again”. Until then, type the code "
        + "below or use a hardware scanner.", true);
    } else if (name === "NotFoundError" || name === "OverconstrainedError") {
      this.say("No camera was found. Type the code below, or use a hardware scanner.", true);
    } else if (name === "NotReadableError") {
      this.say("Another app is using the camera. Close it, then tap “Try the camera again”.", true);
    } else {
      this.say(`The camera could not start (${name || "unknown error"}). Type the code below instead.`, true);
    }
  }

  stopCamera() {
    this.running = false;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    this.stream = null;
    this.video.srcObject = null;
  }

  onVisibility() {
    // A camera left running in a pocket drains the battery; pick up where we were on return.
    if (document.hidden && this.stream) {
      this.resumeDevice = this.deviceIndex >= 0 ? this.devices[this.deviceIndex].deviceId : null;
      this.resumeOnShow = true;
      this.stopCamera();
    } else if (!document.hidden && this.resumeOnShow) {
      this.resumeOnShow = false;
      this.start(this.resumeDevice);
    }
  }

  async setUpControls() {
    const track = this.stream.getVideoTracks()[0];
    const caps = track && track.getCapabilities ? track.getCapabilities() : {};
    this.torch.hidden = !caps.torch;
    this.torch.setAttribute("aria-pressed", "false");
    try {
      this.devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
    } catch (err) {
      this.devices = [];
    }
    const current = track && track.getSettings ? track.getSettings().deviceId : null;
    this.deviceIndex = Math.max(0, this.devices.findIndex((d) => d.deviceId === current));
    this.switcher.hidden = this.devices.length < 2;
  }

  async toggleTorch() {
    const track = this.stream && this.stream.getVideoTracks()[0];
    if (!track) return;
    const on = this.torch.getAttribute("aria-pressed") !== "true";
    try {
      await track.applyConstraints({ advanced: [{ torch: on }] });
      this.torch.setAttribute("aria-pressed", String(on));
    } catch (err) {
      this.torch.hidden = true;
    }
  }

  switchCamera() {
    if (this.devices.length < 2) return;
    this.deviceIndex = (this.deviceIndex + 1) % this.devices.length;
    this.start(this.devices[this.deviceIndex].deviceId);
  }

  scheduleFrame() {
    if (!this.running) return;
    if (this.video.requestVideoFrameCallback) {
      this.video.requestVideoFrameCallback((now) => this.onFrame(now));
    } else {
      requestAnimationFrame((now) => this.onFrame(now));
    }
  }

  onFrame(now) {
    if (!this.running) return;
    // One frame in flight at a time. A decoder on the main thread (native, or ZXing where there
    // are no workers) gets at most a third of it on a slow phone, so taps and the tally stay
    // responsive while the camera is on; in a worker it may take what it needs.
    const every = this.decoder.kind === "server" ? SERVER_EVERY_MS
      : Math.max(DETECT_EVERY_MS, (this.decoder.where === "worker" ? 1 : 2) * (this.detectMs || 0));
    if (!this.busy && now - this.lastDetect >= every && this.video.videoWidth) {
      this.busy = true;
      this.lastDetect = now;
      const frameTime = performance.now();
      this.detect()
        .then((found) => {
          this.detectMs = performance.now() - frameTime;
          // A frame decoded after the camera was stopped (in the worker, or at the server) is
          // not a scan: stopping means no more scans, on a slow phone too.
          if (found && this.running && this.stream) this.accept(found.rawValue, "camera", found.format, frameTime);
        })
        .catch((err) => this.decoderFailed(err))
        .finally(() => { this.busy = false; });
    }
    this.scheduleFrame();
  }

  async detect() {
    if (this.decoder.kind === "server") return this.detectOnServer();
    const found = await this.decoder.detect(this.video);
    return found.length ? found[0] : null;
  }

  decoderFailed(err) {
    // e.g. the .wasm could not be fetched: the server can still read frames while online.
    if (this.decoder.kind !== "server") {
      this.decoder = { kind: "server", where: "server", detect: null };
      this.say("This phone cannot read barcodes itself right now; pictures go to the server while online. "
        + "A hardware scanner or typing the code works too.", true);
    }
  }

  async detectOnServer() {
    if (!navigator.onLine) return null;
    const canvas = this.canvas || (this.canvas = document.createElement("canvas"));
    canvas.width = this.video.videoWidth;
    canvas.height = this.video.videoHeight;
    canvas.getContext("2d").drawImage(this.video, 0, 0);
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
    const symbols = (await response.json()).symbols || [];
    return symbols.length ? { rawValue: symbols[0].text, format: symbols[0].format || null } : null;
  }

  // ----- keyboard wedge ------------------------------------------------------------------

  onKey(event) {
    if (event.ctrlKey || event.altKey || event.metaKey || isField(event.target)) return;
    // When the key arrived, not when we got round to it: a busy main thread must not split a scan.
    const now = event.timeStamp;
    const w = this.wedge;
    if (event.key === "Enter" || event.key === "Tab") {
      const average = (w.last - w.first) / Math.max(1, w.text.length - 1);
      const bound = toGtin14(w.text) ? WEDGE_GTIN_AVERAGE_MS : WEDGE_AVERAGE_MS;
      if (w.text.length >= WEDGE_MIN_LENGTH && average <= bound && now - w.last <= WEDGE_PAUSE_MS) {
        event.preventDefault();     // the Enter ends a scan; it must not press a focused button
        this.accept(w.text, "keyboard", null, now);
      }
      w.text = "";
      return;
    }
    if (event.key.length !== 1) return;
    if (!w.text || now - w.last > WEDGE_PAUSE_MS) {
      w.text = "";
      w.first = now;
    }
    w.text += event.key;
    w.last = now;
  }

  // ----- one accepted scan ---------------------------------------------------------------

  async accept(code, source, format, frameTime) {
    if (source === "camera") {
      const last = this.seen.get(code);
      this.seen.set(code, frameTime);
      if (last !== undefined && frameTime - last < this.sameCodeMs) return;
    }
    unlockAudio();
    let shown;
    try {
      shown = await this.onScan(code, { source, format });
    } catch (err) {
      shown = { text: err.message || String(err), tone: "warn" };
    }
    const tone = (shown && shown.tone) || "ok";
    beep(tone);
    buzz(tone);
    this.flash((shown && shown.text) || code, tone);
    this.container.dispatchEvent(new CustomEvent("scan-shown", {
      detail: { code, source, format, frameTime, shownAt: performance.now() },
    }));
  }

  flash(text, tone = "ok") {
    this.flashBox.textContent = text;
    this.flashBox.className = `scan-flash ${tone}`;
    this.flashBox.hidden = false;
    clearTimeout(this.flashTimer);
    this.flashTimer = setTimeout(() => { this.flashBox.hidden = true; }, 2500);
  }
}
