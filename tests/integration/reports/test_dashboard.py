"""The dashboard: low items with cover, approvals waiting, today, sync health, value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webapp.clover.models import CloverConnection, CloverWebhookHint
from webapp.reports import dashboard
from webapp.sync.models import SyncReceipt


def test_the_dashboard_puts_the_shortest_cover_first_and_counts_today(db, store, make_item, record):
    # Midday in the store's zone: "today" must not depend on when the suite runs (events
    # five minutes before a run just after local midnight belong to yesterday).
    now = datetime(2026, 11, 20, 17, tzinfo=UTC)
    fast = make_item("Fast", reorder_point=10, cost_cents=100)
    slow = make_item("Slow", reorder_point=10, cost_cents=100)
    fine = make_item("Fine", reorder_point=2, cost_cents=100)
    for item in (fast, slow, fine):
        record(item, "opening", 30, at=now - timedelta(days=30))
    record(fast, "sale", -24, at=now - timedelta(days=3), source="clover")  # 6 left, 24/28 a day
    record(slow, "sale", -23, at=now - timedelta(days=20), source="clover")  # 7 left, 23/28 a day
    record(fine, "receive", 6, at=now - timedelta(minutes=5))
    record(fine, "damage", -2, at=now - timedelta(minutes=4), note="damaged")
    board = dashboard.dashboard(store.id, now)
    assert [(r["item"], r["level"], r["point"]) for r in board.low] == [("Fast", 6, 10), ("Slow", 7, 10)]
    assert board.low[0]["cover_days"] == 7  # 6 / (24/28)
    assert (board.today.receipts, board.today.received_units, board.today.damage,
            board.today.damage_cents) == (1, 6, 1, 200)
    assert board.value_cents == (6 + 7 + 34) * 100


def test_sync_health_shows_clover_and_devices_that_held_events(db, store, make_user):
    now = datetime(2026, 11, 28, 15, tzinfo=UTC)
    db.session.add(CloverConnection(store_id=store.id, merchant_id="M1",
                                    last_pull_at=now - timedelta(minutes=2),
                                    last_push_at=now - timedelta(minutes=3)))
    db.session.add(CloverWebhookHint(merchant_id="M1", object_id="O:1", event_type="CREATE",
                                     ts=int((now - timedelta(seconds=70)).timestamp() * 1000),
                                     received_at=now - timedelta(seconds=60)))
    user = make_user("staff")
    synced = now - timedelta(minutes=30)
    for n, (device, held) in enumerate([("phone-a", timedelta(hours=3)), ("phone-b", timedelta(minutes=5))]):
        db.session.add(SyncReceipt(event_id=f"e{n}", type="count_scan", store_id=store.id, user_id=user.id,
                                   device_id=device, device_occurred_at=now - held, occurred_at=now - held,
                                   device_time=synced, received_at=synced))
    db.session.commit()
    health = dashboard.sync_health(store, now)
    assert health.connected and health.last_pull_at == now - timedelta(minutes=2)
    assert health.webhook_lag == timedelta(seconds=10)
    assert health.oldest_unprocessed == timedelta(seconds=60)
    assert [(d["device_id"], d["waited"]) for d in health.devices] == [
        ("phone-a", timedelta(hours=2, minutes=30))]


def test_the_dashboard_page_links_low_items_to_their_reorder_working(db, store, make_item, record, login_as):
    item = make_item("Low <b>Thing</b>", reorder_point=5)
    record(item, "opening", 2)
    page = login_as("manager").get("/reports/").get_data(as_text=True)
    assert f'/alerts/items/{item.id}/reorder' in page
    assert "Low &lt;b&gt;Thing&lt;/b&gt;" in page and "<b>Thing" not in page
    working = login_as("manager").get(f"/alerts/items/{item.id}/reorder").get_data(as_text=True)
    assert "Reorder point: 5" in working


def test_a_manager_sets_an_items_point_and_the_alert_follows(db, store, make_item, record, login_as):
    item = make_item("Rice")
    record(item, "opening", 8)
    client = login_as("manager")
    response = client.post_form(f"/alerts/items/{item.id}/reorder",
                                {"manual_point": "10", "lead_time_days": "", "safety_stock": "3"})
    assert response.status_code == 302
    db.session.expire_all()
    assert item.reorder_point == 10
    alerts = client.get("/alerts/").get_data(as_text=True)
    assert "Rice" in alerts and "fell to 8" in alerts
    bad = client.post_form(f"/alerts/items/{item.id}/reorder", {"manual_point": "-1"},
                           headers={"Accept": "application/json"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "manual_point"


def test_the_reorder_panel_for_the_item_page_shows_the_point_and_cover(app, db, make_item, record, login_as):
    from flask import render_template_string

    item = make_item("Beans", reorder_point=4)
    record(item, "opening", 9)
    client = login_as("manager")
    with app.test_request_context():
        from flask_login import login_user

        login_user(client.user)
        html = render_template_string('{% include "alerts/_reorder_panel.html" %}', item=item)
    assert "Reorder point: 4" in html and "(manual)" in html and "9 in store" in html


def test_running_low_bars_are_longest_for_the_least_cover(db, store, make_item, record, login_as):
    """Bug: the bars were longest for the item with the most days of cover."""
    import re

    from webapp.types import utcnow

    now = utcnow()
    soon = make_item("Runs out soon", reorder_point=10)
    later = make_item("Runs out later", reorder_point=10)
    unsold = make_item("Never sold", reorder_point=10)
    for item in (soon, later, unsold):
        record(item, "opening", 30, at=now - timedelta(days=30))
    record(soon, "sale", -28, at=now - timedelta(days=2), source="clover")    # 2 left, 1 a day: 2 d
    record(later, "sale", -24, at=now - timedelta(days=2), source="clover")   # 6 left, 6/7 a day: 7 d
    record(unsold, "damage", -25, at=now - timedelta(days=1))                  # 5 left, no sales
    page = login_as("manager").get("/reports/").get_data(as_text=True)
    chart = page[page.index('<svg class="chart chart-bar"'):]
    chart = chart[:chart.index("</svg>")]
    labels = re.findall(r'class="chart-label"[^>]*>([^<]*)<', chart)
    widths = [float(w) for w in re.findall(r'class="chart-bar"[^>]*width="([\d.]+)"', chart)]
    assert labels == ["Runs out soon", "Runs out later", "Never sold"]
    assert widths[0] > widths[1] > widths[2]
    assert "2.0 d (2 left)" in chart and "7.0 d (6 left)" in chart and "no recent sales (5 left)" in chart
