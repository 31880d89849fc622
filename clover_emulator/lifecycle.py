"""Binding the emulator's state to its Flask app, and putting it back as configured.

A reset swaps in a fresh store, rate limiter and webhook sender built from the app's original
config, after stopping the old background threads. It lets a test suite share one running
emulator and still start every test from the seeded state, without building a new app.
"""

import copy
from typing import Any

from flask import Flask

from clover_emulator.merchants import add_merchant
from clover_emulator.ratelimit import RateLimiter
from clover_emulator.settings import app_settings
from clover_emulator.state import Store
from clover_emulator.webhooks import WebhookSender

CONFIG_KEY = "CLOVER_EMULATOR_CONFIG"


def bind_state(app: Flask, config: dict[str, Any] | None) -> Store:
    """Build and seed a store; keep the config with the generated ids so a reset reuses them."""
    config = copy.deepcopy(config or {})
    store = Store(app_settings(config))
    if store.settings["merchants"]:
        config["merchants"] = [add_merchant(store, spec)[1] for spec in store.settings["merchants"]]
    app.config[CONFIG_KEY] = config
    app.extensions["clover_emulator"] = store
    app.extensions["clover_emulator_limiter"] = RateLimiter(store)
    app.extensions["clover_emulator_webhooks"] = WebhookSender(store)
    return store


def stop_threads(app: Flask) -> None:
    """Stop live trading and the webhook sender; call without holding the store lock."""
    store = app.extensions["clover_emulator"]
    with store.lock:
        traders = [m.trading for m in store.merchants.values() if m.trading is not None]
        for m in store.merchants.values():
            m.trading = None
    for trader in traders:
        trader.stop()
    app.extensions["clover_emulator_webhooks"].stop()


def reset_state(app: Flask) -> Store:
    stop_threads(app)
    return bind_state(app, app.config[CONFIG_KEY])
