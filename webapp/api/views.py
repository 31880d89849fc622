"""The sync contract's HTTP side: ``POST /api/v1/sync`` (the phone's outbox, up) and
``GET /api/v1/catalog`` (the offline catalog, down); thin views over ``webapp.sync`` and
``webapp.catalog.snapshot``.

Other capabilities serve their own JSON under /api/v1 from their own packages, on paths that do
not overlap: the catalog's code lookup and photo decoding (``catalog/api.py``), counting's
unscanned items (``counting/api.py``) and the OpenAPI document (``apidocs``). One blueprint
per capability keeps each endpoint beside its rules and keeps this package free of them.
"""

from __future__ import annotations

import gzip
from datetime import timedelta

from flask import Blueprint, current_app, g, jsonify, request
from flask_login import current_user, login_required

from webapp.catalog.snapshot import snapshot
from webapp.errors import DomainError, TooLarge
from webapp.sync import parse_time, registry_of
from webapp.sync.batch import Backlog, Batch, sync

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _batch() -> Batch:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise DomainError("bad_request", "Send a JSON object with device_id, device_time and events.")
    device_id = payload.get("device_id")
    if not isinstance(device_id, str) or not 0 < len(device_id) <= 64 or "\x00" in device_id:
        raise DomainError("bad_request", "device_id must be text of 1 to 64 characters.", "device_id")
    device_time = parse_time(payload.get("device_time"), "device_time")
    events = payload.get("events")
    if not isinstance(events, list) or not events:
        raise DomainError("no_events", "events must be a non-empty list.", "events")
    limit = current_app.config["SYNC_MAX_EVENTS"]
    if len(events) > limit:
        raise TooLarge("too_many_events", f"Send at most {limit} events per batch.", "events")
    return Batch(device_id, device_time, events, _backlog(payload.get("backlog")))


def _backlog(raw) -> Backlog | None:
    """The device's own account of what it still holds besides this batch (optional)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise DomainError("bad_request", "backlog is an object: {count, oldest_at}.", "backlog")
    count = raw.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 10_000_000:
        raise DomainError("bad_request", "backlog.count is the number of events still waiting, 0 or more.",
                          "backlog")
    oldest = raw.get("oldest_at")
    oldest_at = parse_time(oldest, "backlog.oldest_at") if oldest is not None else None
    if count and oldest_at is None:
        raise DomainError("bad_request", "backlog.oldest_at is needed when events are waiting.", "backlog")
    return Backlog(count, oldest_at)


@bp.post("/sync")
@login_required
def sync_events():
    allowance = timedelta(seconds=current_app.config["CLOCK_SKEW_ALLOWANCE_SECONDS"])
    batch = _batch()
    g.audit_device = f"device {batch.device_id}"  # the audit trail's "from which device"
    return jsonify(sync(batch, current_user, registry_of(current_app), skew_allowance=allowance))


@bp.get("/catalog")
@login_required
def catalog_since():
    raw = request.args.get("since")
    since = parse_time(raw, "since") if raw else None
    payload, etag = snapshot(current_user.store_id, since, with_cost=current_user.has_role("manager"))
    # A 50,000-item store's first download is about 10 MB of JSON and 1.5 MB gzipped: on a
    # phone's 4G that is the difference between a minute and a few seconds. Compressed here,
    # not left to a proxy that may not be there. The two encodings carry different ETags
    # (RFC 9110 8.8.3), and either one names the same catalog.
    zipped = "gzip" in request.accept_encodings
    if request.if_none_match.contains(etag) or request.if_none_match.contains(etag + GZIP_TAG):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(gzip.compress(payload, compresslevel=5) if zipped else payload,
                                               mimetype="application/json")
        if zipped:
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag + GZIP_TAG if zipped else etag)
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


GZIP_TAG = "-gz"
