"""Cycle-count schedule: plans make tasks, counters see theirs, managers see what is overdue."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.approvals.service import submit_count
from webapp.counting.models import CountSession
from webapp.schedule import service
from webapp.schedule.models import CountTask
from webapp.types import utcnow


@pytest.fixture
def floor(store):
    return store.selling_location


def _plan(db, store, floor, now=None, **fields):
    form = service.PlanForm(**{"kind": "zone", "location_id": floor.id, "interval_days": 14, **fields})
    plan = service.create_plan(store.id, form, now=now)
    db.session.commit()
    return plan


def test_abc_plans_take_the_stores_intervals_a_monthly_b_quarterly_c_yearly_by_default(db, store, floor):
    plans = [_plan(db, store, floor, kind="abc", abc_class=c, interval_days=None) for c in "ABC"]
    assert [service.interval(p).days for p in plans] == [30, 91, 365]
    service.set_intervals(store.id, 7, 60, 180)
    db.session.commit()
    assert [service.interval(p).days for p in plans] == [7, 60, 180]


@pytest.mark.parametrize(("fields", "code"), [
    ({"kind": "aisle"}, "bad_kind"),
    ({"kind": "category", "category": " "}, "category_required"),
    ({"kind": "abc", "abc_class": "D", "interval_days": None}, "class_required"),
    ({"interval_days": None}, "interval_required"),
    ({"interval_days": 0}, "bad_interval"),
    ({"assignee_id": 99999}, "unknown_user"),
])
def test_a_bad_plan_is_refused_with_a_reason(db, store, floor, fields, code):
    from webapp.errors import DomainError

    with pytest.raises(DomainError) as err:
        service.create_plan(store.id, service.PlanForm(**{"kind": "zone", "location_id": floor.id,
                                                          "interval_days": 14, **fields}))
    assert err.value.code == code


def test_a_task_started_and_submitted_is_done_and_the_next_is_due_one_interval_later(db, store, floor,
                                                                                    make_user, make_item):
    make_item("Tea")
    sam = make_user("staff", username="sam")
    plan = _plan(db, store, floor, assignee_id=sam.id)
    (task,) = service.open_tasks(store.id)
    session = service.start(task.id, sam)
    db.session.commit()
    assert (session.location_id, session.full, session.blind) == (floor.id, True, True)
    assert service.start(task.id, sam).id == session.id  # starting again continues the same count
    submit_count(session.id, sam, utcnow())
    db.session.commit()
    assert service.state(task) == "done"
    done, made = service.advance(store.id)
    db.session.commit()
    assert (done, made) == (1, 1)
    db.session.expire_all()
    (following,) = service.open_tasks(store.id)
    first = db.session.get(CountTask, task.id)
    assert first.status == "done" and following.plan_id == plan.id
    assert following.due_at - first.done_at == timedelta(days=14)


def test_someone_elses_task_cannot_be_started_but_a_manager_may(db, store, floor, make_user):
    sam, kim, boss = make_user("staff"), make_user("staff"), make_user("manager")
    _plan(db, store, floor, assignee_id=sam.id)
    (task,) = service.open_tasks(store.id)
    from webapp.errors import Forbidden

    with pytest.raises(Forbidden):
        service.start(task.id, kim)
    assert service.start(task.id, boss).created_by_id == boss.id


def test_tasks_show_on_the_counters_home_screen_as_due_or_overdue(db, store, floor, make_user, login_as):
    sam = make_user("staff", username="sam")
    _plan(db, store, floor, assignee_id=sam.id)
    _plan(db, store, floor, kind="category", category="dairy", assignee_id=sam.id,
          now=utcnow() + timedelta(days=3))
    _plan(db, store, floor, kind="category", category="frozen", assignee_id=sam.id,
          now=utcnow() + timedelta(days=30))  # not due for a month: not shown yet
    overdue = service.open_tasks(store.id)[0]
    overdue.due_at = utcnow() - timedelta(days=2)
    db.session.commit()
    page = login_as("staff", user=sam).get("/").get_data(as_text=True)
    assert "Counts to do" in page and "Sales floor / dairy" in page and "frozen" not in page
    assert f'id="task-{overdue.id}"' in page and "overdue since" in page
    other = login_as("staff").get("/").get_data(as_text=True)
    assert "Counts to do" not in other


def test_the_task_start_button_opens_the_count_screen(db, store, floor, make_user, login_as):
    sam = make_user("staff", username="sam")
    _plan(db, store, floor, assignee_id=sam.id)
    (task,) = service.open_tasks(store.id)
    client = login_as("staff", user=sam)
    response = client.post_form(f"/schedule/tasks/{task.id}/start")
    session_id = db.session.scalars(select(CountSession.id)).one()
    assert response.status_code == 303 and response.headers["Location"].endswith(session_id)
    assert client.post_form("/schedule/tasks/99999/start").status_code == 404


def test_the_dashboard_and_audit_coverage_show_what_is_overdue(db, store, floor, manager):
    _plan(db, store, floor, kind="category", category="dairy", now=utcnow() - timedelta(days=5))
    _plan(db, store, floor, kind="category", category="frozen", now=utcnow() + timedelta(days=5))
    board = manager.get("/reports/").get_data(as_text=True)
    assert 'id="counts-overdue"' in board and ">1</a>" in board.split('id="counts-overdue"')[1][:200]
    coverage = manager.get("/reports/coverage").get_data(as_text=True)
    section = coverage.split('id="overdue-counts"')[1].split("</section>")[0]
    assert "Scheduled counts overdue (1)" in section and "dairy" in section and "frozen" not in section


def test_a_manager_schedules_counts_and_sets_intervals_through_the_page(db, store, floor, manager, login_as):
    page = manager.post_form("/schedule/plans", {"kind": "abc", "location_id": str(floor.id),
                                                 "abc_class": "A"}, follow_redirects=True)
    assert "class A items at Sales floor" in page.get_data(as_text=True)
    assert manager.post_form("/schedule/settings", {"a_days": "x", "b_days": "1", "c_days": "1"}
                             ).status_code == 400
    manager.post_form("/schedule/settings", {"a_days": "10", "b_days": "20", "c_days": "40"})
    assert "10 d" in manager.get("/schedule/").get_data(as_text=True)
    assert login_as("staff").get("/schedule/").status_code == 403
