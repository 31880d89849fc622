// The keyboard count page (/counting/<id>): a code typed or sent by a wedge scanner, then Enter,
// is posted without leaving the page, so a scanner's next code, typed while the first is on its
// way, lands whole in the cleared field. Codes wait in a queue and go one at a time, in order;
// the tally is read back from the server's own page after each one (the server is the truth).
// The same goes for a code a wedge types while no field has focus, and for the "Set" fixes.
import { WedgeReader } from "./wedge.js";

const form = document.getElementById("scan-form");
const codeInput = document.getElementById("code");
const quantityInput = document.getElementById("quantity");
const result = document.getElementById("scan-result");
const queue = [];
let sending = false;

function say(text, tone) {
  result.textContent = text;
  result.className = `scan-result ${tone}`;
}

async function post(body) {
  const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin",
                                              headers: { "X-Requested-With": "fetch" } });
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  if (!response.ok) {
    const why = page.querySelector("main .error");
    say(why ? why.textContent : `The server answered ${response.status}.`, "warn");
    return;
  }
  const tally = page.getElementById("tally");
  if (tally) document.getElementById("tally").replaceWith(document.adoptNode(tally));
  const said = [...page.querySelectorAll("main .flash")].map((p) => p.textContent).join(" ");
  say(said || "Saved.", /unknown|kept for a manager/i.test(said) ? "warn" : "ok");
}

async function drain() {
  if (sending) return;
  sending = true;
  try {
    while (queue.length) {
      const body = queue.shift();
      try {
        await post(body);
      } catch (err) {
        say(`Not sent (${err.message}): check the signal and type it again.`, "warn");
      }
    }
  } finally {
    sending = false;
    document.body.dataset.pending = "0";
  }
}

function enqueue(body) {
  queue.push(body);
  document.body.dataset.pending = String(queue.length);
  drain();
}

function sendCode(code) {
  const body = new FormData(form);
  body.set("code", code);
  codeInput.value = "";
  quantityInput.value = "1";
  enqueue(body);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const code = codeInput.value.trim();
  if (code) sendCode(code);
});

// The fixes in the tally: the same queue, so a fix never overtakes a scan typed before it.
document.addEventListener("submit", (event) => {
  const fix = event.target.closest("form.fix");
  if (!fix) return;
  event.preventDefault();
  enqueue(new FormData(fix));
});

// A wedge scanner typing while no field has focus.
const wedge = new WedgeReader();
document.addEventListener("keydown", (event) => {
  const code = wedge.read(event);
  if (code) sendCode(code);
}, true);

document.body.dataset.keyboardCountReady = "1";
