"""``create_emulator_app(config)``: the factory of the Clover emulator.

It binds the store, the rate limiter and the webhook sender, registers the blueprints and the
error handlers, and seeds the configured merchants in memory. It starts no thread and opens no
socket: the webhook thread starts with the first request (or ``ensure_started()``), and
serving is the caller's job (``__main__.py``, harness.py).
"""

from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from clover_emulator import auth, control, v3
from clover_emulator.errors import CloverError
from clover_emulator.lifecycle import bind_state


def create_emulator_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.json.sort_keys = False
    bind_state(app, config)

    app.register_blueprint(v3.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(control.bp)

    @app.before_request
    def start_webhook_sender() -> None:
        app.extensions["clover_emulator_webhooks"].ensure_started()

    @app.after_request
    def count(response):
        if request.path.startswith(("/v3/", "/oauth/")):
            store = app.extensions["clover_emulator"]  # looked up each time: a reset swaps it
            with store.lock:
                store.requests_by_path[f"{request.method} {request.path}"] += 1
                store.responses_by_status[response.status_code] += 1
                for header, _ in response.headers.items():
                    if header.lower().startswith("x-ratelimit-"):
                        store.limited_by[header[len("X-RateLimit-"):]] += 1
        return response

    @app.errorhandler(CloverError)
    def clover_error(error: CloverError):
        response = jsonify(error.body())
        response.status_code = error.status
        response.headers.update(error.headers)
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        response = jsonify({"message": error.name, "details": error.description})
        response.status_code = error.code or 500
        for key, value in error.get_headers():
            if key.lower() == "allow":
                response.headers[key] = value
        return response

    return app
