"""Counting rules: sessions, scans, the running tally, and what a submit produces.

Rules chosen where DESIGN.md is silent (README "Counting rules" says the same):

* Observations add up across counters and devices: each scan of an item adds; a ``set``
  (fixing a miscount) replaces the total that counter made on that same device (the phone
  shows and fixes only its own scans), never another counter's nor the same login's on
  another device. The keyboard pages, which send no device id, are one device of their own.
* One scan of a code adds ``quantity x pack_qty`` base units (a case code adds 12). A
  weighed item's barcodes have pack 1, so its quantity is in thousandths.
* An item's count instant is its last scan in the session; a confirmed zero's is the submit.
* Expected = the ledger's level at that instant (the merge rule; pending counts are not in
  the ledger); variance = counted - expected; value = variance x cost, at cost.
* Ambiguity: a sale at the counted location between the item's first and last scan, or
  within the store's scan window (default 5 minutes) of either, flags the line.
* Several counters whose units add up to something else than expected disagree
  (``counters_disagree``): one may have counted another's shelf too, or each missed a part.
* A count far from the previous count of its place (``jumps``) is flagged ``far_from_last_count``.
* A flagged line (``HOLDING_FLAGS``) is never approved automatically.
* A full session lists the items expected in its scope (a nonzero level there) that nobody
  scanned; unless the submitter says "really zero", they are "not counted" and change nothing.
* Expected quantities of a blind session reach managers only; only a manager may open one
  that is not blind.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from webapp.auth.models import User
from webapp.catalog import service as catalog_service
from webapp.catalog.models import Item, Location, Store
from webapp.counting import jumps
from webapp.counting.figures import count_key, submit_reads
from webapp.counting.models import CountLine, CountScan, CountSession
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.inventory import ledger, merge
from webapp.inventory.models import StockLevel
from webapp.loaders import in_store, load_in_store
from webapp.quantity import value_cents
from webapp.types import utcnow

ZERO, NOT_COUNTED = "zero", "not_counted"

# Flags that keep a line from being approved automatically, however small its variance: each is a
# hard edge a manager must see (DESIGN.md). "several_counters" alone and "not_scanned" only inform.
HOLDING_FLAGS = frozenset({"sale_during_count", "late_scans", "counters_disagree", jumps.FLAG})


@dataclass(frozen=True)
class NewSession:
    store_id: int
    location_id: int
    created_by_id: int
    category: str | None = None
    blind: bool = True
    full: bool = False
    item_id: int | None = None
    scheduled_for: datetime | None = None
    session_id: str | None = None
    recount_of_id: int | None = None


@dataclass(frozen=True)
class Scan:
    session_id: str
    user_id: int
    occurred_at: datetime
    quantity: int = 1
    code: str | None = None
    item_id: int | None = None
    mode: str = "add"
    device_id: str | None = None
    device_time: datetime | None = None


@dataclass
class Tally:
    item_id: int
    counted: int = 0
    first_scan_at: datetime | None = None
    last_scan_at: datetime | None = None
    counters: set[int] = field(default_factory=set)


def can_see_expected(session: CountSession, user: User) -> bool:
    return not session.blind or user.has_role("manager")


def get_session(session_id: str, store_id: int) -> CountSession:
    # Another store's session reads as absent, so ids of other stores cannot be probed.
    return load_in_store(CountSession, session_id, store_id, NotFound(
        "unknown_session", f"No count session {session_id} in your store.", "session_id"))


def open_session(new: NewSession, *, commit: bool = True) -> CountSession:
    load_in_store(Location, new.location_id, new.store_id,
                  DomainError("wrong_store", "Count only locations of your own store.", "location_id"))
    if new.item_id is not None:
        _item_in_store(new.item_id, new.store_id)
    creator = db.session.get(User, new.created_by_id)
    if not new.blind and not creator.has_role("manager"):
        # Otherwise a counter could open a non-blind count to read the expected quantities.
        raise DomainError("blind_required", "Only a manager may open a count that shows expected "
                          "quantities.", "blind", status=403)
    session = CountSession(
        id=new.session_id or str(uuid.uuid4()), store_id=new.store_id, location_id=new.location_id,
        category=new.category or None, blind=new.blind, full=new.full, item_id=new.item_id,
        scheduled_for=new.scheduled_for, created_by_id=new.created_by_id, recount_of_id=new.recount_of_id,
        status="open",
    )
    db.session.add(session)
    db.session.flush()
    if commit:
        db.session.commit()
    return session


def _item_in_store(item_id: int, store_id: int) -> Item:
    return load_in_store(Item, item_id, store_id,
                         DomainError("unknown_item", f"No item {item_id} in your store.", "item_id"))


@dataclass(frozen=True)
class Recorded:
    item_id: int
    quantity: int  # base units this scan added, or the counter's new total for a fix
    mode: str


def record_scan(scan: Scan, store_id: int, *, commit: bool = True, memo: dict | None = None) -> Recorded:
    session = get_session(scan.session_id, store_id)
    memo = {} if memo is None else memo
    items: set[int] = set()
    if scan.code and _plausible(scan) and scan.code not in memo:
        memo.update(catalog_service.resolve_many(store_id, [scan.code]))
    elif not scan.code and scan.item_id is not None:
        item = db.session.get(Item, scan.item_id)
        items = {item.id} if in_store(item, store_id) else set()
    row = _scan_row(scan, session, memo, items)
    # A Core insert: a phone sends scans by the thousand, and an ORM flush per scan costs more.
    db.session.execute(CountScan.__table__.insert(), row)
    if session.status == "submitted":
        rejoin(session, {row["item_id"]})
    if commit:
        db.session.commit()
    return Recorded(row["item_id"], row["quantity"], scan.mode)


def record_scans(scans: list[Scan], store_id: int) -> dict[int, DomainError]:
    """``record_scan`` for a phone's run of scans: every scan is checked first, the good ones
    are inserted in one statement; returns the errors by position in ``scans``."""
    sessions: dict[str, CountSession | DomainError] = {}
    for session_id in sorted({s.session_id for s in scans}):
        try:
            sessions[session_id] = get_session(session_id, store_id)
        except DomainError as err:
            sessions[session_id] = err
    found = catalog_service.resolve_many(store_id, [s.code for s in scans if s.code and _plausible(s)])
    wanted = sorted({s.item_id for s in scans if not s.code and s.item_id is not None})
    items = set(db.session.scalars(select(Item.id).where(Item.store_id == store_id, Item.id.in_(wanted)))) \
        if wanted else set()
    errors: dict[int, DomainError] = {}
    rows = []
    for index, scan in enumerate(scans):
        try:
            session = sessions[scan.session_id]
            if isinstance(session, DomainError):
                raise session
            rows.append(_scan_row(scan, session, found, items))
        except DomainError as err:
            errors[index] = err
    if rows:
        db.session.execute(CountScan.__table__.insert(), rows)
    late: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if sessions[row["session_id"]].status == "submitted":
            late[row["session_id"]].add(row["item_id"])
    for session_id, item_ids in sorted(late.items()):
        rejoin(sessions[session_id], item_ids)
    return errors


def _plausible(scan: Scan) -> bool:
    return scan.mode in ("add", "set") and scan.quantity >= (0 if scan.mode == "set" else 1)


def _scan_row(scan: Scan, session: CountSession, found: dict, items: set[int]) -> dict:
    """The scan row to insert, or the DomainError that refuses it (checked in this order)."""
    if session.status not in ("open", "submitted"):  # a submitted one takes late scans: see rejoin
        raise DomainError("session_closed", "This count session was cancelled.", "session_id")
    if scan.mode not in ("add", "set"):
        raise DomainError("bad_field", "mode is add or set.", "mode")
    minimum = 0 if scan.mode == "set" else 1
    if scan.quantity < minimum:
        code = "negative_quantity" if scan.quantity < 0 else "bad_field"
        raise DomainError(code, f"quantity must be at least {minimum}.", "quantity")
    if scan.code:
        if found.get(scan.code) is None:
            raise DomainError("unknown_code", f"No item has barcode {scan.code}.", "code")
        item_id, pack = found[scan.code]
    elif scan.item_id is not None:
        if scan.item_id not in items:
            raise DomainError("unknown_item", f"No item {scan.item_id} in your store.", "item_id")
        item_id, pack = scan.item_id, 1
    else:
        raise DomainError("missing_field", "Give a barcode or an item.", "code")
    if scan.mode == "set":
        pack = 1  # a fixed total is given in base units
    if session.item_id is not None and item_id != session.item_id:
        raise DomainError("outside_session", "This recount is for another item.", "code")
    return dict(session_id=session.id, item_id=item_id, user_id=scan.user_id, device_id=scan.device_id,
                code=scan.code, mode=scan.mode, quantity=scan.quantity * pack,
                occurred_at=scan.occurred_at, device_time=scan.device_time, recorded_at=utcnow())


def tally(session_id: str) -> dict[int, Tally]:
    scans = db.session.scalars(
        select(CountScan).where(CountScan.session_id == session_id)
        .order_by(CountScan.occurred_at, CountScan.id))
    own: dict[tuple[int, str | None, int], int] = defaultdict(int)
    out: dict[int, Tally] = {}
    for s in scans:
        t = out.setdefault(s.item_id, Tally(s.item_id))
        key = (s.user_id, s.device_id, s.item_id)
        own[key] = s.quantity if s.mode == "set" else own[key] + s.quantity
        t.counters.add(s.user_id)
        t.first_scan_at = t.first_scan_at or s.occurred_at
        t.last_scan_at = s.occurred_at
    for (_user, _device, item_id), qty in own.items():
        out[item_id].counted += qty
    return out


def expected_items(session: CountSession) -> dict[int, int]:
    """Items the ledger says are in the session's scope now (nonzero level), with that level."""
    query = (select(StockLevel.item_id, StockLevel.quantity).join(Item, Item.id == StockLevel.item_id)
             .where(StockLevel.location_id == session.location_id, StockLevel.quantity != 0))
    if session.category:
        query = query.where(Item.category == session.category)
    if session.item_id is not None:
        query = query.where(Item.id == session.item_id)
    return {r.item_id: r.quantity for r in db.session.execute(query)}


