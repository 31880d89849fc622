// The count screen's keypad (templates/pwa/count.html): "N of these" and a line's new total.
const $ = (id) => document.getElementById(id);
let keypadAction = null;
const display = $("keypad-display");

// The display always starts empty: a key never appends to a number the person did not type.
export function openKeypad(title, action, hint = "") {
  keypadAction = action;
  $("keypad-title").textContent = title;
  const hintNode = $("keypad-hint");   // absent from a page kept offline before it existed
  if (hintNode) hintNode.textContent = hint;
  display.textContent = "";
  $("count-keypad").hidden = false;
  $("keypad-ok").focus();
}

function setDisplay(text) {
  display.textContent = text.replace(/^0+(?=\d)/, "").slice(0, 6);
}

$("count-keypad").addEventListener("click", (e) => {
  const key = e.target.closest("[data-key]")?.dataset.key;
  if (!key) return;
  const now = display.textContent;
  if (key === "clear") setDisplay("");
  else if (key === "back") setDisplay(now.slice(0, -1));
  else setDisplay(now + key);
});
$("keypad-cancel").addEventListener("click", () => { $("count-keypad").hidden = true; });
$("keypad-ok").addEventListener("click", async () => {
  $("count-keypad").hidden = true;
  const typed = display.textContent;
  const action = keypadAction;
  keypadAction = null;
  // Set with nothing typed changes nothing (it is not a zero).
  if (action && typed !== "") await action(Number.parseInt(typed, 10));
});
