// What a scan feels like: a short beep, a buzz, a line of text. No audio file to download.
let audio = null;

// Browsers only let audio start after a tap or key press; the scanner calls this on the first one.
export function unlockAudio() {
  try {
    if (!audio) audio = new (window.AudioContext || window.webkitAudioContext)();
    if (audio.state === "suspended") audio.resume();
  } catch (err) {
    audio = null;
  }
}

// tone "ok": one high beep; "warn": two low ones (an unknown code, a refused scan).
export function beep(tone = "ok") {
  if (!audio || audio.state !== "running") return;
  const notes = tone === "ok" ? [[1760, 0, 0.09]] : [[440, 0, 0.12], [440, 0.18, 0.12]];
  for (const [freq, start, length] of notes) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    const t = audio.currentTime + start;
    osc.type = "square";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.2, t + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(t);
    osc.stop(t + length + 0.02);
  }
}

// Arm sound and vibration; call from a tap or key press. Resolves what works now:
// {sound: "on" | "blocked", vibration: "on" | "blocked" | "none"}.
export async function arm() {
  unlockAudio();
  try {
    if (audio && audio.state !== "running") await Promise.race([audio.resume(), wait(300)]);
  } catch {
    // resume() refused: reported as blocked below
  }
  return feedbackStatus();
}

export function feedbackStatus() {
  const activated = !navigator.userActivation || navigator.userActivation.hasBeenActive;
  return {
    sound: audio && audio.state === "running" ? "on" : "blocked",
    vibration: !("vibrate" in navigator) ? "none" : activated ? "on" : "blocked",
  };
}

const wait = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

export function buzz(tone = "ok") {
  if (navigator.vibrate) navigator.vibrate(tone === "ok" ? 60 : [80, 60, 80]);
}
