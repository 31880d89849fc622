"""GET /api/v1/levels: a snapshot, then the changes after a cursor, with available to sell."""

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from webapp.channels.models import LevelChange
from webapp.inventory.ledger import Ledger, NewEvent


def test_the_snapshot_gives_every_item_with_level_buffer_and_available_never_below_zero(api, make_item, move,
                                                                                       channel):
    milk, tea = make_item("Milk", sku="MILK"), make_item("Tea")
    move(milk, 10)
    move(tea, 1)
    body = api("/api/v1/levels").get_json()
    assert "levels" in body, body
    by_id = {row["item_id"]: row for row in body["levels"]}
    assert (by_id[milk.id]["sku"], by_id[milk.id]["level"], by_id[milk.id]["buffer"],
            by_id[milk.id]["available"]) == ("MILK", 10, 2, 8)
    assert (by_id[tea.id]["level"], by_id[tea.id]["available"]) == (1, 0)
    assert body["channel"] == "Shopify" and body["cursor"] == 2 and body["more"] is False


def test_changes_after_a_cursor_come_in_order_and_the_cursor_moves_past_them(api, make_item, move):
    milk = make_item("Milk")
    move(milk, 10)
    cursor = api("/api/v1/levels").get_json()["cursor"]
    move(milk, -3, "sale")
    move(milk, 5)
    body = api(f"/api/v1/levels?since={cursor}").get_json()
    assert [(r["seq"], r["level"], r["available"]) for r in body["levels"]] == [
        (cursor + 1, 7, 5), (cursor + 2, 12, 10)]
    assert body["cursor"] == cursor + 2
    assert api(f"/api/v1/levels?since={body['cursor']}").get_json()["levels"] == []


def test_moving_stock_between_locations_leaves_the_store_total_and_feeds_nothing(api, make_item, move, db,
                                                                                 store):
    milk = make_item("Milk")
    move(milk, 10)
    cursor = api("/api/v1/levels").get_json()["cursor"]
    led = Ledger(source="device")
    now = datetime.now(UTC)
    for kind, loc, qty in (("transfer_out", store.locations[0], -4), ("transfer_in", store.locations[1], 4)):
        led.append(NewEvent(key=f"t:{uuid.uuid4()}", kind=kind, store_id=store.id, item_id=milk.id,
                            location_id=loc.id, quantity=qty, occurred_at=now))
    led.settle()
    db.session.commit()
    assert api(f"/api/v1/levels?since={cursor}").get_json()["levels"] == []


def test_a_store_without_a_channel_keeps_no_feed(make_store, make_item, db):
    other = make_store("No Web Shop")
    item = make_item("Milk", store_id=other.id)
    led = Ledger(source="clover")
    led.append(NewEvent(key="k1", kind="receive", store_id=other.id, item_id=item.id,
                        location_id=other.selling_location.id, quantity=3, occurred_at=datetime.now(UTC)))
    led.settle()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(LevelChange)) == 0


def test_an_items_own_buffer_set_with_a_token_is_fed_as_a_new_available(api, make_token, client, make_item,
                                                                      move):
    milk = make_item("Milk")
    move(milk, 10)
    cursor = api("/api/v1/levels").get_json()["cursor"]
    writer = make_token(("buffers:write",), name="buffers")
    answer = client.put(f"/api/v1/buffers/{milk.id}", json={"buffer": 6},
                        headers={"Authorization": f"Bearer {writer}"})
    assert answer.status_code == 200 and answer.get_json()["buffer"] == 6
    (row,) = api(f"/api/v1/levels?since={cursor}").get_json()["levels"]
    assert (row["level"], row["buffer"], row["available"]) == (10, 6, 4)
    back = client.put(f"/api/v1/buffers/{milk.id}", json={"buffer": None},
                      headers={"Authorization": f"Bearer {writer}"})
    assert back.get_json()["buffer"] == 2


