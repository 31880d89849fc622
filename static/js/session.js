// Who is using this phone, asked from the server when it answers and remembered for offline use.
import { getMeta, setMeta } from "./db.js";

export class LoggedOut extends Error {}
export class Unreachable extends Error {}

// How long a flush may trust the last answer instead of asking again. Safe because the sync
// request itself says when it is stale: a log-out or a log-in (as anyone) renews the server
// session, so the kept CSRF token is refused and the flush asks afresh (outbox.js).
const SYNC_FRESH_MS = 60_000;

// Fresh from the server: user, store, a CSRF token valid for this session. (Device clocks are
// corrected by the server from each batch's device_time, so the phone keeps no offset.)
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
  session.fetched_at = Date.now();
  await setMeta("session", session);
  return session;
}

// The session for a flush: the last answer if it is under a minute old, else a fresh one.
export async function sessionForSync() {
  const last = await getMeta("session");
  const age = last && last.fetched_at ? Date.now() - last.fetched_at : Infinity;
  if (age >= 0 && age < SYNC_FRESH_MS) return last;
  return fetchSession();
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
