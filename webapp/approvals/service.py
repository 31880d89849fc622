"""Decisions on count lines. Approving writes the count to the ledger at its own instant;
the ledger then records the variance as an adjustment (and corrects it if late events move
it). Rejecting changes nothing; a recount opens a blind count task for that item and place.

Tolerance: a line is approved without a manager when it carries no holding flag (a sale
during the count, late scans, counters who disagree: ``counting.HOLDING_FLAGS``), |variance|
<= the store's ``tolerance_units`` (whole units; thousandths x 1000 for weighed items) AND
|value| <= ``tolerance_cents``. Every decision, automatic or not, is recorded with who, when, the
numbers it was taken on, and an optional note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from webapp import quantity
from webapp.approvals.models import Decision
from webapp.auth.models import User
from webapp.catalog.models import Store
from webapp.counting import figures as line_figures
from webapp.counting import service as counting
from webapp.counting.models import CountLine, CountScan
from webapp.errors import Conflict, DomainError, NotFound
from webapp.extensions import db
from webapp.inventory.ledger import Ledger, NewEvent
from webapp.inventory.models import StockEvent
from webapp.loaders import load_in_store
from webapp.types import utcnow


@dataclass(frozen=True)
class Verdict:
    line_id: int
    action: str  # approve | reject | recount
    note: str = ""


def within_tolerance(line: CountLine, store: Store) -> bool:
    units = quantity.whole_units(store.tolerance_units, line.item.measure)
    return abs(line.variance) <= units and abs(line.value_cents) <= store.tolerance_cents


def held_by(line: CountLine) -> list[str]:
    """The flags that keep this line for a manager (``counting.HOLDING_FLAGS``)."""
    return [f for f in line.flag_list if f in counting.HOLDING_FLAGS]


def triage(lines: list[CountLine], store: Store, led: Ledger) -> None:
    """Approve, in the caller's transaction, the unflagged lines inside both tolerances.

    The lines come straight from ``counting.service.submit`` or ``add_late_scans`` in this
    transaction, their expected quantities just computed: they are not computed again. They
    are distinct items of one session (no approval moves another's expected), so their last
    scans are read at once and their counts written in one statement, before returning."""
    with db.session.no_autoflush:  # else each line's item flushed the decisions made so far
        chosen = [line for line in lines
                  if line.counted is not None and not held_by(line) and within_tolerance(line, store)]
        lasts = line_figures.last_scans(chosen)
        for line in chosen:
            _approve(line, None, "auto_approve", "", led, refreshed=True,
                     last=lasts.get((line.session_id, line.item_id)))
    led.flush()


def submit_count(session_id: str, user: User, at: datetime, decisions: dict[int, str] | None = None,
                 default: str = counting.NOT_COUNTED, *, commit: bool = True,
                 led: Ledger | None = None) -> list[CountLine]:
    """Submit a count session and auto-approve its lines inside tolerance, in one transaction.

    With ``led`` (the sync batch's ledger) the caller settles and commits; without it, this
    settles its own ledger, and commits unless told not to."""
    lines = counting.submit(session_id, user, at, decisions, default)
    own = led or Ledger(actor_user_id=None, source="system")
    triage([ln for ln in lines if ln.status == "pending"], db.session.get(Store, user.store_id), own)
    if led is None:
        own.settle()
    if commit:
        db.session.commit()
    return lines


def _refresh(line: CountLine) -> None:
    """Expected and variance as the ledger has them now: late events may have moved them."""
    line.expected = line_figures.expected_of(line)
    line.variance = line.counted - line.expected
    line.value_cents = quantity.value_cents(line.variance, line.item.cost_cents, line.item.measure)


def _record(line: CountLine, user_id: int | None, action: str, note: str) -> Decision:
    decision = Decision(line_id=line.id, action=action, user_id=user_id, decided_at=utcnow(),
                        expected=line.expected, variance=line.variance, value_cents=line.value_cents,
                        note=note[:500])
    db.session.add(decision)
    return decision


def _revision(line: CountLine) -> tuple[str, datetime]:
    """The key and instant of the count an approval writes. A line approved before (late scans
    sent it back) gets a new revision of its count, at or after the earlier one so that it
    replaces it as the level's base; the earlier count and its adjustments stay, and the
    ledger's corrections make the adjustments of all revisions add up to the line's variance."""
    first = line_figures.count_key(line.id)
    if line.ledger_key is None:
        return first, line.counted_at
    number = 2 if line.ledger_key == first else int(line.ledger_key.rsplit(":", 1)[1]) + 1
    before = db.session.scalar(select(StockEvent.occurred_at).where(StockEvent.key == line.ledger_key))
    return f"{first}:{number:04d}", max(line.counted_at, before or line.counted_at)


def _approve(line: CountLine, user_id: int | None, action: str, note: str, led: Ledger, *,
             refreshed: bool = False, last: CountScan | None = None) -> None:
    """``refreshed``: the line's expected was computed in this transaction already. ``last``:
    its last scan, read already; its count is then staged (``triage`` writes them together)."""
    if not refreshed:
        _refresh(line)
    line.ledger_key, at = _revision(line)
    # Approved by a manager: the manager's act, on the web. Within tolerance: no one decided, so
    # the count is the counters' own fact, kept with its last scan's counter, phone and clock.
    who, device, device_time, source, said = user_id, None, None, "web", note
    staged = last is not None
    last = last if staged or user_id is not None else line_figures.last_scan(line)
    if last is not None:
        who, device, device_time = last.user_id, last.device_id, last.device_time
        source = "device" if last.device_id else "web"
        said = note or f"approved within tolerance; counted by {line.counters}"
    count = NewEvent(key=line.ledger_key, kind="count", store_id=line.store_id, item_id=line.item_id,
                     location_id=line.location_id, quantity=line.counted, occurred_at=at,
                     source=source, actor_user_id=who, device_id=device, device_time=device_time,
                     note=said[:500] or None)
    led.stage(count) if staged else led.append(count)
    line.status = "approved"
    _record(line, user_id, action, note)


def _pending_line(line_id: int, user: User) -> CountLine:
    # OF count_lines: the joined item and location are outer joins, which PostgreSQL won't lock.
    line = load_in_store(CountLine, line_id, user.store_id,
                         NotFound("not_found", f"No count line {line_id} in your store."),
                         with_for_update={"of": CountLine})
    if line.status != "pending":
        raise Conflict("already_decided", f"This count was already decided ({line.status}).")
    return line


def decide(verdict: Verdict, user: User) -> CountLine:
    if not user.has_role("manager"):
        raise DomainError("forbidden", "Only a manager may decide on a variance.", status=403)
    line = _pending_line(verdict.line_id, user)
    led = Ledger(actor_user_id=user.id, source="web")
    if verdict.action == "approve":
        _approve(line, user.id, "approve", verdict.note, led)
    elif verdict.action == "reject":
        _refresh(line)
        line.status = "rejected"
        _record(line, user.id, "reject", verdict.note)
    elif verdict.action == "recount":
        _refresh(line)
        line.status = "recount"
        _record(line, user.id, "recount", verdict.note)
        counting.open_session(counting.NewSession(
            store_id=line.store_id, location_id=line.location_id, created_by_id=user.id, blind=True,
            full=True, item_id=line.item_id, recount_of_id=line.id), commit=False)
    else:
        raise DomainError("bad_action", "Approve, reject or recount.", "action")
    led.settle()
    db.session.commit()
    return line


def bulk_approve(user: User, max_value_cents: int, note: str = "") -> int:
    """Approve every pending line of the user's store whose |value| is at most the bound."""
    if not user.has_role("manager"):
        raise DomainError("forbidden", "Only a manager may decide on a variance.", status=403)
    if max_value_cents < 0:
        raise DomainError("bad_field", "The bound is a value in cents, zero or more.", "max_value_cents")
    lines = db.session.scalars(
        select(CountLine).where(CountLine.store_id == user.store_id, CountLine.status == "pending",
                                func.abs(CountLine.value_cents) <= max_value_cents)
        .order_by(CountLine.id).with_for_update(of=CountLine))
    led = Ledger(actor_user_id=user.id, source="web")
    approved = 0
    for line in lines:
        _refresh(line)
        if abs(line.value_cents) <= max_value_cents:
            _approve(line, user.id, "approve", note or f"bulk approve up to {max_value_cents} cents", led,
                     refreshed=True)
            approved += 1
    led.settle()
    db.session.commit()
    return approved


QUEUE_PAGE = 50


@dataclass(frozen=True)
class QueuePage:
    lines: list[CountLine]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def queue(store_id: int, page: int = 1, per_page: int = QUEUE_PAGE) -> QueuePage:
    """One page of the lines waiting for a manager, the costliest first. Paged: a 5,000-line
    count of a big store must not render 5,000 rows on a phone."""
    pending = (CountLine.store_id == store_id, CountLine.status == "pending")
    total = db.session.scalar(select(func.count(CountLine.id)).where(*pending)) or 0
    page = min(max(1, page), max(1, -(-total // per_page)))
    lines = list(db.session.scalars(
        select(CountLine).where(*pending)
        .order_by(func.abs(CountLine.value_cents).desc(), CountLine.id)
        .offset((page - 1) * per_page).limit(per_page)))
    return QueuePage(lines, total, page, per_page)


def decisions_for(line_id: int) -> list[Decision]:
    return list(db.session.scalars(select(Decision).where(Decision.line_id == line_id).order_by(Decision.id)))
