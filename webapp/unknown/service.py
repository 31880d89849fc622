"""Unknown barcodes: scans of codes the phone's catalog did not know, kept for a manager.

The sync event ``unknown_barcode`` {code, quantity = 1, session_id?, context?, location_id?}
(``webapp.unknown.events``) stores one ``UnknownScan``. When the code is known on the server by
the time the event arrives (the phone's catalog was stale), the event is applied as what it would have been: a
count scan when it names an open count session, else it is stored as resolved.

A manager then handles each pending code once, for all its scans (``link``, ``create_item``
or ``dismiss``). Linking adds the code to the item through the catalog service, so the
phones' next ``GET /api/v1/catalog?since=`` brings it, and counts the pending scans of count
sessions into those sessions at their original times with their original counters:

* an open session: the scans are count scans like any other;
* a submitted session whose line for the item is not decided yet (pending or "not
  counted"): the line is recomputed with the scans and triaged again. The manager has not
  approved that count, and expects it to include everything scanned during it;
* a session whose line for the item was already approved, rejected or sent for recount (or
  a cancelled session): nothing is changed. Those scans are marked ``too_late`` and listed
  on the page, so the manager can start a recount rather than have a decided count move.

Scans outside a count (lookup, receiving, damage, transfer) are only marked resolved: they
did not change stock when made and linking does not invent that change. The receiving, damage
and transfer screens keep an unknown code with its context and location (never a count
session's id), and the person is told to set the item aside. Linking does not receive, flag or
move those units afterwards: the delivery may be closed by then, a damage flag needs the reason
and quantity nobody gave, a move its destination. The page and the link's message ask the
manager to have the item scanned again on that screen instead (``Outcome.rescan``). Every handling records who
did it and when on each scan row (``resolved_by_id``, ``resolved_at``) and in the log.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from scanner.codes import normalise
from webapp.approvals import service as approvals
from webapp.auth.models import User
from webapp.catalog import service as catalog
from webapp.catalog.models import Item, Store
from webapp.counting import late as late_scans
from webapp.counting import service as counting
from webapp.counting.models import CountScan, CountSession
from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.inventory.ledger import Ledger
from webapp.types import utcnow
from webapp.unknown.models import UnknownScan

log = logging.getLogger(__name__)

CONTEXTS = ("count", "lookup", "receiving", "damage", "transfer", "other")
# Screens whose scans would have changed stock had the code been known: someone scans again.
RESCAN_CONTEXTS = ("receiving", "damage", "transfer")
MAX_QUANTITY = 100_000


def code_key(text: str) -> tuple[str, str]:
    """(the code the scans are grouped by, the code as scanned): GTIN-14 for any GTIN spelling."""
    raw = text.strip()
    if not raw or len(raw) > catalog.MAX_CODE_LENGTH or not raw.isprintable() or not raw.isascii():
        raise DomainError("bad_code", f"A barcode is 1 to {catalog.MAX_CODE_LENGTH} plain characters.",
                          "code")
    normal = normalise(raw)
    return (normal.gtin14 or normal.raw), normal.raw


@dataclass(frozen=True)
class Sighting:
    """One scan of a code the scanning device did not know."""

    event_id: str
    store_id: int
    user_id: int
    code: str
    occurred_at: datetime
    quantity: int = 1
    session_id: str | None = None
    context: str | None = None  # default: "count" with a session, else "other"
    location_id: int | None = None
    device_id: str | None = None
    device_time: datetime | None = None


def keep(seen: Sighting, led: Ledger, *, memo: dict | None = None) -> UnknownScan:
    """Store the scan for a manager (no commit), or apply it when the code is known by now.

    ``memo`` (one sync batch's) remembers what each code resolved to: a stuck scanner's
    thousand reports of one code cost one lookup, not a thousand.
    """
    scan, session = _checked(seen, {})
    memo = {} if memo is None else memo
    if scan.raw_code not in memo:
        memo[scan.raw_code] = catalog.resolve(seen.store_id, scan.raw_code)
    _apply_known(scan, session, memo[scan.raw_code], led)
    db.session.add(scan)
    db.session.flush()
    _remember_count_scans([scan])
    return scan


def _checked(seen: Sighting, sessions: dict) -> tuple[UnknownScan, CountSession | None]:
    """The sighting's row (pending), and its count session, by ``keep``'s rules; writes nothing."""
    key, raw = code_key(seen.code)
    if not 1 <= seen.quantity <= MAX_QUANTITY:
        raise DomainError("bad_field", f"quantity is 1 to {MAX_QUANTITY}.", "quantity")
    context = seen.context or ("count" if seen.session_id else "other")
    if context not in CONTEXTS:
        raise DomainError("bad_field", f"context is one of {', '.join(CONTEXTS)}.", "context")
    location_id, session = seen.location_id, None
    if seen.session_id is not None and context in RESCAN_CONTEXTS:
        raise DomainError("bad_field", "session_id names a count session; a scan made while "
                          f"{context} has none (send its location_id).", "session_id")
    if seen.session_id is not None:
        if seen.session_id not in sessions:
            sessions[seen.session_id] = counting.get_session(seen.session_id, seen.store_id)
        session = sessions[seen.session_id]
        if location_id is not None and location_id != session.location_id:
            raise DomainError("wrong_location", "The scan names another location than its session.",
                              "location_id")
        location_id = session.location_id
    return UnknownScan(
        event_id=seen.event_id, store_id=seen.store_id, code=key, raw_code=raw, quantity=seen.quantity,
        context=context, session_id=seen.session_id, location_id=location_id, user_id=seen.user_id,
        device_id=seen.device_id, occurred_at=seen.occurred_at, device_time=seen.device_time,
        recorded_at=utcnow(), status="pending"), session


def _apply_known(scan: UnknownScan, session: CountSession | None, match, led: Ledger) -> None:
    """A code known by now (the device's catalog was stale): the scan applied as what it would
    have been (a count scan in an open session), or resolved."""
    if match is None:
        return
    scan.item_id = match.item.id
    scan.status = "resolved"
    if session is not None and scan.context == "count":
        status = _add_late_scans(session.id, scan.store_id, match.item.id,
                                 [_count_scan(scan, match.pack_qty)], led)
        scan.status = "resolved" if status == "outside_session" else status


def _add_late_scans(session_id: str, store_id: int, item_id: int, scans: list[counting.Scan],
                    led: Ledger) -> str:
    """Count the scans into their session (``counting.late.add_late_scans``); a submitted line they
    recompute is triaged again like a fresh submit, in the caller's transaction."""
    late = late_scans.add_late_scans(session_id, store_id, item_id, scans)
    if late.line is not None:
        approvals.triage([late.line], db.session.get(Store, store_id), led)
    return late.status


def _count_scan(scan: UnknownScan, pack_qty: int) -> counting.Scan:
    return counting.Scan(session_id=scan.session_id, user_id=scan.user_id, occurred_at=scan.occurred_at,
                         quantity=scan.quantity * pack_qty, item_id=scan.item_id, device_id=scan.device_id,
                         device_time=scan.device_time)



# ----- the manager's page ----------------------------------------------------------------


@dataclass
class PendingCode:
    code: str
    raw_codes: set[str] = field(default_factory=set)
    scans: int = 0
    quantity: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    who: set[str] = field(default_factory=set)
    where: set[str] = field(default_factory=set)
    contexts: set[str] = field(default_factory=set)
    sessions: dict[str, str] = field(default_factory=dict)  # id -> "scope (status)"

    @property
    def rescan(self) -> list[str]:
        """The screens (receiving, damage, transfer) where someone must scan the item again once linked."""
        return sorted(set(self.contexts) & set(RESCAN_CONTEXTS))

    @property
    def shown(self) -> str:
        """The code as people scanned it (the commonest spelling is the one on the pack)."""
        return sorted(self.raw_codes, key=lambda c: (len(c), c))[0] if self.raw_codes else self.code


def pending(store_id: int) -> list[PendingCode]:
    """The store's codes waiting for a manager, most scanned first."""
    rows = db.session.scalars(
        select(UnknownScan).where(UnknownScan.store_id == store_id, UnknownScan.status == "pending")
        .order_by(UnknownScan.occurred_at))
    groups: dict[str, PendingCode] = {}
    sessions: dict[str, CountSession | None] = {}
    for row in rows:
        group = groups.setdefault(row.code, PendingCode(row.code))
        group.raw_codes.add(row.raw_code)
        group.scans += 1
        group.quantity += row.quantity
        group.first_at = group.first_at or row.occurred_at
        group.last_at = row.occurred_at
        group.who.add(row.user.username if row.user else str(row.user_id))
        if row.location is not None:
            group.where.add(row.location.name)
        group.contexts.add(row.context)
        if row.session_id:
            if row.session_id not in sessions:
                sessions[row.session_id] = db.session.get(CountSession, row.session_id)
            s = sessions[row.session_id]
            if s is not None:
                group.sessions[s.id] = f"{s.scope} ({s.status})"
    return sorted(groups.values(), key=lambda g: (-g.scans, g.code))


def pending_in_session(session_id: str) -> list[tuple[str, int]]:
    """(code as scanned, units) of a count's scans that wait for a manager, for its tally."""
    rows = db.session.execute(
        select(UnknownScan.raw_code, func.sum(UnknownScan.quantity))
        .where(UnknownScan.session_id == session_id, UnknownScan.status == "pending")
        .group_by(UnknownScan.raw_code).order_by(UnknownScan.raw_code))
    return [(code, int(total)) for code, total in rows]


def in_session(session_id: str) -> list[tuple[str, int, str, str | None]]:
    """(code as scanned, units, status, the item it became or None) of every unknown code of a
    count, whatever became of it, for the count's own page."""
    rows = db.session.execute(
        select(UnknownScan.raw_code, func.sum(UnknownScan.quantity), UnknownScan.status, Item.name)
        .outerjoin(Item, Item.id == UnknownScan.item_id).where(UnknownScan.session_id == session_id)
        .group_by(UnknownScan.raw_code, UnknownScan.status, Item.name)
        .order_by(UnknownScan.raw_code, UnknownScan.status))
    return [(code, int(total), status, name) for code, total, status, name in rows]


def pending_count(store_id: int) -> int:
    """How many distinct codes wait for a manager (the nav badge)."""
    return db.session.scalar(
        select(func.count(func.distinct(UnknownScan.code)))
        .where(UnknownScan.store_id == store_id, UnknownScan.status == "pending")) or 0


def too_late(store_id: int, limit: int = 50) -> list[UnknownScan]:
    """Linked scans that could not count: their session's line was already decided."""
    return list(db.session.scalars(
        select(UnknownScan).where(UnknownScan.store_id == store_id, UnknownScan.status == "too_late")
        .order_by(UnknownScan.resolved_at.desc(), UnknownScan.id.desc()).limit(limit)))


@dataclass
class Handled:
    code: str
    at: datetime
    by: str
    item: Item | None
    statuses: dict[str, int] = field(default_factory=dict)


def recently_handled(store_id: int, limit: int = 20) -> list[Handled]:
    """The audit trail the page shows: who linked or dismissed which code, when, with what effect."""
    rows = db.session.scalars(
        select(UnknownScan).where(UnknownScan.store_id == store_id, UnknownScan.resolved_by_id.is_not(None))
        .order_by(UnknownScan.resolved_at.desc(), UnknownScan.id.desc()).limit(20 * limit))
    out: dict[tuple, Handled] = {}
    for row in rows:
        key = (row.code, row.resolved_at, row.resolved_by_id)
        if key not in out:
            if len(out) == limit:
                break
            who = row.resolved_by.username if row.resolved_by else str(row.resolved_by_id)
            out[key] = Handled(row.raw_code, row.resolved_at, who, row.item)
        out[key].statuses[row.status] = out[key].statuses.get(row.status, 0) + 1
    return list(out.values())


# ----- handling a code -------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    code: str
    item: Item | None
    applied: int = 0  # scans that became count scans (or joined an undecided count line)
    too_late: int = 0  # scans whose session's count was already decided
    resolved: int = 0  # scans outside a count: nothing to apply
    rescan: int = 0  # of those, made while receiving, flagging damage or moving: to be scanned again


def _pending_rows(store_id: int, code: str) -> list[UnknownScan]:
    key, _raw = code_key(code)
    query = (select(UnknownScan)
             .where(UnknownScan.store_id == store_id, UnknownScan.code == key,
                    UnknownScan.status == "pending")
             .order_by(UnknownScan.occurred_at, UnknownScan.id))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=UnknownScan)  # two managers linking at once: one applies
    rows = list(db.session.scalars(query))
    if not rows:
        raise NotFound("not_pending", f"No scans of {code.strip()} are waiting: another manager may have "
                       "handled the code already.", "code")
    return rows


def link(store_id: int, code: str, item_id: int, manager: User) -> Outcome:
    """Make `code` a barcode of the item and count its pending scans (see the module docstring)."""
    rows = _pending_rows(store_id, code)
    item = catalog.get_item(store_id, item_id)
    raw = rows[0].raw_code
    _code, gtin14, _pack = catalog.check_barcode(raw)
    owner = catalog.barcode_owner(store_id, raw, gtin14)
    if owner is None:
        catalog.add_barcode(store_id, item.id, raw, commit=False)
    elif owner.item_id != item.id:
        raise Conflict("barcode_taken", f"Barcode {raw} already belongs to {owner.item.name} (item "
                       f"{owner.item_id}); link it to that item or remove it there first.", "item_id")
    outcome = _apply(store_id, rows, item, manager)
    db.session.commit()
    log.info("unknown code %s linked to item %s by user %s: %s", rows[0].code, item.id, manager.id, outcome)
    return outcome


def create_item(store_id: int, code: str, changes: catalog.ItemChanges, manager: User) -> Outcome:
    """A new item that has this code, then linked as above."""
    rows = _pending_rows(store_id, code)
    raw = rows[0].raw_code
    _code, gtin14, _pack = catalog.check_barcode(raw)
    owner = catalog.barcode_owner(store_id, raw, gtin14)
    if owner is not None:
        raise Conflict("barcode_taken", f"Barcode {raw} already belongs to {owner.item.name}; link the scans "
                       "to that item instead.", "code")
    item = catalog.create_item(store_id, changes, commit=False)
    catalog.add_barcode(store_id, item.id, raw, commit=False)
    outcome = _apply(store_id, rows, item, manager)
    db.session.commit()
    log.info("unknown code %s became new item %s by user %s: %s", rows[0].code, item.id, manager.id, outcome)
    return outcome


def dismiss(store_id: int, code: str, manager: User) -> Outcome:
    """Not a product (a coupon, a loyalty card): the scans are kept, marked dismissed."""
    rows = _pending_rows(store_id, code)
    now = utcnow()
    for row in rows:
        row.status, row.resolved_by_id, row.resolved_at = "dismissed", manager.id, now
    db.session.commit()
    log.info("unknown code %s dismissed by user %s (%d scans)", rows[0].code, manager.id, len(rows))
    return Outcome(rows[0].code, None)


def _apply(store_id: int, rows: list[UnknownScan], item: Item, manager: User) -> Outcome:
    match = catalog.resolve(store_id, rows[0].raw_code)
    pack = match.pack_qty if match is not None and match.item.id == item.id else 1
    now = utcnow()
    by_session: dict[str | None, list[UnknownScan]] = defaultdict(list)
    for row in rows:
        row.item_id, row.resolved_by_id, row.resolved_at = item.id, manager.id, now
        by_session[row.session_id if row.context == "count" else None].append(row)
    led = Ledger(actor_user_id=manager.id, source="web")
    counts = {"applied": 0, "too_late": 0, "resolved": 0}
    for session_id, group in by_session.items():
        if session_id is None:
            status = "resolved"
        else:
            status = _add_late_scans(session_id, store_id, item.id, [_count_scan(r, pack) for r in group],
                                     led)
            status = {"outside_session": "resolved"}.get(status, status)
        for row in group:
            row.status = status
        counts[status] += len(group)
    led.settle()
    db.session.flush()
    _remember_count_scans(rows)
    rescan = sum(1 for row in rows if row.context in RESCAN_CONTEXTS)
    return Outcome(rows[0].code, item, counts["applied"], counts["too_late"], counts["resolved"], rescan)


def _remember_count_scans(rows: list[UnknownScan]) -> None:
    """Point each applied scan at the count scan it became (same session, counter, item and instant)."""
    for row in rows:
        if row.status == "applied" and row.count_scan_id is None:
            row.count_scan_id = db.session.scalar(
                select(CountScan.id).where(
                    CountScan.session_id == row.session_id, CountScan.item_id == row.item_id,
                    CountScan.user_id == row.user_id, CountScan.occurred_at == row.occurred_at)
                .order_by(CountScan.id.desc()).limit(1))
