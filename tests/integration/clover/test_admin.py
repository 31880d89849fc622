"""The admin's Clover page and the `flask clover` commands."""

from __future__ import annotations

from tests.integration.clover.conftest import MERCHANT, TOKEN
from webapp.clover.connection import connection_for_store
from webapp.clover.token_crypto import cipher


def test_an_admin_connects_with_a_token_and_sees_the_status(login_as, store, db):
    admin = login_as("admin")
    response = admin.post_form("/clover/token", {"merchant_id": MERCHANT.lower(), "token": TOKEN})
    assert response.status_code == 302
    row = connection_for_store(store.id)
    assert (row.merchant_id, row.auth_mode) == (MERCHANT, "token")
    page = admin.get("/clover/").get_data(as_text=True)
    assert MERCHANT in page and "Merchant API token" in page and "never" in page
    assert TOKEN not in page


def test_a_malformed_merchant_id_is_refused_with_its_field(login_as, store):
    response = login_as("admin").post_form("/clover/token", {"merchant_id": "nope", "token": TOKEN})
    assert response.status_code == 400
    assert connection_for_store(store.id) is None


def test_sync_now_runs_a_cycle_and_the_page_shows_the_push(login_as, connected, clover_items, record):
    admin = login_as("admin")
    admin.post_form("/clover/sync")
    record(clover_items["Oat Milk 1L"], "count", 3)
    assert admin.post_form("/clover/sync").status_code == 302
    page = admin.get("/clover/").get_data(as_text=True)
    assert clover_items["Oat Milk 1L"] in page and "Clover had 24.0" in page


def test_flask_clover_sync_runs_every_connected_store(app, connected, emulator, clover_items, level):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["clover", "sync"])
    assert result.exit_code == 0, result.output
    assert f"store {connected.store_id}: items 3 (new 3)" in result.output
    assert level(clover_items["Oat Milk 1L"]) == 24
    status = runner.invoke(args=["clover", "status"])
    assert MERCHANT in status.output and TOKEN not in status.output


def test_flask_clover_connect_links_a_store_without_echoing_the_token(app, store):
    result = app.test_cli_runner().invoke(args=["clover", "connect", "--store", str(store.id),
                                                "--merchant-id", MERCHANT, "--token", TOKEN])
    assert result.exit_code == 0, result.output
    assert TOKEN not in result.output
    assert cipher().open(connection_for_store(store.id).access_token) == TOKEN


def test_a_sync_that_cannot_reach_clover_says_so_and_keeps_the_problem(app, connected, store, db):
    app.config["CLOVER_BASE_URL"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    app.config["CLOVER_MAX_RETRIES"] = 1
    result = app.test_cli_runner().invoke(args=["clover", "sync"])
    assert result.exit_code == 1
    assert "sync failed" in result.output
    db.session.expire_all()
    assert "gave up" in connection_for_store(store.id).last_error


def test_a_backfill_reads_orders_older_than_ninety_days_in_slices(app, connected, emulator, events):
    import time

    now = int(time.time() * 1000)
    made = emulator.generate(MERCHANT, seed=5, orders=40, hours=120 * 24, start_time=now - 125 * 86_400_000,
                             stamp="simulated")
    result = app.test_cli_runner().invoke(args=["clover", "backfill", "--store", str(connected.store_id),
                                                "--days", "130"])
    assert result.exit_code == 0, result.output
    assert f"{made['orders']} orders" in result.output
    sales = [k for k in events() if k.count(":") == 2]
    # Lines of orders whose offline payment failed are sales too: the goods left (orders.py).
    assert len(sales) == made["lines"] - made["voided"]


def test_flask_clover_connect_finds_the_store_by_name_as_a_reseeded_database_needs(app, make_store):
    make_store("Other Shop")
    demo = make_store("Demo Market")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["clover", "connect", "--store", "demo market", "--merchant-id", MERCHANT,
                                 "--token", TOKEN])
    assert result.exit_code == 0, result.output
    assert connection_for_store(demo.id).merchant_id == MERCHANT
    make_store("Twin")
    make_store("Twin")
    twins = runner.invoke(args=["clover", "connect", "--store", "Twin", "--merchant-id", MERCHANT,
                                "--token", TOKEN])
    assert twins.exit_code != 0 and "2 stores are named 'Twin'" in twins.output
    missing = runner.invoke(args=["clover", "connect", "--store", "Nowhere", "--merchant-id", MERCHANT,
                                  "--token", TOKEN])
    assert missing.exit_code != 0 and "no store with id or name 'Nowhere'" in missing.output
