"""Scans that reach a count session late: a code nobody knew, linked to an item afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from webapp.catalog.models import Store
from webapp.counting.models import CountLine, CountScan
from webapp.counting.service import (
    Scan,
    _counters,
    _item_in_store,
    _usernames,
    get_session,
    record_scan,
    renew_line,
    tally,
)
from webapp.extensions import db
from webapp.types import utcnow


@dataclass(frozen=True)
class LateScans:
    status: str  # applied | too_late | outside_session
    line: CountLine | None = None  # the submitted line they recomputed, to be triaged again


def add_late_scans(session_id: str, store_id: int, item_id: int, scans: list[Scan]) -> LateScans:
    """Count scans that reach a session late: a code nobody knew, linked to an item afterwards.

    Says what happened, for the caller to report:

    * ``applied``: the session is open, or submitted with this item's line still undecided
      (pending, or "not counted"). A manager who has not yet approved the count expects it to
      include every scan made during it, so the line is recomputed from all its scans (at
      their original times, by their original counters) and returned as ``line``, for the
      caller to triage again like a fresh submit (``approvals.service.triage``).
    * ``too_late``: the item's line was already approved, rejected or sent for recount, or
      the session was cancelled; its numbers stand, and the scans change nothing.
    * ``outside_session``: a recount of another item; the scans do not belong to it.
    """
    session = get_session(session_id, store_id)
    if session.item_id is not None and session.item_id != item_id:
        return LateScans("outside_session")
    if session.status == "open":
        for scan in scans:
            record_scan(scan, store_id, commit=False)
        return LateScans("applied")
    # Locked like an approval locks it, so a decision and late scans cannot cross.
    line = db.session.scalar(select(CountLine).where(CountLine.session_id == session.id,
                                                     CountLine.item_id == item_id)
                             .with_for_update(of=CountLine))
    if session.status != "submitted" or (line is not None and line.status not in ("pending", "not_counted")):
        return LateScans("too_late")
    _item_in_store(item_id, store_id)
    db.session.execute(CountScan.__table__.insert(), [
        dict(session_id=session.id, item_id=item_id, user_id=s.user_id, device_id=s.device_id,
             code=s.code, mode="add", quantity=s.quantity, occurred_at=s.occurred_at,
             device_time=s.device_time, recorded_at=utcnow()) for s in scans])
    t = tally(session.id)[item_id]
    store = db.session.get(Store, session.store_id)
    line = renew_line(session, line, t, timedelta(seconds=store.scan_window_seconds),
                      _counters(t, _usernames(t.counters)))
    db.session.flush()
    return LateScans("applied", line)
