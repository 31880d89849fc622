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
// The decoders live in decoders.js and the wedge's timing in wedge.js; this module is the
// screen: camera, controls, and what one accepted scan does.
// onScan may return (or resolve to) {text, tone: "ok"|"warn"}: the scanner beeps, buzzes and
// shows the text. The container also gets a "scan-shown" event {code, source, frameTime,
// shownAt} (performance.now() times) once that is on screen, which bench/pwa.py measures.
import { detectOnServer, detectorFormats, loadDecoder, RETAIL_FORMATS } from "./decoders.js";
import { pickBest } from "./pick.js";
import { arm, beep, buzz, unlockAudio } from "./feedback.js";
import { WedgeReader } from "./wedge.js";

export { loadDecoder, RETAIL_FORMATS };

const DETECT_EVERY_MS = 100;          // a 30 fps stream is sampled ~10 times a second, never queued
const SERVER_EVERY_MS = 1500;         // a frame upload is heavy; one at a time, this far apart
const SAME_CODE_MS = 1500;            // the same code seen again within this is the same scan

// The store's setting (webapp/catalog/formats.py), put on every page by base.html.
function storeFormats() {
  const meta = document.querySelector('meta[name="barcode-formats"]');
  return detectorFormats(meta ? meta.content.split(",").filter(Boolean) : []);
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

class Scanner {
  constructor(container, { onScan, formats = storeFormats(), camera = true, sameCodeMs = SAME_CODE_MS } = {}) {
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
    this.seen = new Map();               // code -> {last: time the camera last saw it, gone}
    this.devices = [];
    this.deviceIndex = -1;
    this.wedge = new WedgeReader();
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
    // Browsers keep sound and vibration off until the person taps: says so until the first tap,
    // and then what the browser still blocks. Always takes its line, so nothing moves.
    this.feedback = el("button", { type: "button", className: "scanner-feedback warn",
      textContent: "Tap here (or anywhere) once to turn on the beep and vibration" });
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
      this.message, this.feedback, this.manual);
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
    this.onFirstTap = this.onFirstTap.bind(this);
    document.addEventListener("pointerdown", this.onFirstTap, true);
    document.addEventListener("keydown", this.onFirstTap, true);
    if (this.wantCamera) await this.start();
    else this.say("Scan with a hardware scanner, or type the code below.");
  }

  // The first tap (or key: a wedge scanner's counts) of the session arms sound and vibration.
  async onFirstTap(event) {
    if (!event.isTrusted) return;
    document.removeEventListener("pointerdown", this.onFirstTap, true);
    document.removeEventListener("keydown", this.onFirstTap, true);
    const status = await arm();
    const off = [];
    if (status.sound !== "on") off.push("sound");
    if (status.vibration === "blocked") off.push("vibration");
    const text = off.length
      ? `This browser blocks ${off.join(" and ")}: watch the screen for each scan's confirmation.`
      : status.vibration === "none" ? "Beep on. This phone cannot vibrate for a web page."
        : "Beep and vibration on.";
    this.feedback.textContent = text;
    this.feedback.className = `scanner-feedback ${off.length || status.vibration === "none" ? "warn" : "ok"}`;
    this.feedback.dataset.sound = status.sound;
    this.feedback.dataset.vibration = status.vibration;
  }

  stop() {
    this.stopCamera();
    document.removeEventListener("pointerdown", this.onFirstTap, true);
    document.removeEventListener("keydown", this.onFirstTap, true);
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
          if (!this.running || !this.stream) return;
          if (this.isNewSighting(found ? found.rawValue : null, frameTime)) {
            this.accept(found.rawValue, "camera", found.format, frameTime);
          }
        })
        .catch((err) => this.decoderFailed(err))
        .finally(() => { this.busy = false; });
    }
    this.scheduleFrame();
  }

  async detect() {
    if (this.decoder.kind === "server") return this.detectOnServer();
    // Not merely the first symbol: a misread can come first (pick.js).
    return pickBest(await this.decoder.detect(this.video));
  }

  decoderFailed(err) {
    // e.g. the .wasm could not be fetched: the server can still read frames while online.
    if (this.decoder.kind !== "server") {
      this.decoder = { kind: "server", where: "server", detect: null };
      this.say("This phone cannot read barcodes itself right now; pictures go to the server while online. "
        + "A hardware scanner or typing the code works too.", true);
    }
  }

  detectOnServer() {
    return detectOnServer(this.video, this.canvas || (this.canvas = document.createElement("canvas")));
  }

  // ----- keyboard wedge ------------------------------------------------------------------

  onKey(event) {
    const code = this.wedge.read(event);
    if (code) this.accept(code, "keyboard", null, event.timeStamp);
  }

  // ----- one accepted scan ---------------------------------------------------------------

  // A code held in front of the camera is one scan, however slowly this phone decodes (a
  // worker on an old phone, or the server every SERVER_EVERY_MS): it counts again only once a
  // decoded frame has shown it gone, and not within sameCodeMs of its last sighting, so a
  // frame that missed it while it stayed in view is not a second item either.
  isNewSighting(code, frameTime) {
    for (const [seenCode, entry] of this.seen) {
      if (seenCode !== code) entry.gone = true;
    }
    if (code === null) return false;
    const entry = this.seen.get(code);
    this.seen.set(code, { last: frameTime, gone: false });
    return !entry || (entry.gone && frameTime - entry.last >= this.sameCodeMs);
  }

  // Scans are handled one at a time, in the order they came: a burst of wedge codes must not
  // interleave its catalog look-ups and outbox writes.
  accept(code, source, format, frameTime) {
    this.pending = (this.pending || Promise.resolve()).catch(() => undefined)
      .then(() => this.handle(code, source, format, frameTime));
    return this.pending;
  }

  async handle(code, source, format, frameTime) {
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
