"""The OpenAPI document describes the JSON API that exists, and real answers match it."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import jsonschema_rs
import pytest
import schemathesis

from webapp.api.openapi import described_routes, json_routes
from webapp.sync import registry_of


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _validator(document: dict, schema_name: str):
    """A validator for one component, resolving $refs against the whole document."""
    return jsonschema_rs.Draft202012Validator({**document, "$ref": f"#/components/schemas/{schema_name}"})


def _answers(document: dict, method: str, path: str, response) -> None:
    """The answer's status is listed for the operation and its body matches the listed schema."""
    operation = document["paths"][path][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {path} answered undocumented {status}"
    listed = operation["responses"][status]
    if "$ref" in listed:
        listed = document["components"]["responses"][listed["$ref"].rsplit("/", 1)[1]]
    if "content" not in listed:
        return
    assert response.mimetype == "application/json"
    schema = listed["content"]["application/json"]["schema"]
    validator = jsonschema_rs.Draft202012Validator({**document, **schema})
    errors = [str(e) for e in validator.iter_errors(response.get_json())]
    assert not errors, f"{method} {path} {status}: {errors}"


def test_the_document_is_public_openapi_3_1(client, document):
    assert document["openapi"].startswith("3.1")
    assert "session" in document["components"]["securitySchemes"]


def test_every_json_route_is_described_and_the_document_lists_only_routes_that_exist(app, document):
    served = json_routes(app)
    assert served - described_routes() == set(), "describe these in webapp/api/openapi.py"
    assert {(m.upper(), p) for p, ops in document["paths"].items() for m in ops} == served
    assert ("POST", "/api/v1/sync") in served


def test_the_event_types_are_the_ones_the_sync_api_registered(app, document):
    registered = registry_of(app).names()
    assert document["components"]["schemas"]["Event"]["properties"]["type"]["enum"] == registered
    assert "count_scan" in registered


def test_schemathesis_loads_every_operation(document):
    schema = schemathesis.openapi.from_dict(document)
    assert sum(1 for _ in schema.get_all_operations()) == sum(len(ops) for ops in document["paths"].values())


def test_an_error_body_matches_the_error_schema(document, client):
    validator = _validator(document, "Error")
    body = client.get("/api/v1/catalog").get_json()
    assert validator.is_valid(body)
    assert not validator.is_valid({"error": {"code": "x"}})


def test_real_answers_of_every_operation_match_the_document(document, login_as, store, make_item):
    item = make_item("Oat Milk", barcodes=[("0036000291452", 1)], cost_cents=310)
    manager = login_as("manager")
    now = _iso(datetime.now(UTC))
    session_id = str(uuid.uuid4())
    start = {"id": str(uuid.uuid4()), "type": "count_start", "occurred_at": now,
             "session_id": session_id, "location_id": store.selling_location.id}
    events = [start, start, {"id": str(uuid.uuid4()), "type": "count_scan", "occurred_at": now,
                             "session_id": session_id, "code": "999"}]
    answer = manager.post_json("/api/v1/sync", {"device_id": "p1", "device_time": now, "events": events})
    assert [r["status"] for r in answer.get_json()["results"]] == ["accepted", "duplicate", "rejected"]
    _answers(document, "POST", "/api/v1/sync", answer)
    _answers(document, "POST", "/api/v1/sync", manager.post_json("/api/v1/sync", {"events": []}))
    _answers(document, "POST", "/api/v1/sync", manager.post("/api/v1/sync", json={"events": []}))

    catalog = manager.get("/api/v1/catalog")
    assert catalog.get_json()["items"][0]["cost_cents"] == 310
    _answers(document, "GET", "/api/v1/catalog", catalog)
    _answers(document, "GET", "/api/v1/catalog",
             manager.get("/api/v1/catalog", headers={"If-None-Match": catalog.headers["ETag"]}))
    _answers(document, "GET", "/api/v1/catalog", manager.get("/api/v1/catalog?since=yesterday"))

    found = manager.get("/api/v1/items/lookup?code=0036000291452")
    assert found.get_json()["item"]["id"] == item.id
    _answers(document, "GET", "/api/v1/items/lookup", found)
    _answers(document, "GET", "/api/v1/items/lookup", manager.get("/api/v1/items/lookup?code=nothing"))

    junk = manager.post("/api/v1/decode", data={"image": (io.BytesIO(b"not a photo"), "x.jpg")},
                        headers={"X-CSRFToken": manager.csrf_token()})
    assert junk.status_code == 400
    _answers(document, "POST", "/api/v1/decode", junk)


def test_anonymous_answers_match_the_document(document, client):
    _answers(document, "GET", "/api/v1/catalog", client.get("/api/v1/catalog"))
    _answers(document, "GET", "/api/v1/items/lookup", client.get("/api/v1/items/lookup?code=1"))
    _answers(document, "POST", "/api/v1/sync", client.post_json("/api/v1/sync", {"events": []}))


def test_webhook_answers_match_the_document(document, client):
    assert "/clover/webhook" in document["paths"]
    _answers(document, "POST", "/clover/webhook",
             client.post("/clover/webhook", json={"verificationCode": "v"}))
    _answers(document, "POST", "/clover/webhook",
             client.post("/clover/webhook", json={"appId": "a", "merchants": {}}))


def test_a_webhook_that_is_not_json_gets_a_json_error(document, client):
    _answers(document, "POST", "/clover/webhook", client.post("/clover/webhook", data="x"))
