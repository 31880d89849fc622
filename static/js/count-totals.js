// The server's totals for the count on screen (GET /api/v1/count-sessions/<id>/totals): per item,
// this user's total on the server over all their phones (mine), the part this phone sent (here)
// and, for a manager, the session's total (everyone). The count screen shows those plus what
// still waits in this phone's outbox (counting.js). Null when the server cannot say (no signal,
// or a session started offline that has not reached it yet).
import * as outbox from "./outbox.js";
import { deviceId } from "./session.js";

const TYPES = new Set(["count_start", "count_scan", "count_line_edit", "unknown_barcode"]);

export async function fetchTotals(sessionId) {
  const device = await deviceId();
  try {
    const response = await fetch(`/api/v1/count-sessions/${encodeURIComponent(sessionId)}/totals?device=`
      + encodeURIComponent(device), { headers: { Accept: "application/json" }, credentials: "same-origin",
                                      cache: "no-store" });
    if (!response.ok) return null;
    const body = await response.json();
    return Object.fromEntries(body.lines.map((line) => [line.item_id, line]));
  } catch {
    return null;
  }
}

// How many of this user's events for the session are still on the phone (waiting or refused).
export async function waiting(sessionId, userId) {
  const rows = await outbox.all();
  return rows.filter((r) => r.user_id === userId && TYPES.has(r.event.type)
                     && r.event.session_id === sessionId).length;
}