def test_tokens_are_checked_for_presence_scope_revocation_and_store(api, make_token, client, make_item, db,
                                                                   channel, make_store):
    from webapp.channels import tokens

    milk = make_item("Milk")
    assert client.get("/api/v1/levels").status_code == 401
    assert api("/api/v1/levels", token="sc_nonsense").status_code == 401
    reader = make_token(("levels:read",), name="reader")
    refused = client.put(f"/api/v1/buffers/{milk.id}", json={"buffer": 1},
                         headers={"Authorization": f"Bearer {reader}"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "missing_scope"
    writer = make_token(("buffers:write",), name="writer")
    rival_item = make_item("Rival", store_id=make_store("Rival").id)
    assert client.put(f"/api/v1/buffers/{rival_item.id}", json={"buffer": 1},
                      headers={"Authorization": f"Bearer {writer}"}).status_code == 404
    bad = client.put(f"/api/v1/buffers/{milk.id}", json={"buffer": -1},
                     headers={"Authorization": f"Bearer {writer}"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "buffer"
    assert api("/api/v1/levels?since=abc").status_code == 400
    token_id = db.session.scalars(select(tokens.ApiToken.id).where(tokens.ApiToken.name == "reader")).one()
    tokens.revoke(channel.store_id, token_id)
    db.session.commit()
    assert api("/api/v1/levels", token=reader).status_code == 401


def test_a_manager_sets_up_a_channel_a_token_and_a_buffer_and_the_trail_records_them(manager, db, make_item,
                                                                                    login_as):
    from webapp.audit.models import AuditEntry

    milk = make_item("Milk")
    manager.post_form("/channels/", {"name": "Woo", "default_buffer": "1", "webhook_url": ""})
    page = manager.get("/channels/").get_data(as_text=True)
    assert "Woo" in page
    channel_id = int(page.split('id="channel-')[1].split('"')[0])
    made = manager.post_form(f"/channels/{channel_id}/tokens", {"name": "woo", "scopes": "levels:read"},
                             follow_redirects=True).get_data(as_text=True)
    raw = made.split("not shown again: ")[1].split("<")[0].strip()
    assert raw.startswith("sc_")
    assert manager.post_form(f"/channels/{channel_id}/buffers", {"item_id": str(milk.id), "buffer": "x"}
                             ).status_code == 400
    manager.post_form(f"/channels/{channel_id}/buffers", {"item_id": str(milk.id), "buffer": "4"})
    body = manager.get("/api/v1/levels", headers={"Authorization": f"Bearer {raw}"}).get_json()
    assert {r["item_id"]: r["buffer"] for r in body["levels"]}[milk.id] == 4
    mine = select(AuditEntry.entity).where(AuditEntry.actor == manager.user.username)
    entities = set(db.session.scalars(mine))
    assert {"sales_channel", "api_token", "channel_buffer"} <= entities
    token_row = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "api_token")).one()
    assert raw not in token_row.changes and '"(set)"' in token_row.changes
    assert login_as("staff").get("/channels/").status_code == 403


def test_the_feed_and_the_buffer_route_answer_as_the_openapi_document_says(api, client, make_token, make_item,
                                                                         move, receiver, db, channel):
    import jsonschema_rs

    from webapp.channels import webhooks

    document = client.get("/api/v1/openapi.json").get_json()
    assert "levels" in document["webhooks"] and "apiToken" in document["components"]["securitySchemes"]

    def matches(method, path, response):
        listed = document["paths"][path][method]["responses"][str(response.status_code)]
        if "$ref" in listed:
            listed = document["components"]["responses"][listed["$ref"].rsplit("/", 1)[1]]
        schema = listed["content"]["application/json"]["schema"]
        errors = [str(e) for e in jsonschema_rs.Draft202012Validator({**document, **schema})
                  .iter_errors(response.get_json())]
        assert not errors, (path, response.status_code, errors)

    milk = make_item("Milk")
    move(milk, 4)
    matches("get", "/api/v1/levels", api("/api/v1/levels"))
    matches("get", "/api/v1/levels", api("/api/v1/levels?since=0"))
    matches("get", "/api/v1/levels", api("/api/v1/levels?since=x"))
    matches("get", "/api/v1/levels", client.get("/api/v1/levels"))
    writer = make_token(("buffers:write",), name="w")
    matches("put", "/api/v1/buffers/{item_id}", client.put(f"/api/v1/buffers/{milk.id}", json={"buffer": 1},
                                                            headers={"Authorization": f"Bearer {writer}"}))
    matches("put", "/api/v1/buffers/{item_id}", client.put(f"/api/v1/buffers/{milk.id}", json={},
                                                            headers={"Authorization": f"Bearer {writer}"}))
    channel.webhook_url = receiver.url
    db.session.commit()
    webhooks.deliver()
    hook = document["webhooks"]["levels"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert jsonschema_rs.Draft202012Validator({**document, **hook}).is_valid(receiver.requests[0]["json"])
