"""Plans, tasks and their due dates.

A plan makes one open task at a time. Starting a task opens a count session of the plan's
scope (a full count of the zone or the category there, so unscanned items are asked about);
when that session is submitted the task is done, and ``advance`` makes the next one, due one
interval after the count. An ABC plan's interval is the store's for its class (A monthly,
B quarterly, C yearly by default) unless the plan names its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from webapp.auth.models import User
from webapp.catalog.models import Location
from webapp.counting import service as counting
from webapp.counting.models import CountSession
from webapp.errors import DomainError, Forbidden, NotFound
from webapp.extensions import db
from webapp.loaders import load_in_store
from webapp.schedule.models import DEFAULT_DAYS, KINDS, CountPlan, CountTask, ScheduleSettings
from webapp.types import utcnow

DUE_SOON = timedelta(days=7)  # a task shows on its counter's home screen this long before it is due
MAX_DAYS = 3650


def settings_of(store_id: int) -> ScheduleSettings:
    found = db.session.get(ScheduleSettings, store_id)
    return found or ScheduleSettings(
        store_id=store_id, a_days=DEFAULT_DAYS["A"], b_days=DEFAULT_DAYS["B"], c_days=DEFAULT_DAYS["C"]
    )


def _days(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_DAYS:
        raise DomainError(
            "bad_interval", f"An interval is a whole number of days from 1 to {MAX_DAYS}.", field
        )
    return value


def set_intervals(store_id: int, a_days: int, b_days: int, c_days: int) -> ScheduleSettings:
    a, b, c = _days(a_days, "a_days"), _days(b_days, "b_days"), _days(c_days, "c_days")
    row = db.session.get(ScheduleSettings, store_id)
    if row is None:
        row = ScheduleSettings(store_id=store_id)
        db.session.add(row)
    row.a_days, row.b_days, row.c_days = a, b, c
    return row


def interval(plan: CountPlan, settings: ScheduleSettings | None = None) -> timedelta:
    if plan.interval_days:
        return timedelta(days=plan.interval_days)
    settings = settings or settings_of(plan.store_id)
    return timedelta(days={"A": settings.a_days, "B": settings.b_days, "C": settings.c_days}[plan.abc_class])


@dataclass(frozen=True)
class PlanForm:
    kind: str
    location_id: int
    category: str | None = None
    abc_class: str | None = None
    interval_days: int | None = None
    assignee_id: int | None = None


def _check(store_id: int, form: PlanForm) -> PlanForm:
    if form.kind not in KINDS:
        raise DomainError("bad_kind", "Schedule counts by zone, category or ABC class.", "kind")
    load_in_store(
        Location,
        form.location_id,
        store_id,
        DomainError("unknown_location", "Choose a location of your store.", "location_id"),
    )
    category = (form.category or "").strip() or None
    if form.kind == "category" and not category:
        raise DomainError("category_required", "Name the category to count.", "category")
    abc = (form.abc_class or "").strip().upper() or None
    if form.kind == "abc" and abc not in ("A", "B", "C"):
        raise DomainError("class_required", "Choose class A, B or C.", "abc_class")
    days = None if form.interval_days is None else _days(form.interval_days, "interval_days")
    if form.kind != "abc" and days is None:
        raise DomainError("interval_required", "Say how often to count it, in days.", "interval_days")
    if form.assignee_id is not None:
        load_in_store(
            User,
            form.assignee_id,
            store_id,
            DomainError("unknown_user", "Assign the count to someone of your store.", "assignee_id"),
        )
    return PlanForm(
        form.kind,
        form.location_id,
        category if form.kind == "category" else None,
        abc if form.kind == "abc" else None,
        days,
        form.assignee_id,
    )


def create_plan(store_id: int, form: PlanForm, now: datetime | None = None) -> CountPlan:
    """A new plan's first count is due at once."""
    form = _check(store_id, form)
    plan = CountPlan(
        store_id=store_id,
        kind=form.kind,
        location_id=form.location_id,
        category=form.category,
        abc_class=form.abc_class,
        interval_days=form.interval_days,
        assignee_id=form.assignee_id,
    )
    db.session.add(plan)
    db.session.flush()
    db.session.add(
        CountTask(plan_id=plan.id, store_id=store_id, assignee_id=plan.assignee_id, due_at=now or utcnow())
    )
    db.session.flush()
    return plan


