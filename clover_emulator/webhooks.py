"""The webhook sender (clover-api.md section 5 and 8.11).

Reproduces: the verification handshake, a POST of ``{"verificationCode": uuid}`` without
``X-Clover-Auth`` that must be answered 200 before events flow; then event POSTs carrying the
static ``X-Clover-Auth`` code and the aggregated payload
``{"appId", "merchants": {mId: [{"objectId": "O:ID", "type", "ts"}]}}``. Everything Clover
leaves undocumented is a setting: batching window and size, several merchants per POST or one,
retry of a failed delivery, and fault injection (drop, duplicate, delay, reorder) driven by a
seeded random source so tests are deterministic. Delivery runs on a background thread, or only
on ``flush()`` in "manual" mode. HTTP calls never hold the store lock.
"""

import random
import threading
import time
import uuid
from collections import deque
from typing import Any

import requests

from clover_emulator.state import Event, Store


class WebhookSender:
    def __init__(self, store: Store) -> None:
        self._store = store
        self._send_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._rng = random.Random(store.settings["webhooks"]["faults"]["seed"])
        self.verified_url: str | None = None
        self.verification_codes: list[str] = []
        self.log: deque[dict[str, Any]] = deque(maxlen=500)  # recent deliveries, for /_emulator/counters

    def reconfigured(self) -> None:
        """Settings changed: a new URL needs a new handshake; faults restart from their seed."""
        with self._store.lock:
            if self.verified_url != self._store.settings["webhooks"]["url"]:
                self.verified_url = None
            self._rng = random.Random(self._store.settings["webhooks"]["faults"]["seed"])
            self._store.changed.notify_all()

    def ensure_started(self) -> None:
        with self._store.lock:
            if self._thread is None and not self._stopping:
                self._thread = threading.Thread(
                    target=self._run, name="clover-emulator-webhooks", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        with self._store.lock:
            self._stopping = True
            self._store.changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)

    def _due(self) -> bool:
        return bool(self._store.events) and self._store.settings["webhooks"]["mode"] == "background"

    def _run(self) -> None:
        store = self._store
        while True:
            with store.lock:
                store.changed.wait_for(lambda: self._stopping or self._due(), timeout=0.5)
                if self._stopping:
                    return
                if not self._due():
                    continue
                window = float(store.settings["webhooks"]["batch_window"])
            time.sleep(window)
            try:
                summary = self.flush()
            except Exception as error:  # the sender must outlive a receiver that misbehaves
                self.log.append({"error": repr(error)})
                summary = {"failed": 1}
            if summary.get("failed"):
                time.sleep(1.0)  # a receiver that is down is not hammered every window

    def verify(self) -> int | None:
        """Send the handshake POST; events wait until a receiver has answered it with 200."""
        with self._store.lock:
            config = dict(self._store.settings["webhooks"])
        if not config["url"]:
            return None
        code = str(uuid.uuid4())
        self.verification_codes.append(code)
        status = self._post(config, {"verificationCode": code}, headers={})
        self.log.append({"verification": code, "status": status})
        if status == 200:
            self.verified_url = config["url"]
        return status

    def flush(self) -> dict[str, int]:
        """Deliver every queued event now, applying batching and faults; returns what happened."""
        with self._send_lock:
            with self._store.lock:
                config = dict(self._store.settings["webhooks"])
                if not config["url"]:
                    self._store.events.clear()
                    return {"posts": 0, "events": 0, "dropped": 0, "failed": 0}
            if self.verified_url != config["url"] and config["auto_verify"] and self.verify() != 200:
                return {"posts": 0, "events": 0, "dropped": 0, "failed": 1}
            with self._store.lock:
                events, self._store.events[:] = list(self._store.events), []
            return self._deliver(config, events)

    def _payloads(self, config: dict[str, Any], events: list[Event]) -> list[tuple[dict, list[Event]]]:
        size = max(1, int(config["batch_max_events"]))
        groups = (
            [events]
            if config["group_merchants"]
            else [
                [e for e in events if e.merchant_id == mid]
                for mid in dict.fromkeys(e.merchant_id for e in events)
            ]
        )
        payloads = []
        for group in groups:
            for start in range(0, len(group), size):
                chunk = group[start : start + size]
                if config["faults"]["reorder"]:
                    chunk = list(reversed(chunk))
                merchants: dict[str, list[dict[str, Any]]] = {}
                for e in chunk:
                    merchants.setdefault(e.merchant_id, []).append(
                        {"objectId": e.object_id, "type": e.type, "ts": e.ts}
                    )
                payloads.append(({"appId": self._store.settings["app_id"], "merchants": merchants}, chunk))
        if config["faults"]["reorder"]:
            payloads.reverse()
        return payloads

    def _deliver(self, config: dict[str, Any], events: list[Event]) -> dict[str, int]:
        faults = config["faults"]
        summary = {"posts": 0, "events": len(events), "dropped": 0, "failed": 0}
        retry: list[Event] = []
        headers = {"X-Clover-Auth": config["auth_code"] or ""}
        for payload, chunk in self._payloads(config, events):
            if self._rng.random() < float(faults["drop"]):
                summary["dropped"] += 1
                self.log.append({"dropped": payload})
                continue
            copies = 2 if self._rng.random() < float(faults["duplicate"]) else 1
            delivered = False
            for _ in range(copies):
                if float(faults["delay"]) > 0:
                    time.sleep(float(faults["delay"]))
                status = self._post(config, payload, headers)
                summary["posts"] += 1
                self.log.append({"status": status, "payload": payload})
                delivered = delivered or (status is not None and 200 <= status < 300)
            if not delivered:
                summary["failed"] += 1
                if config["retry"]:
                    retry.extend(chunk)
        if retry:
            with self._store.lock:
                self._store.events[:0] = retry
        return summary

    def _post(self, config: dict[str, Any], body: dict[str, Any], headers: dict[str, str]) -> int | None:
        try:
            response = requests.post(
                config["url"], json=body, headers=headers, timeout=float(config["timeout"])
            )
        except requests.RequestException:
            return None
        response.close()
        return response.status_code
