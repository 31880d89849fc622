// "Install Shelfcount": Android/desktop Chrome offer a prompt we can trigger from a button;
// iPhone Safari has none, so it gets the two taps that do it by hand.
let deferred = null;

function standalone() {
  return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
}

function isIosSafari() {
  const ua = navigator.userAgent;
  const ios = /iPhone|iPad|iPod/.test(ua) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  return ios && /Safari/.test(ua) && !/CriOS|FxiOS|EdgiOS/.test(ua);
}

export function setUpInstallHint() {
  const hint = document.getElementById("install-hint");
  if (!hint || standalone()) return;
  const text = hint.querySelector(".install-text");
  const button = hint.querySelector("button");
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    deferred = event;
    text.textContent = "Install Shelfcount on this phone: it opens full screen and works in the back room without signal.";
    button.hidden = false;
    hint.hidden = false;
  });
  button.addEventListener("click", async () => {
    if (!deferred) return;
    deferred.prompt();
    await deferred.userChoice;
    deferred = null;
    hint.hidden = true;
  });
  window.addEventListener("appinstalled", () => { hint.hidden = true; });
  if (isIosSafari()) {
    text.textContent = "Install Shelfcount: tap the Share button, then “Add to Home Screen”. "
      + "It then opens full screen and works without signal.";
    button.hidden = true;
    hint.hidden = false;
  }
}