def submit_scope(store_id: int, session_ids: list[str]) -> dict[str, tuple[int, set[int]]]:
    """Per session of the store: its location and every item a submit may approve a count of
    (those scanned so far, and those a full session or a recount expects), in a few queries."""
    sessions = list(db.session.scalars(select(CountSession).where(
        CountSession.store_id == store_id, CountSession.id.in_(session_ids))))
    out = {s.id: (s.location_id, {s.item_id} - {None}) for s in sessions}
    if out:
        for session_id, item_id in db.session.execute(select(CountScan.session_id, CountScan.item_id).where(
                CountScan.session_id.in_(sorted(out))).distinct()):
            out[session_id][1].add(item_id)
    for session in sessions:
        if session.full:
            out[session.id][1].update(expected_items(session))
    return out


def unscanned(session: CountSession) -> list[Item]:
    if not (session.full or session.item_id is not None):
        return []
    missing = (set(expected_items(session)) | ({session.item_id} - {None})) - set(tally(session.id))
    return [] if not missing else list(db.session.scalars(
        select(Item).where(Item.id.in_(missing)).order_by(Item.name)))


def ambiguity_flags(item_id: int, location_id: int, first: datetime, last: datetime,
                    window: timedelta, sales: list | None = None) -> list[str]:
    if sales is None:
        sales = ledger.sales_between(item_id, location_id, first - window, last + window)
    return ["sale_during_count"] if merge.ambiguous_sales(sales, first, last, window) else []


