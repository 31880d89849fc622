"""Run the Clover emulator on a free local port for a test, over real HTTP.

    from clover_emulator.harness import RunningEmulator

    with RunningEmulator({"merchants": [{"id": "XYZVJT2ZRRRSC", "items": [...],
                                         "tokens": [{"token": "t"}]}]}) as emu:
        requests.get(f"{emu.url}/v3/merchants/XYZVJT2ZRRRSC/items",
                     headers={"Authorization": "Bearer t"})
        emu.sale("XYZVJT2ZRRRSC", [{"item_id": ..., "qty": 2}])

A plain helper, not a fixture, so any conftest can wrap it in the scope it needs. The control
helpers call ``/_emulator/...`` (clover_emulator/control.py) and raise on an error.
"""

import threading
from typing import Any

import requests
from werkzeug.serving import WSGIRequestHandler, make_server

from clover_emulator import create_emulator_app
from clover_emulator.lifecycle import stop_threads


class EmulatorControlError(RuntimeError):
    pass


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:  # keep test output readable
        pass


class RunningEmulator:
    def __init__(self, config: dict[str, Any] | None = None) -> None:
        self.app = create_emulator_app(config)
        self._server = None
        self._thread: threading.Thread | None = None
        self._http = requests.Session()
        self.url = ""

    def start(self) -> "RunningEmulator":
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="clover-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        stop_threads(self.app)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._http.close()

    def __enter__(self) -> "RunningEmulator":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- the control API -------------------------------------------------------------------

    def control(self, method: str, path: str, json: Any = None) -> Any:
        """Call ``/_emulator{path}``; returns the decoded JSON body, raises on 4xx/5xx."""
        response = self._http.request(method, f"{self.url}/_emulator{path}", json=json, timeout=30)
        if response.status_code >= 400:
            raise EmulatorControlError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    def reset(self) -> None:
        """Back to the config the emulator started with (same ids), cheaper than a new one."""
        self.control("POST", "/reset", {})

    def create_merchant(self, **spec: Any) -> dict[str, Any]:
        return self.control("POST", "/merchants", spec)

    def token(self, merchant_id: str, scopes: list[str] | None = None, token: str | None = None) -> str:
        body: dict[str, Any] = {"merchant_id": merchant_id, "scopes": scopes}
        if token:
            body["token"] = token
        return self.control("POST", "/tokens", body)["token"]

    def expire_tokens(self) -> int:
        """Every OAuth access token expires now; returns how many."""
        return self.control("POST", "/tokens/expire", {})["expired"]

    def settings(self, **changes: Any) -> dict[str, Any]:
        return self.control("POST", "/settings", changes)

    def merchant_settings(self, merchant_id: str, **changes: Any) -> dict[str, Any]:
        return self.control("POST", f"/merchants/{merchant_id}/settings", changes)

    def sale(self, merchant_id: str, lines: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        return self.control("POST", f"/merchants/{merchant_id}/sales", {"lines": lines, **options})

    def refund(
        self, merchant_id: str, order_id: str, line_item_ids: list[str] | None = None
    ) -> dict[str, Any]:
        return self.control(
            "POST", f"/merchants/{merchant_id}/orders/{order_id}/refund", {"line_item_ids": line_item_ids}
        )

    def void(self, merchant_id: str, order_id: str, line_item_id: str, reason: str = "") -> dict[str, Any]:
        return self.control(
            "POST",
            f"/merchants/{merchant_id}/orders/{order_id}/void",
            {"line_item_id": line_item_id, "reason": reason},
        )

    def delete_order(self, merchant_id: str, order_id: str, reason: str = "") -> list[dict[str, Any]]:
        """The whole order deleted; returns its lines' voided records (listed or not, per settings)."""
        return self.control(
            "POST", f"/merchants/{merchant_id}/orders/{order_id}/delete", {"reason": reason}
        )["voided"]

    def exchange(self, merchant_id: str, order_id: str, line_item_id: str, item_id: str, **kw: Any):
        return self.control(
            "POST",
            f"/merchants/{merchant_id}/orders/{order_id}/exchange",
            {"line_item_id": line_item_id, "item_id": item_id, **kw},
        )

    def fail_payment(self, merchant_id: str, order_id: str) -> dict[str, Any]:
        return self.control("POST", f"/merchants/{merchant_id}/orders/{order_id}/fail_payment", {})

    def reconnect(self, merchant_id: str, device_id: str) -> list[str]:
        return self.control("POST", f"/merchants/{merchant_id}/devices/{device_id}/reconnect", {})["orders"]

    def generate(self, merchant_id: str, **options: Any) -> dict[str, int]:
        return self.control("POST", f"/merchants/{merchant_id}/generate", options)

    def stock(self, merchant_id: str, item_id: str) -> dict[str, Any]:
        """The item_stocks record, read without a token and outside the rate limits."""
        return self.control("GET", f"/merchants/{merchant_id}/stock/{item_id}")

    def force_429(self, count: int) -> None:
        self.control("POST", "/force_429", {"count": count})

    def counters(self) -> dict[str, Any]:
        return self.control("GET", "/counters")

    def flush_webhooks(self) -> dict[str, int]:
        return self.control("POST", "/webhooks/flush", {})
