"""Emulator settings: defaults and a checked merge of overrides.

Where clover-api.md is unsure about real behaviour it becomes a setting here, with the
doc's section in the comment. Unknown keys are refused, so a typo in a test fails loudly.
"""

import copy
from typing import Any

ALL_SCOPES = ["MERCHANT_R", "INVENTORY_R", "INVENTORY_W", "ORDERS_R", "ORDERS_W", "PAYMENTS_R"]

DEFAULTS: dict[str, Any] = {
    "app_id": "SHELFCOUNTAPP",
    "app_secret": "emulator-app-secret",
    "app_scopes": list(ALL_SCOPES),
    "id_seed": None,  # seeds ids (ids.py) so a whole run is reproducible
    "tokens": {
        "access_lifetime": 3600.0,  # seconds; lifetimes are not documented (2.2)
        "refresh_lifetime": 30 * 86400.0,
        "old_access_valid_after_refresh": False,  # undocumented (8.2); strict by default
        "max_live_refresh_tokens": 10,  # Clover caps them, number unknown (2.2)
    },
    "rate_limits": {  # section 6
        "enabled": True,
        "token_per_second": 16,
        "token_in_flight": 5,
        "app_per_second": 50,
        "app_in_flight": 10,
        "penalty_seconds": 1.0,  # length of the wait a breach starts; requests inside extend it
    },
    "ninety_day_rule": True,  # 3.2; can be switched off for small tests
    "response_delay": 0.0,  # seconds each /v3 request is held, to make in-flight limits testable
    "unset_stock_in_item_expand": "item_ref",  # 4.2 unsure: "item_ref" -> {"item": {"id"}}, "missing"
    "webhooks": {  # section 5; delivery details are unknown, so all of them are settings
        "url": None,
        "auth_code": None,
        "auto_verify": True,  # send the verification POST before the first event
        "mode": "background",  # or "manual": only POST /_emulator/webhooks/flush delivers
        "batch_window": 0.2,  # seconds the background sender gathers events before a POST
        "batch_max_events": 50,
        "group_merchants": True,  # one POST may carry several merchants (5.2)
        "retry": False,  # whether a failed delivery is retried on the next round (5.3)
        "timeout": 5.0,
        "stock_change_events": False,  # 4.3 unsure: does a bare stock change fire an I: event?
        "faults": {"drop": 0.0, "duplicate": 0.0, "delay": 0.0, "reorder": False, "seed": 0},
    },
    # Points clover-fidelity.md leaves unconfirmed, each answerable either way (default first):
    "fidelity": {
        "refund_line_items": "elements",  # row 4: "elements" ({"elements": [...]}) or "list" (bare)
        "voided_order_ref": True,  # row 1: a voided record's lineItem keeps its orderRef, or not
        "voided_order_by": True,  # row 3: /voided_line_items honours orderBy, or answers newest first
        "order_delete_voids": True,  # row 2: deleting an order lists its lines as voided, or not
        "offline_modified_time": "server",  # row 5: at reconnect "server" (now) or "device" time
    },
    "merchants": [],
}

MERCHANT_DEFAULTS: dict[str, Any] = {
    "id": None,
    "name": "Emulated Store",
    "currency": "USD",
    "timezone": "America/New_York",
    "auto_decrement": False,  # Track stock + Update item count after each sale (4.3)
    "refund_restocks": False,  # 4.3/7.6: whether a refund puts stock back is undocumented
    # 4.3 unsure how an offline device's decrements reach the cloud: "delta" applies its sales
    # at reconnect; "absolute" lets the device's own count (what it knew minus its sales) win.
    "offline_stock_merge": "delta",
    "items": [],
    "categories": [],
    "tokens": [],  # static merchant API tokens: [{"token": ..., "scopes": [...]}] (2.4)
}


def merge(base: dict[str, Any], overrides: dict[str, Any] | None, where: str = "") -> dict[str, Any]:
    """Return a deep copy of ``base`` with ``overrides`` applied; unknown keys raise ValueError."""
    result = copy.deepcopy(base)
    for key, value in (overrides or {}).items():
        if key not in base:
            raise ValueError(f"unknown emulator setting {where}{key!r}")
        if isinstance(base[key], dict) and isinstance(value, dict):
            result[key] = merge(base[key], value, f"{where}{key}.")
        elif _same_kind(base[key], value):
            result[key] = copy.deepcopy(value)
        else:
            raise ValueError(f"emulator setting {where}{key} must be like {base[key]!r}, not {value!r}")
    return result


def _same_kind(default: Any, value: Any) -> bool:
    if default is None:  # optional settings (a URL, a seed) take any value
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))


def app_settings(config: dict[str, Any] | None) -> dict[str, Any]:
    return merge(DEFAULTS, config)


def merchant_settings(spec: dict[str, Any] | None) -> dict[str, Any]:
    return merge(MERCHANT_DEFAULTS, spec, "merchant.")
