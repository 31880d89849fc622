"""Shelfcount: the Flask application factory.

``create_app`` binds extensions, registers blueprints, error handlers and CLI commands,
and does nothing else: no migrations, no network, no seeding.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask

from webapp import config as settings
from webapp.errors import refuse_nameless_form_fields, register_error_handlers
from webapp.extensions import csrf, db, limiter, login_manager, migrate
from webapp.request_json import BoundedJSONProvider

if TYPE_CHECKING:
    from webapp.sync.registry import EventRegistry

# One entry per capability package; each may have `views.py` (a blueprint named `bp`),
# `cli.py` (a click group or command named `cli`) and `events.py` (a `register(registry)`
# that adds its sync event types; nothing registers by being imported).
CAPABILITIES: tuple[str, ...] = (
    "auth",
    "catalog",
    "pwa",
    "demo",
    "inventory", "counting", "approvals", "unknown", "api",
    "apidocs",
    "clover",
    "photos",
    "alerts",
    "reports",
    "receiving",
    "purchasing",
    "damage",
    "transfers",
    "returns",
    "audit",
    "channels",
    "schedule",
    "labels",
    "jobs",
)

log = logging.getLogger(__name__)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        static_folder=str(settings.ROOT / "static"),
        template_folder=str(settings.ROOT / "templates"),
        instance_path=str(settings.INSTANCE),
        instance_relative_config=False,
    )
    app.json = BoundedJSONProvider(app)
    app.config.update(settings.from_environment())
    if config and config.get("TESTING"):
        app.config.update(settings.TESTING_OVERRIDES)
    if config:
        app.config.update(config)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings.database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    settings.require_stable_secret(app.config)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(settings.ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    app.before_request(refuse_nameless_form_fields)  # before CSRF protection reads the form
    csrf.init_app(app)
    limiter.init_app(app)

    from webapp import (
        display,
        models,  # noqa: F401  (every model registered before mappers configure)
        security,
    )
    from webapp.audit import watch
    from webapp.sync.registry import EXTENSION, EventRegistry

    watch.install()  # the audit trail listens on every session
    security.init_app(app)
    display.register(app)
    register_error_handlers(app)
    events = app.extensions[EXTENSION] = EventRegistry()
    for name in CAPABILITIES:
        _register_capability(app, name, events)
    return app


def _register_capability(app: Flask, name: str, events: EventRegistry) -> None:
    for module_name, attr, register in (
        ("views", "bp", app.register_blueprint),
        ("cli", "cli", app.cli.add_command),
        ("events", "register", lambda register_types: register_types(events)),
    ):
        try:
            module = importlib.import_module(f"webapp.{name}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"webapp.{name}.{module_name}" and exc.name != f"webapp.{name}":
                raise
            continue
        obj = getattr(module, attr, None)
        if obj is not None:
            register(obj)