def submit(session_id: str, user: User, at: datetime, decisions: dict[int, str] | None = None,
           default: str = NOT_COUNTED) -> list[CountLine]:
    """Close a session: one line per item with expected and variance, flushed, not committed.

    The caller decides what follows in the same transaction: ``approvals.service.submit_count``
    approves the lines inside the store's tolerance, then commits."""
    session = get_session(session_id, user.store_id)
    if session.status != "open":
        raise DomainError("session_closed", "This count session was already submitted.", "session_id")
    if any(choice not in (ZERO, NOT_COUNTED) for choice in [default, *(decisions or {}).values()]):
        raise DomainError("bad_field", "Choose zero or not_counted for each item not scanned.", "decisions")
    store = db.session.get(Store, session.store_id)
    window = timedelta(seconds=store.scan_window_seconds)
    tallies = tally(session.id)
    if not tallies and session.item_id is None and not session.full:
        raise DomainError("nothing_counted", "Scan at least one item before submitting.", "session_id")
    names = _usernames(set().union(*(t.counters for t in tallies.values())))
    first_scan = min((t.first_scan_at for t in tallies.values()), default=session.created_at)
    missing = unscanned(session)
    zeros = {i.id for i in missing if (decisions or {}).get(i.id, default) == ZERO}
    expected, sales, held = submit_reads(session.location_id, at, window, tallies, missing, zeros, first_scan)
    lines = [_line(session, t.item_id, t.counted, t.last_scan_at, t.first_scan_at,
                   _tally_flags(t, session.location_id, window, sales[t.item_id]), _counters(t, names),
                   expected=expected[t.item_id]) for t in tallies.values()]
    for item in missing:  # a confirmed zero is counted at the submit, else "not counted"
        zero = item.id in zeros
        flags = ["not_scanned"] + (ambiguity_flags(item.id, session.location_id, first_scan, at, window,
                                                   sales[item.id]) if zero else [])
        lines.append(_line(session, item.id, 0 if zero else None, at, None, flags,
                           user.username if zero else "", scanned=False, expected=expected[item.id]))
        lines[-1].status = "pending" if zero else "not_counted"
    session.status, session.submitted_by_id, session.submitted_at = "submitted", user.id, at
    db.session.add_all(lines)
    db.session.flush()
    return lines