def stop_plan(store_id: int, plan_id: int) -> CountPlan:
    plan = load_in_store(CountPlan, plan_id, store_id, NotFound("not_found", f"No count plan {plan_id}."))
    plan.active = False
    for task in db.session.scalars(
        select(CountTask).where(CountTask.plan_id == plan.id, CountTask.status == "open")
    ):
        task.status = "cancelled"
    return plan


def start(task_id: int, user: User) -> CountSession:
    """Open (or reopen) the task's count session, for its assignee or a manager."""
    task = load_in_store(
        CountTask, task_id, user.store_id, NotFound("not_found", f"No count task {task_id}.")
    )
    if task.status != "open":
        raise DomainError("task_closed", "This count task is already done or cancelled.", status=409)
    if task.assignee_id not in (None, user.id) and not user.has_role("manager"):
        raise Forbidden("not_yours", "This count is assigned to someone else.")
    if task.session is not None and task.session.status == "open":
        return task.session
    plan = task.plan
    session = counting.open_session(
        counting.NewSession(
            store_id=task.store_id,
            location_id=plan.location_id,
            created_by_id=user.id,
            category=plan.category,
            blind=True,
            full=plan.kind != "abc",
            scheduled_for=task.due_at,
        ),
        commit=False,
    )
    task.session_id = session.id
    return session


def advance(store_id: int | None = None, now: datetime | None = None) -> tuple[int, int]:
    """Close the tasks whose count was submitted and make each active plan's next task.

    Returns (tasks done, tasks made)."""
    now = now or utcnow()
    query = (
        select(CountTask)
        .join(CountSession, CountSession.id == CountTask.session_id)
        .where(CountTask.status == "open", CountSession.status == "submitted")
    )
    if store_id is not None:
        query = query.where(CountTask.store_id == store_id)
    done = made = 0
    for task in db.session.scalars(query).all():
        task.status, task.done_at = "done", task.session.submitted_at or now
        done += 1
    db.session.flush()
    plans = select(CountPlan).where(
        CountPlan.active.is_(True),
        ~select(CountTask.id).where(CountTask.plan_id == CountPlan.id, CountTask.status == "open").exists(),
    )
    if store_id is not None:
        plans = plans.where(CountPlan.store_id == store_id)
    for plan in db.session.scalars(plans).all():
        last = db.session.scalar(
            select(CountTask.done_at)
            .where(CountTask.plan_id == plan.id, CountTask.status == "done")
            .order_by(CountTask.done_at.desc())
            .limit(1)
        )
        db.session.add(
            CountTask(
                plan_id=plan.id,
                store_id=plan.store_id,
                assignee_id=plan.assignee_id,
                due_at=(last + interval(plan)) if last else now,
            )
        )
        made += 1
    db.session.flush()
    return done, made


def state(task: CountTask, now: datetime | None = None) -> str:
    """done | overdue | due (within DUE_SOON) | upcoming."""
    now = now or utcnow()
    if task.status == "done" or (task.session is not None and task.session.status == "submitted"):
        return "done"
    if task.due_at < now:
        return "overdue"
    return "due" if task.due_at <= now + DUE_SOON else "upcoming"


def open_tasks(store_id: int) -> list[CountTask]:
    return list(
        db.session.scalars(
            select(CountTask)
            .where(CountTask.store_id == store_id, CountTask.status == "open")
            .order_by(CountTask.due_at, CountTask.id)
        )
    )


def tasks_for(user: User, now: datetime | None = None) -> list[tuple[CountTask, str]]:
    """The user's own and unassigned tasks due within DUE_SOON or overdue, soonest first."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(CountTask)
        .where(
            CountTask.store_id == user.store_id,
            CountTask.status == "open",
            CountTask.due_at <= now + DUE_SOON,
            or_(CountTask.assignee_id == user.id, CountTask.assignee_id.is_(None)),
        )
        .order_by(CountTask.due_at, CountTask.id)
    )
    return [(t, s) for t in rows if (s := state(t, now)) != "done"]


def overdue(store_id: int, now: datetime | None = None) -> list[CountTask]:
    now = now or utcnow()
    return [
        t
        for t in db.session.scalars(
            select(CountTask)
            .where(CountTask.store_id == store_id, CountTask.status == "open", CountTask.due_at < now)
            .order_by(CountTask.due_at, CountTask.id)
        )
        if state(t, now) == "overdue"
    ]


def plans(store_id: int) -> list[CountPlan]:
    return list(
        db.session.scalars(
            select(CountPlan)
            .where(CountPlan.store_id == store_id)
            .order_by(CountPlan.active.desc(), CountPlan.id)
        )
    )
