"""What the fast paths of the reports must keep: level snapshots that stay exact when late events
arrive, values rounded in SQL as calc rounds them, the dashboard's low list worked out in SQL
as the item page works it out, and pages that read only the rows they show."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from webapp.alerts import reorder
from webapp.alerts.models import ReorderPolicy
from webapp.inventory.ledger import level_at
from webapp.inventory.models import StockLevel
from webapp.quantity import value_cents
from webapp.reports import accuracy, calc, coverage, ledger_view, shrink, snapshots, valuation
from webapp.reports.filters import Filter
from webapp.reports.models import LevelSnapshot


def t(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def end_of(day: int, store) -> datetime:
    """The end of a November store day, the instant the valuation page asks for."""
    return calc.day_bounds(date(2026, 11, day), store.timezone)[1]


def flt(store, **kw) -> Filter:
    return Filter(store.id, store.timezone, store.currency, date(2026, 11, 1), date(2026, 11, 30), **kw)


@pytest.fixture
def shop(store, make_item, record):
    floor, back = store.locations
    milk = make_item("Milk", category="Dairy", cost_cents=250)
    bread = make_item("Bread", category="Bakery", cost_cents=100)
    record(milk, "opening", 40, at=t(1, 9))
    record(milk, "opening", 24, at=t(1, 9), location=back)
    record(bread, "opening", 30, at=t(1, 9))
    record(milk, "sale", -6, at=t(3))
    record(bread, "sale", -10, at=t(4))
    record(milk, "receive", 12, at=t(10), location=back)
    record(milk, "count", 31, at=t(11))
    record(milk, "sale", -4, at=t(12))
    return {"milk": milk, "bread": bread, "floor": floor, "back": back}


def ledger_says(db, store, at) -> dict:
    """Every stream's level at ``at`` by the ledger's own one-stream level_at."""
    streams = db.session.execute(select(StockLevel.item_id, StockLevel.location_id)
                                 .where(StockLevel.store_id == store.id)).tuples().all()
    return {s: level_at(s[0], s[1], at) for s in streams if level_at(s[0], s[1], at)}


def test_a_past_valuation_keeps_a_snapshot_of_that_day(db, shop, store):
    at = end_of(5, store)
    assert valuation.levels_at(store.id, at) == ledger_says(db, store, at)
    assert snapshots.snapshot_instants(store.id) == [at]
    # Asked again, the same snapshot is used, not another one.
    assert valuation.levels_at(store.id, at) == ledger_says(db, store, at)
    assert len(db.session.scalars(select(LevelSnapshot)).all()) == 1


def test_a_snapshot_stays_right_after_a_late_event_older_than_it(db, shop, store, record):
    at = end_of(5, store)
    before = valuation.valuation(flt(store), at).total_cents
    # Learnt after the snapshot was taken, rung up before its instant: two milk on Nov 2.
    record(shop["milk"], "sale", -2, at=t(2))
    record(shop["bread"], "opening", 50, at=t(4, 20))  # a late reset moves its stream's base
    after = valuation.valuation(flt(store), at)
    assert after.total_cents == before - 2 * 250 + (50 - 20) * 100
    assert valuation.levels_at(store.id, at) == ledger_says(db, store, at)
    snap = db.session.scalar(select(LevelSnapshot))
    assert snapshots._tally(store.id, at)[0] == snap.events  # mended, so good again


def test_a_late_event_the_snapshot_cannot_place_by_id_makes_it_rebuild(db, shop, store, record):
    at = end_of(5, store)
    valuation.levels_at(store.id, at)
    record(shop["milk"], "sale", -3, at=t(4))
    # As if that sale had been written by a transaction that began before the snapshot was
    # built and committed after it: its id is not above what the snapshot says it saw.
    db.session.execute(update(LevelSnapshot).values(max_event_id=10**9))
    db.session.commit()
    assert valuation.levels_at(store.id, at) == ledger_says(db, store, at)


def test_a_snapshot_built_from_an_earlier_one_and_any_instant_between(db, shop, store, record):
    valuation.levels_at(store.id, end_of(5, store))
    record(shop["bread"], "sale", -1, at=t(7))
    for at in (end_of(12, store), t(12, 20), t(6, 3), t(11), t(11, 13)):
        assert valuation.levels_at(store.id, at) == ledger_says(db, store, at), at
    assert valuation.levels_at(store.id, t(3), location_id=shop["back"].id) == {
        (shop["milk"].id, shop["back"].id): 24}


def test_a_weighed_items_value_rounds_half_away_from_zero_per_item_location(db, store, make_item, record):
    floor, back = store.locations
    cheese = make_item("Cheddar", category="Dairy", cost_cents=1, measure="weight")
    ham = make_item("Ham", category="Deli", cost_cents=3, measure="weight")
    record(cheese, "opening", 1500, at=t(1))  # 1.5 cents -> 2
    record(cheese, "opening", 2500, at=t(1), location=back)  # 2.5 -> 3
    record(ham, "sale", -500, at=t(2))  # a level of -0.5 kg: -1.5 cents -> -2
    v = valuation.valuation(flt(store), None)
    assert sorted((r["item"], r["location"], r["value_cents"]) for r in v.rows) == [
        ("Cheddar", "Back room", 3), ("Cheddar", "Sales floor", 2), ("Ham", "Sales floor", -2)]
    assert v.total_cents == 3 == valuation.total_value_now(store.id)
    assert [(g.name, g.units, g.value_cents) for g in v.by_category] == [("Dairy", 0, 5), ("Deli", 0, -2)]
    assert [r["value_cents"] for r in valuation.valuation(flt(store), t(3)).rows] == [3, 2, -2]
    for r in v.rows:
        assert r["value_cents"] == value_cents(r["quantity"], r["cost_cents"], "weight")


def test_the_valuation_page_reads_the_top_rows_and_the_totals_of_all(shop, store):
    everything = valuation.valuation(flt(store), None)
    top = valuation.valuation(flt(store), None, row_limit=2)
    assert top.rows == everything.rows[:2] and len(everything.rows) == 3
    assert (top.total_cents, top.by_category, top.by_location) == (
        everything.total_cents, everything.by_category, everything.by_location)


def test_the_dashboards_low_list_is_the_item_pages_rule(db, store, make_item, record, app):
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)

    def ago(days: int) -> datetime:
        return now - timedelta(days=days)

    items = {}
    for name, point, opening, sold, policy in [
        ("manual, low", 10, 30, 22, None),
        ("manual, fine", 2, 30, 5, None),
        ("suggested, low", None, 19, 14, None),  # 0.5 a day x 7 + 1 = 5 (rounded up)
        ("suggested, fine", None, 60, 14, None),
        ("own lead time", None, 20, 14, (20, None)),  # 10 + 1
        ("own safety", None, 12, 6, (None, 9)),  # 6/28 x 7 -> 2, + 9
        ("never sold", None, 0, 0, None),
        ("net return", 0, 5, -3, None),
        ("at zero with a point", 0, 0, 0, None),
    ]:
        item = make_item(name, reorder_point=point)
        items[name] = item
        if opening:
            record(item, "opening", opening, at=ago(60))
        if sold > 0:
            record(item, "sale", -sold, at=ago(3))
        elif sold < 0:
            record(item, "refund", -sold, at=ago(3))
        if policy:
            db.session.add(ReorderPolicy(item_id=item.id, store_id=store.id, lead_time_days=policy[0],
                                         safety_stock=policy[1]))
    record(make_item("inactive", reorder_point=100, active=False), "opening", 1, at=ago(60))
    db.session.commit()
    every = reorder.reorder_infos(store.id, now=now)
    expected = sorted((i for i in every.values() if i.low),
                      key=lambda i: (i.cover_days if i.cover_days is not None else 10**9, i.item_id))
    low = reorder.low_infos(store.id, now=now)
    assert low == expected
    assert {i.item_id for i in low} == {items[n].id for n in (
        "manual, low", "suggested, low", "own lead time", "own safety", "at zero with a point")}


def test_the_accuracy_page_reads_the_latest_counts_and_judges_them_all(store, make_item, record):
    for n, variance in enumerate([5, -5, 3, 0]):
        item = make_item(f"Item {n}")
        record(item, "opening", 20, at=t(1))
        record(item, "count", 20 + variance, at=t(10 + n))
    everything = accuracy.accuracy(flt(store), tolerance=1)
    latest = accuracy.accuracy(flt(store), tolerance=1, row_limit=2)
    assert [r["variance"] for r in everything.rows] == [5, -5, 3, 0]
    assert latest.rows == everything.rows[-2:]
    assert latest.overall == everything.overall == calc.accuracy([5, -5, 3, 0], 1)


def test_the_ledger_pages_counts_by_kind_follow_every_filter(shop, store):
    def counts(**kw):
        page = ledger_view.page(flt(store, **kw))
        assert page.total == len(page.rows)  # fewer than a page here: every event is listed
        return dict(page.by_kind)

    assert counts() == {"opening": 3, "sale": 3, "receive": 1, "count": 1, "adjustment": 1}
    assert counts(category="Bakery") == {"opening": 1, "sale": 1}
    assert counts(location_id=shop["back"].id) == {"opening": 1, "receive": 1}
    assert counts(item_id=shop["milk"].id, location_id=shop["floor"].id) == {
        "opening": 1, "sale": 2, "count": 1, "adjustment": 1}
    assert ledger_view.page(flt(store), kind="sale").by_kind == [("sale", 3)]


def test_shrink_added_up_in_sql_agrees_with_its_own_rows(store, make_item, record):
    eggs = make_item("Eggs", category="Dairy", cost_cents=300)
    ham = make_item("Ham", category="Deli", cost_cents=1999, measure="weight")
    record(eggs, "opening", 100, at=t(1, 9))
    record(ham, "opening", 5000, at=t(1, 9))
    record(eggs, "damage", -4, at=t(2), note="damaged")
    record(eggs, "damage", -1, at=t(3))  # no reason given
    record(ham, "damage", -333, at=t(4), note="expired")  # 6.65667 dollars: rounds to 666 cents
    record(eggs, "count", 85, at=t(20))  # 10 short
    record(eggs, "sale", -2, at=t(19))  # late: the count was 8 short, a correcting adjustment
    record(ham, "count", 4700, at=t(21))  # 33 g found
    s = shrink.shrink(flt(store))
    page = shrink.shrink(flt(store), with_rows=False)
    assert page.rows == [] and len(s.rows) == 4
    assert (page.by_reason, page.top_items, page.trend_cents, page.total_cents, page.total_units,
            page.found_cents) == (s.by_reason, s.top_items, s.trend_cents, s.total_cents, s.total_units,
                                  s.found_cents)
    by_reason = {}
    for row in s.rows:
        events, cents = by_reason.get(row["reason"], (0, 0))
        by_reason[row["reason"]] = (events + 1, cents + row["value_cents"])
    assert {r.reason: (r.events, r.value_cents) for r in s.by_reason} == by_reason == {
        "damaged": (1, 1200), "damage": (1, 300), "expired": (1, 666), "count shortfall": (1, 2400)}
    assert s.total_units == 13 and s.found_cents == 66
    assert sum(s.trend_cents) == s.total_cents == 1200 + 300 + 666 + 2400


def test_coverage_classes_and_lists_worked_out_in_sql_match_calc(db, store, make_item, record):
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    cutoff = now - timedelta(days=30)
    # (price, units sold in the window, last count): ties in value, nothing sold, a net
    # return, a sale too old to count, never counted, counted exactly 30 and 60 days ago.
    plan = [(100, 40, None), (100, 40, 5), (200, 20, 45), (50, 16, 31), (400, 2, 30), (100, 8, 61),
            (100, 8, 60), (300, 1, 90), (100, 0, 100), (100, -2, None), (100, 0, 10), (700, 1, 2),
            (25, 30, 200), (100, 8, None)]
    values, last = {}, {}
    for n, (price, sold, counted_days_ago) in enumerate(plan):
        item = make_item(f"Item {n:02d}", price_cents=price)
        record(item, "opening", 100, at=now - timedelta(days=300))
        record(item, "sale", -5, at=now - timedelta(days=95))  # before the ABC window
        if sold > 0:
            record(item, "sale", -sold, at=now - timedelta(days=3))
        elif sold < 0:
            record(item, "refund", -sold, at=now - timedelta(days=3))
        last[item.id] = None
        if counted_days_ago is not None:
            last[item.id] = now - timedelta(days=counted_days_ago)
            record(item, "count", 50, at=last[item.id])
        values[item.id] = sold * price
    record(make_item("Gone", price_cents=100, active=False), "sale", -99, at=now - timedelta(days=1))
    classes = calc.abc_classes(values)
    due = calc.cycle_count_list(((i, classes[i], last[i]) for i in values), now)
    c = coverage.coverage(flt(store), limit=100, now=now)
    assert (c.items, c.counted_recently) == (len(plan), sum(1 for w in last.values() if w and w >= cutoff))
    assert c.by_class == {name: (sum(1 for v in classes.values() if v == name),
                                 sum(1 for d in due if d.abc == name)) for name in "ABC"}
    assert [(r["item_id"], r["abc"], r["last_counted_at"]) for r in c.stale] == [
        (i, classes[i], last[i]) for i in sorted(
            (i for i in values if last[i] is None or last[i] < cutoff),
            key=lambda i: (last[i] is not None, last[i] or now, f"Item {list(values).index(i):02d}"))]
    assert [(r["item_id"], r["abc"], r["overdue_days"]) for r in c.suggested] == [
        (d.item_id, d.abc, d.overdue_days) for d in due]
    assert [r["item_id"] for r in coverage.coverage(flt(store), limit=3, now=now).suggested] == [
        d.item_id for d in due[:3]]


def test_a_snapshot_that_cannot_be_written_now_leaves_the_valuation_right(db, shop, store, monkeypatch):
    def busy(*args, **kwargs):  # as when another request is writing the same one
        raise IntegrityError("INSERT INTO level_snapshots", {}, Exception("duplicate key"))

    monkeypatch.setattr(snapshots, "_build", busy)
    at = end_of(5, store)
    assert valuation.levels_at(store.id, at) == ledger_says(db, store, at)
    assert snapshots.snapshot_instants(store.id) == []