def _usernames(ids: set[int]) -> dict[int, str]:
    return dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all())


def _counters(t: Tally, names: dict[int, str]) -> str:
    return ", ".join(sorted(names.get(u, str(u)) for u in t.counters))


def _tally_flags(t: Tally, location_id: int, window: timedelta, sales: list | None = None) -> list[str]:
    flags = ambiguity_flags(t.item_id, location_id, t.first_scan_at, t.last_scan_at, window, sales)
    if len(t.counters) > 1:
        flags.append("several_counters")
    return flags


def rejoin(session: CountSession, item_ids: set[int]) -> list[CountLine]:
    """Scans that reached a submitted session join their items' lines (DESIGN.md: every scan
    counts, whenever it arrives).

    Each line is recomputed from all its scans, at their own times and by their own counters,
    as if they had all arrived before the submit, and goes back to a manager flagged
    ``late_scans`` whatever it was: pending, "not counted", rejected, sent for a recount, or
    approved. An approved line's count stays in the ledger until a manager approves the new
    figure, which the approval then writes as a new revision of the count, never an edit.
    """
    store = db.session.get(Store, session.store_id)
    window = timedelta(seconds=store.scan_window_seconds)
    # Locked first, like a decision locks its line, so a decision and late scans cannot cross.
    held = {line.item_id: line for line in db.session.scalars(
        select(CountLine).where(CountLine.session_id == session.id, CountLine.item_id.in_(item_ids))
        .order_by(CountLine.item_id).with_for_update(of=CountLine))}
    tallies = tally(session.id)
    names = _usernames(set().union(*(tallies[i].counters for i in item_ids)))
    out = [renew_line(session, held.get(i), tallies[i], window, _counters(tallies[i], names))
           for i in sorted(item_ids)]
    db.session.flush()
    return out


def renew_line(session: CountSession, line: CountLine | None, t: Tally, window: timedelta,
               counters: str) -> CountLine:
    """The item's line recomputed from all its scans and flagged ``late_scans``: ``line``
    updated in place and sent back to a manager, or a new line when the item had none."""
    fresh = _line(session, t.item_id, t.counted, t.last_scan_at, t.first_scan_at,
                  _tally_flags(t, session.location_id, window) + ["late_scans"], counters,
                  line_id=None if line is None else line.id)
    if line is None:
        db.session.add(fresh)
        return fresh
    for name in ("counted", "counted_at", "first_scan_at", "last_scan_at", "expected", "variance",
                 "value_cents", "flags", "counters"):
        setattr(line, name, getattr(fresh, name))
    line.scanned, line.status = True, "pending"
    return line


def _line(session: CountSession, item_id: int, counted: int | None, at: datetime,
          first: datetime | None, flags: list[str], counters: str, *, scanned: bool = True,
          line_id: int | None = None, expected: int | None = None) -> CountLine:
    item = db.session.get(Item, item_id)
    expected = expected if expected is not None else ledger.level_at(
        item_id, session.location_id, at, without_count=None if line_id is None else count_key(line_id))
    variance = 0 if counted is None else counted - expected
    if "several_counters" in flags and variance:
        flags = [*flags, "counters_disagree"]
    store = db.session.get(Store, session.store_id)
    flags = [*flags, *jumps.jump_flags(store, item, session.location_id, counted, at, line_id)]
    return CountLine(
        session_id=session.id, store_id=session.store_id, item_id=item_id, location_id=session.location_id,
        counted=counted, counted_at=at, first_scan_at=first, last_scan_at=None if first is None else at,
        expected=expected, variance=variance,
        value_cents=value_cents(variance, item.cost_cents, item.measure), scanned=scanned, item=item,
        flags=",".join(flags), counters=counters, status="pending",
    )


def open_sessions(store_id: int) -> list[CountSession]:
    return list(db.session.scalars(
        select(CountSession).where(CountSession.store_id == store_id, CountSession.status == "open")
        .order_by(CountSession.scheduled_for.is_(None), CountSession.scheduled_for, CountSession.created_at)))
