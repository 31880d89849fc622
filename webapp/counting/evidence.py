"""What a manager needs to decide on a count line (issue 14): each counter's scans with their
times and phones, the stock events during the scans and since the count, and the phones that
scanned into the session and may still hold scans (issue 15). Reads only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from webapp.auth.models import User
from webapp.counting import jumps
from webapp.counting.models import CountLine, CountScan, CountSession
from webapp.extensions import db
from webapp.inventory import ledger
from webapp.inventory.models import StockEvent
from webapp.sync.models import DeviceSync

EVENT_LIMIT = 30  # per list; the item's stock page has the rest


@dataclass(frozen=True)
class CounterScans:
    name: str
    units: int  # what this counter's scans add to the line (a fix replaces their own total)
    scans: list[CountScan]


@dataclass(frozen=True)
class Phone:
    """A phone that scanned into the session and has not synced since its submit, or still
    held events when it last did."""

    device_id: str
    counters: str
    last_sync_at: datetime | None
    backlog: int | None  # None: the phone did not say


@dataclass(frozen=True)
class Evidence:
    counters: list[CounterScans]
    during: list[StockEvent]  # between the first and the last scan
    since: list[StockEvent]  # after the count's instant
    phones: list[Phone]
    previous: jumps.Previous | None  # the previous count of the item at this place


def _names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all())


def counters(line: CountLine) -> list[CounterScans]:
    scans = list(db.session.scalars(
        select(CountScan).where(CountScan.session_id == line.session_id, CountScan.item_id == line.item_id)
        .order_by(CountScan.occurred_at, CountScan.id)))
    names = _names({s.user_id for s in scans})
    own: dict[tuple[int, str | None], int] = defaultdict(int)
    by_user: dict[int, list[CountScan]] = defaultdict(list)
    for s in scans:
        key = (s.user_id, s.device_id)
        own[key] = s.quantity if s.mode == "set" else own[key] + s.quantity
        by_user[s.user_id].append(s)
    return sorted((CounterScans(names.get(u, str(u)), sum(q for (who, _), q in own.items() if who == u), rows)
                   for u, rows in by_user.items()), key=lambda c: c.name)


def _events(line: CountLine, after: datetime, until: datetime | None, *, inclusive: bool) -> list[StockEvent]:
    query = select(StockEvent).where(
        StockEvent.item_id == line.item_id, StockEvent.location_id == line.location_id,
        StockEvent.kind.in_(ledger.DELTAS),
        StockEvent.occurred_at >= after if inclusive else StockEvent.occurred_at > after)
    if until is not None:
        query = query.where(StockEvent.occurred_at <= until)
    return list(db.session.scalars(query.order_by(StockEvent.occurred_at, StockEvent.key).limit(EVENT_LIMIT)))


def phones_behind(session: CountSession) -> list[Phone]:
    """Phones that scanned into ``session`` and may not have sent everything: no sync since the
    session was submitted, or events still waiting on the phone at its last sync."""
    rows = db.session.execute(select(CountScan.device_id, CountScan.user_id).where(
        CountScan.session_id == session.id, CountScan.device_id.is_not(None)).distinct()).all()
    if not rows:
        return []
    names = _names({r.user_id for r in rows})
    who: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        who[r.device_id].add(names.get(r.user_id, str(r.user_id)))
    syncs = {d.device_id: d for d in db.session.scalars(select(DeviceSync).where(
        DeviceSync.store_id == session.store_id, DeviceSync.device_id.in_(sorted(who))))}
    out = []
    for device_id in sorted(who):
        sync = syncs.get(device_id)
        if sync is None:
            out.append(Phone(device_id, ", ".join(sorted(who[device_id])), None, None))
        elif (sync.backlog or 0) > 0 or (session.submitted_at and sync.last_sync_at < session.submitted_at):
            out.append(Phone(device_id, ", ".join(sorted(who[device_id])), sync.last_sync_at, sync.backlog))
    return out


def phones_behind_pending(store_id: int) -> list[tuple[CountSession, list[Phone]]]:
    """``phones_behind`` of every session with a line waiting for a manager (the queue, whose
    bulk approval skips the line pages)."""
    sessions = db.session.scalars(select(CountSession).where(CountSession.id.in_(
        select(CountLine.session_id).where(CountLine.store_id == store_id, CountLine.status == "pending")))
        .order_by(CountSession.submitted_at, CountSession.id))
    return [(s, phones) for s in sessions if (phones := phones_behind(s))]


def for_line(line: CountLine) -> Evidence:
    during = [] if line.first_scan_at is None else _events(line, line.first_scan_at, line.last_scan_at,
                                                           inclusive=True)
    return Evidence(counters(line), during, _events(line, line.counted_at, None, inclusive=False),
                    phones_behind(line.session),
                    jumps.previous_count(line.item_id, line.location_id, line.counted_at, line.id))
