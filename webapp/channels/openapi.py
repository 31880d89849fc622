"""The feed, the buffer route and the level webhook, for the OpenAPI document (webapp.api.openapi)."""

from __future__ import annotations

from typing import Any

TOKEN = [{"apiToken": []}]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: str) -> dict[str, Any]:
    return {status: {"$ref": f"#/components/responses/E{status}"} for status in statuses}


SCHEMES = {"apiToken": {"type": "http", "scheme": "bearer",
                        "description": "An integration's token (sc_...), made by a manager on /channels/."}}

SCHEMAS: dict[str, Any] = {
    "ChannelLevel": {
        "type": "object",
        "required": ["item_id", "sku", "clover_id", "level", "buffer", "available"],
        "properties": {
            "seq": {"type": "integer", "description": "This change's feed number (changes only)."},
            "at": {"type": "string", "format": "date-time"},
            "item_id": {"type": "integer"},
            "sku": {"type": ["string", "null"]},
            "clover_id": {"type": ["string", "null"]},
            "level": {"type": "integer", "description": "The store's total, in base units."},
            "buffer": {"type": "integer", "description": "Held back from this channel, base units."},
            "available": {"type": "integer", "minimum": 0, "description": "max(0, level - buffer)."},
        },
    },
    "LevelFeed": {
        "type": "object",
        "required": ["channel", "cursor", "levels", "more"],
        "properties": {
            "channel": {"type": "string"},
            "cursor": {"type": "integer", "description": "Ask again with since=<cursor>."},
            "levels": {"type": "array", "items": _ref("ChannelLevel")},
            "more": {"type": "boolean", "description": "More changes wait: ask again at once."},
        },
    },
    "BufferSet": {
        "type": "object", "required": ["buffer"],
        "properties": {"buffer": {"type": ["integer", "null"], "minimum": 0}},
    },
    "BufferAnswer": {
        "type": "object", "required": ["item_id", "channel", "buffer"],
        "properties": {"item_id": {"type": "integer"}, "channel": {"type": "string"},
                       "buffer": {"type": "integer"}},
    },
    "LevelWebhook": {
        "type": "object",
        "required": ["id", "channel", "store_id", "cursor", "levels"],
        "properties": {
            "id": {"type": "string", "description": "The delivery's id, the same on every retry."},
            "channel": {"type": "string"},
            "store_id": {"type": "integer"},
            "cursor": {"type": "integer"},
            "levels": {"type": "array", "items": _ref("ChannelLevel")},
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/levels": {"get": {
        "operationId": "levels",
        "summary": "Every item's level and available to sell (without since), or the changes after a cursor.",
        "security": TOKEN,
        "parameters": [{"name": "since", "in": "query", "required": False,
                        "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"}}],
        "responses": {
            "200": _json(_ref("LevelFeed"), "Levels, in feed order for changes; at most 500 at a time."),
            **_errors("400", "401", "403", "503"),
        },
    }},
    "/api/v1/buffers/{item_id}": {"put": {
        "operationId": "setBuffer",
        "summary": "Set the item's safety buffer for the token's channel (null: the channel's default).",
        "security": TOKEN,
        "parameters": [{"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("BufferSet")}}},
        "responses": {
            "200": _json(_ref("BufferAnswer"), "The buffer now in force."),
            **_errors("400", "401", "403", "404", "503"),
        },
    }},
}

WEBHOOKS: dict[str, Any] = {
    "levels": {"post": {
        "operationId": "levelsWebhook",
        "summary": "Level changes POSTed to a channel's webhook address, in feed order.",
        "description": (
            "Headers: X-Shelfcount-Delivery (the body's id; the same on every retry, so apply each id "
            "once), X-Shelfcount-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\" "
            "with the channel's webhook secret>. Answer 2xx to accept; anything else is retried after "
            "30 s, doubling up to an hour, 12 attempts in all; later deliveries wait behind it."),
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("LevelWebhook")}}},
        "responses": {"200": {"description": "Accepted."}},
    }},
}
