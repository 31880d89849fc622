// Who is using this phone, asked from the server when it answers and remembered for offline use.
import { getMeta, setMeta } from "./db.js";

export class LoggedOut extends Error {}
export class Unreachable extends Error {}

// Fresh from the server: user, store, a CSRF token valid for this session, the server's clock.
export async function fetchSession() {
  let response;
  try {
    response = await fetch("/pwa/session", {
      headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
    });
  } catch (err) {
    throw new Unreachable("The server cannot be reached.");
  }
  if (response.status === 401) throw new LoggedOut("Log in to sync.");
  if (!response.ok) throw new Unreachable(`The server answered ${response.status}.`);
  const session = await response.json();
  const deviceNow = Date.now();
  session.clock_offset_ms = Date.parse(session.server_time) - deviceNow;
  await setMeta("session", session);
  return session;
}

// The session as last seen; good enough offline, where nothing is sent anyway.
export async function currentSession() {
  try {
    return await fetchSession();
  } catch (err) {
    if (err instanceof LoggedOut) throw err;
    const last = await getMeta("session");
    if (last) return last;
    throw err;
  }
}

export async function deviceId() {
  let id = await getMeta("device_id");
  if (!id) {
    id = crypto.randomUUID();
    await setMeta("device_id", id);
  }
  return id;
}

export function csrfFromPage() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}
