"""The OpenAPI 3.1 description of the JSON API (/api/v1/...) and the Clover webhook.

Written beside the code rather than inferred from it: the views parse JSON by hand, so there
is nothing to introspect except the registry of sync event types, whose names are filled in
when the document is built. tests/integration/test_openapi.py fails when a JSON route exists
that the document does not describe (or the reverse) and checks real answers against it;
tests/fuzz/ runs Schemathesis against it on a live server.

The error shape is the one ``webapp.errors`` produces for every failure, so each operation
lists the statuses it can answer with and they all share ``Error``.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app

from webapp.channels import openapi as channels
from webapp.sync import registry_of

TIME = {"type": "string", "format": "date-time", "examples": ["2026-11-28T10:02:11.900Z"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_RULES = {
    "type": "object", "required": ["rules"],
    "properties": {"rules": {"type": "array", "items": {
        "type": "object", "required": ["prefix", "kind", "item_digits", "value_digits", "decimals"],
        "properties": {"prefix": {"type": "string"}, "kind": {"enum": ["price", "weight"]},
                       "item_digits": {"type": "integer"}, "value_digits": {"type": "integer"},
                       "decimals": {"type": "integer"}, "verifier": {"type": "boolean"}},
    }}},
}
_FORMATS = {
    "type": "object", "required": ["formats", "available"],
    "properties": {"formats": {"type": "array", "items": {"type": "string"}},
                   "available": {"type": "array", "items": {"type": "string"}}},
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR_TEXT = {
    "400": "The request is malformed, or the CSRF token is missing or wrong (code csrf_failed).",
    "401": "Not logged in (code login_required), or no valid API token (token_required, bad_token).",
    "403": "The user's role does not allow this.",
    "404": "Nothing of that id or code in the user's store.",
    "413": "The request or upload is too large.",
    "415": "The body is not in a supported format.",
    "429": "Too many requests; wait and retry.",
    "503": "The database is unavailable; retry shortly (the phone keeps its outbox).",
}


def _errors(*statuses: str) -> dict[str, Any]:
    return {status: {"$ref": f"#/components/responses/E{status}"} for status in statuses}


SESSION = [{"session": [], "csrf": []}]
SESSION_READ = [{"session": []}]


def _schemas(event_types: list[str]) -> dict[str, Any]:
    error_body = {
        "type": "object",
        "required": ["code", "message", "field"],
        "properties": {
            "code": {"type": "string"},
            "message": {"type": "string"},
            "field": {"type": ["string", "null"]},
        },
    }
    barcode = {
        "type": "object",
        "required": ["code", "gtin14", "pack_qty"],
        "properties": {
            "code": {"type": "string"},
            "gtin14": {"type": ["string", "null"]},
            "pack_qty": {"type": "integer"},
        },
    }
    item = {
        "type": "object",
        "description": "cost_cents is present for managers and admins only.",
        "required": ["id", "name", "measure", "active", "barcodes"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "sku": {"type": ["string", "null"]},
            "category": {"type": ["string", "null"]},
            "measure": {"type": "string", "enum": ["each", "weight"]},
            "unit_name": {"type": ["string", "null"]},
            "price_cents": {"type": ["integer", "null"]},
            "cost_cents": {"type": ["integer", "null"]},
            "active": {"type": "boolean"},
            "barcodes": {"type": "array", "items": barcode},
        },
    }
    event = {
        "type": "object",
        "description": (
            "One offline event. Every type shares id, type and occurred_at; the other fields "
            "depend on the type and are validated per event: a bad field rejects that event "
            "alone, inside a 200 answer."
        ),
        "required": ["id", "type", "occurred_at"],
        "properties": {
            "id": {"type": "string", "minLength": 1, "maxLength": 64,
                   "description": "A client UUID; the idempotency key."},
            "type": {"type": "string", "enum": event_types},
            "occurred_at": TIME,
            "store_id": {"type": "integer"},
            "location_id": {"type": "integer"},
            "session_id": {"type": "string", "maxLength": 64},
            "code": {"type": "string", "maxLength": 120},
            "item_id": {"type": "integer"},
            "quantity": {"type": "integer"},
            "context": {"type": "string", "maxLength": 16,
                        "description": "unknown_barcode: where the code was scanned (count, lookup, "
                                       "receiving, damage, transfer, other)."},
            "reason": {"type": "string", "maxLength": 40},
            "note": {"type": "string", "maxLength": 500},
        },
        "additionalProperties": True,
    }
    result = {
        "type": "object",
        "required": ["id", "status"],
        "properties": {
            "id": {"description": "The event's id as sent (null when the event was not an object); "
                   "a rejected event's id may be any JSON value."},
            "status": {"type": "string", "enum": ["accepted", "duplicate", "rejected"]},
            "error": error_body,
        },
    }
    symbol = {
        "type": "object",
        "required": ["format", "text", "gtin14", "position", "item", "pack_qty"],
        "properties": {
            "format": {"type": "string"},
            "text": {"type": "string"},
            "gtin14": {"type": ["string", "null"]},
            "position": {
                "type": "object",
                "required": ["x", "y", "width", "height"],
                "properties": {k: {"type": "integer"} for k in ("x", "y", "width", "height")},
            },
            "item": {"oneOf": [item, {"type": "null"}]},
            "pack_qty": {"type": ["integer", "null"]},
        },
    }
    return {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": error_body}},
        "Item": item,
        "SyncBatch": {
            "type": "object",
            "required": ["device_id", "device_time", "events"],
            "properties": {
                "device_id": {"type": "string", "minLength": 1, "maxLength": 64},
                "device_time": TIME,
                "events": {"type": "array", "minItems": 1, "maxItems": 1000, "items": _ref("Event")},
                "backlog": {
                    "type": "object", "required": ["count"],
                    "description": "What the device still holds besides this batch (optional).",
                    "properties": {"count": {"type": "integer", "minimum": 0, "maximum": 10000000},
                                   "oldest_at": {"anyOf": [TIME, {"type": "null"}]}},
                },
            },
        },
        "Event": event,
        "SyncAnswer": {
            "type": "object",
            "required": ["server_time", "results"],
            "properties": {"server_time": TIME, "results": {"type": "array", "items": result}},
        },
        "CatalogSnapshot": {
            "type": "object",
            "required": ["next_since", "items"],
            "properties": {
                "next_since": {"type": ["string", "null"], "format": "date-time"},
                "items": {"type": "array", "items": _ref("Item")},
            },
        },
        "Lookup": {
            "type": "object",
            "required": ["code", "gtin14", "item", "pack_qty"],
            "properties": {
                "code": {"type": "string"},
                "gtin14": {"type": ["string", "null"]},
                "item": {"oneOf": [_ref("Item"), {"type": "null"}]},
                "pack_qty": {"type": ["integer", "null"]},
            },
        },
        "CountTotals": {
            "description": "The server's totals per item of a count, for the phone's count screen: "
                           "this user's over all their devices (mine), the asking device's part "
                           "(here), and for a manager the session's (everyone). A counter gets only "
                           "the items they counted.",
            "type": "object",
            "required": ["session_id", "status", "lines"],
            "properties": {
                "session_id": {"type": "string"},
                "status": {"type": "string", "enum": ["open", "submitted", "cancelled"]},
                "lines": {"type": "array", "items": {
                    "type": "object", "required": ["item_id", "name", "mine", "here"],
                    "properties": {"item_id": {"type": "integer"}, "name": {"type": "string"},
                                   "mine": {"type": "integer"}, "here": {"type": "integer"},
                                   "everyone": {"type": "integer"}},
                }},
            },
        },
        "Unscanned": {
            "description": "Items a full count (or recount) expects that nobody scanned; expected "
                           "is left out when the user may not see a blind count's quantities.",
            "type": "object",
            "required": ["session_id", "status", "full", "blind", "items"],
            "properties": {
                "session_id": {"type": "string"},
                "status": {"type": "string", "enum": ["open", "submitted", "cancelled"]},
                "full": {"type": "boolean"},
                "blind": {"type": "boolean"},
                "items": {"type": "array", "items": {
                    "type": "object", "required": ["id", "name", "category"],
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                   "category": {"type": "string"}, "expected": {"type": "integer"}},
                }},
            },
        },
        "Decoded": {
            "type": "object",
            "required": ["symbols"],
            "properties": {"symbols": {"type": "array", "items": symbol}},
        },
        "WebhookDelivery": {
            "description": "Clover's verification handshake, or a delivery of hints by merchant.",
            "oneOf": [
                {"type": "object", "required": ["verificationCode"],
                 "properties": {"verificationCode": {"type": "string"}}, "additionalProperties": False},
                {"type": "object", "required": ["appId", "merchants"],
                 "properties": {
                     "appId": {"type": "string"},
                     "merchants": {"type": "object", "additionalProperties": {
                         "type": "array",
                         "items": {"type": "object", "required": ["objectId", "type", "ts"],
                                   "properties": {"objectId": {"type": "string"},
                                                  "type": {"type": "string", "enum": ["CREATE", "UPDATE",
                                                                                      "DELETE"]},
                                                  "ts": {"type": "integer"}}}}}}},
            ],
        },
        "WebhookAnswer": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"type": "string", "enum": ["ok", "verification"]},
                           "hints": {"type": "integer"}},
        },
    }


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/sync": {"post": {
            "operationId": "sync",
            "summary": "Send a batch of offline events; one answer per event, in order.",
            "security": SESSION,
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("SyncBatch")}}},
            "responses": {
                "200": _json(_ref("SyncAnswer"), "Every event answered; accepted means durable."),
                **_errors("400", "401", "413", "415", "503"),
            },
        }},
        "/api/v1/catalog": {"get": {
            "operationId": "catalog",
            "summary": "Items changed since a time (all without since), for the offline catalog.",
            "security": SESSION_READ,
            "parameters": [{"name": "since", "in": "query", "required": False, "schema": TIME}],
            "responses": {
                "200": _json(_ref("CatalogSnapshot"), "The changed items; ask again with next_since."),
                "304": {"description": "Nothing changed since the ETag sent in If-None-Match."},
                **_errors("400", "401", "503"),
            },
        }},
        "/api/v1/items/lookup": {"get": {
            "operationId": "lookup",
            "summary": "Resolve a scanned code to an item of the user's store and its pack quantity.",
            "security": SESSION_READ,
            "parameters": [
                {"name": "code", "in": "query", "required": True, "schema": {"type": "string"}},
                {"name": "format", "in": "query", "required": False, "schema": {"type": "string"}},
            ],
            "responses": {
                "200": _json(_ref("Lookup"), "The item the code names, and the code's pack quantity."),
                **_errors("400", "401", "403", "404", "503"),
            },
        }},
        "/api/v1/count-sessions/{session_id}/unscanned": {"get": {
            "operationId": "countUnscanned",
            "summary": "Items a count expects that nobody scanned: the submitter says zero or not counted.",
            "security": SESSION_READ,
            "parameters": [{"name": "session_id", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {
                "200": _json(_ref("Unscanned"), "The unscanned items, in name order."),
                **_errors("401", "404", "503"),
            },
        }},
        "/api/v1/count-sessions/{session_id}/totals": {"get": {
            "operationId": "countTotals",
            "summary": "The server's totals per line of a count: the user's, this device's part, "
                       "and the session's for a manager.",
            "security": SESSION_READ,
            "parameters": [{"name": "session_id", "in": "path", "required": True,
                            "schema": {"type": "string"}},
                           {"name": "device", "in": "query", "required": False,
                            "description": "The asking device's id, as its sync batches send it.",
                            "schema": {"type": "string", "maxLength": 64}}],
            "responses": {
                "200": _json(_ref("CountTotals"), "Per item, in name order."),
                **_errors("401", "404", "503"),
            },
        }},
        "/api/v1/decode": {"post": {
            "operationId": "decode",
            "summary": "Decode the barcodes in a photo a device could not decode itself.",
            "security": SESSION,
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["image"],
                "properties": {"image": {"type": "string", "format": "binary"}},
            }}}},
            "responses": {
                "200": _json(_ref("Decoded"), "The symbols found, each resolved when it can be."),
                **_errors("400", "401", "403", "413", "429", "503"),
            },
        }},
        "/api/v1/store/barcode-formats": {
            "get": {
                "operationId": "barcodeFormats",
                "summary": "The barcode types the store's phones and the server look for.",
                "security": SESSION_READ,
                "responses": {
                    "200": _json(_FORMATS, "The store's barcode types, and every type there is."),
                    **_errors("401", "503"),
                },
            },
            "post": {
                "operationId": "setBarcodeFormats",
                "summary": "Choose the store's barcode types (managers).",
                "security": SESSION,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["formats"],
                    "properties": {"formats": {"type": "array", "items": {"type": "string"}}},
                }}}},
                "responses": {
                    "200": _json(_FORMATS, "The store's barcode types as saved."),
                    **_errors("400", "401", "403", "503"),
                },
            },
        },
        "/api/v1/store/label-rules": {
            "get": {
                "operationId": "labelRules",
                "summary": "The store's price- and weight-embedded label rules (GS1 prefixes 02, 20-29).",
                "security": SESSION_READ,
                "responses": {"200": _json(_RULES, "The rules, one per prefix."), **_errors("401", "503")},
            },
            "post": {
                "operationId": "setLabelRules",
                "summary": "Replace the store's label rules (managers).",
                "security": SESSION,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _RULES}}},
                "responses": {
                    "200": _json(_RULES, "The rules as saved."),
                    **_errors("400", "401", "403", "503"),
                },
            },
        },
        "/api/v1/openapi.json": {"get": {
            "operationId": "openapi",
            "summary": "This document.",
            "security": [],
            "responses": {"200": _json({"type": "object"}, "The OpenAPI document.")},
        }},
        **channels.PATHS,
        "/clover/webhook": {"post": {
            "operationId": "cloverWebhook",
            "summary": "Clover's webhook: hints of changed orders and items, fetched at the next sync.",
            "security": [{"cloverAuth": []}, {}],
            "description": "The verification handshake needs no X-Clover-Auth; every other delivery does.",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("WebhookDelivery")}}},
            "responses": {
                "200": _json(_ref("WebhookAnswer"), "Recorded (or the handshake noted)."),
                **_errors("400", "401", "415", "503"),
            },
        }},
        "/clover/webhook/{key}": {"post": {
            "operationId": "cloverStoreWebhook",
            "summary": "The same webhook on a store's own URL, as the store's Clover page shows it.",
            "security": [{"cloverAuth": []}, {}],
            "description": "A verification code sent here is kept for that store and shown to its admin; "
                           "a key no store signed answers 404 to the handshake.",
            "parameters": [{"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": _ref("WebhookDelivery")}}},
            "responses": {
                "200": _json(_ref("WebhookAnswer"), "Recorded (or the handshake noted)."),
                **_errors("400", "401", "404", "415", "503"),
            },
        }},
    }


def document(routes: set[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The document as served; event type names come from the app's sync registry.

    ``routes`` ((METHOD, path) pairs the app serves) leaves out operations whose capability is
    not installed, so the document never promises a route that answers 404.
    """
    paths = {
        path: {m: op for m, op in ops.items() if routes is None or (m.upper(), path) in routes}
        for path, ops in _paths().items()
    }
    responses = {
        f"E{status}": _json(_ref("Error"), text) for status, text in _ERROR_TEXT.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shelfcount device API",
            "version": "1",
            "description": (
                "The phone app's JSON API, the Clover webhook, and the level feed and webhook for other "
                "sales channels (with an API token: Authorization: Bearer sc_...). Logged-in calls use "
                "the session cookie from the login form; state-changing calls also send the page's CSRF "
                "token in X-CSRFToken. Every error answers {\"error\": {\"code\", \"message\", \"field\"}}."
            ),
        },
        "paths": {path: ops for path, ops in paths.items() if ops},
        "webhooks": channels.WEBHOOKS,
        "components": {
            "schemas": {**_schemas(registry_of(current_app).names()), **channels.SCHEMAS},
            "responses": responses,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
                "cloverAuth": {"type": "apiKey", "in": "header", "name": "X-Clover-Auth"},
                **channels.SCHEMES,
            },
        },
    }


def described_routes() -> set[tuple[str, str]]:
    """(METHOD, path) pairs this module can describe, for the drift test."""
    return {(method.upper(), path) for path, ops in _paths().items() for method in ops}


def json_routes(app: Flask) -> set[tuple[str, str]]:
    """(METHOD, OpenAPI path) of every JSON route the app serves: /api/... and the Clover webhook."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not (rule.rule.startswith("/api/") or rule.endpoint == "clover.webhook"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        routes |= {(method, path) for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    return routes
