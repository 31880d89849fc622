"""Clover webhooks: verified hints of what changed, recorded fast and fetched later.

Clover's platform webhooks carry no object data and no event id, may be lost, duplicated or
reordered (clover-api.md 5.3), and one app URL serves every merchant. So a delivery only
records "go and look at O:<id>" rows, deduplicated on objectId + type + ts, and answers 200
at once; the next sync (or ``flask clover sync``) fetches the orders and items named and marks
the hints done. The periodic pull on ``modifiedTime`` closes whatever gaps lost deliveries
leave. ``X-Clover-Auth`` is a static shared secret (not an HMAC), compared in constant time.

The verification handshake carries nothing but its code and no header, and anyone can send
one. So each store has its own webhook URL (``/clover/webhook/<store key>``, the key signed
with SECRET_KEY): a code is kept for the store whose URL received it, only the newest
``KEEP_CODES``, and shown to that store's admin only. On the bare URL a code is kept only when
the install has one store. Notifications are the same on either URL: their merchant ids say
whose they are.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from webapp.bulk_sql import insert_for
from webapp.catalog.models import Item, Store
from webapp.clover import drift
from webapp.clover.catalog_import import ITEM_EXPAND, CatalogImporter
from webapp.clover.client import CloverClient, CloverNotFound
from webapp.clover.models import CloverConnection, CloverWebhookHint, CloverWebhookVerification
from webapp.clover.orders import ORDER_EXPAND, SaleRecorder, process_orders
from webapp.clover.token_crypto import TokensUnreadable, cipher
from webapp.clover.voids import reverse_deleted_order
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.types import utcnow

log = logging.getLogger(__name__)

KEYS_WE_FETCH = ("O", "I", "P")
MAX_UPDATES = 5000  # per delivery; Clover batches, but a body this big is not Clover
MAX_TS = 2**63 - 1
KEEP_CODES = 5  # verification codes kept per store: Clover's dashboard needs the newest one


class WebhookRefused(DomainError):
    status = 401


def _expected_codes() -> list[str]:
    configured = current_app.config.get("CLOVER_WEBHOOK_AUTH_CODE") or ""
    if configured:
        return [configured]
    stored = db.session.scalars(select(CloverConnection.webhook_auth_code)
                                .where(CloverConnection.webhook_auth_code.is_not(None)))
    sealer = cipher()
    codes = []
    for value in stored:
        try:
            code = sealer.open(value)  # plaintext from before codes were sealed opens as itself
        except TokensUnreadable:
            log.warning("a stored Clover webhook auth code cannot be decrypted (SECRET_KEY changed?); "
                        "paste it again on the Clover page")
            continue
        if code:
            codes.append(code)
    return codes


def _authentic(header: str | None) -> bool:
    if not header:
        return False
    given = header.encode()
    matched = False
    for code in _expected_codes():
        # No early exit: every configured code is compared, each in constant time.
        matched |= hmac.compare_digest(given, code.encode())
    return matched


def store_webhook_key(store_id: int) -> str:
    """The path part of a store's own webhook URL: its id and a signature nobody can guess."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    sig = hmac.new(secret, f"clover-webhook:{store_id}".encode(), "sha256").hexdigest()[:24]
    return f"{store_id}-{sig}"


def store_of_key(key: str) -> int | None:
    head, sep, _sig = key.partition("-")
    if not sep or not head.isdigit() or len(head) > 12:
        return None
    store_id = int(head)
    return store_id if hmac.compare_digest(key.encode(), store_webhook_key(store_id).encode()) else None


def _only_store() -> int | None:
    ids = db.session.scalars(select(Store.id).limit(2)).all()
    return ids[0] if len(ids) == 1 else None


def _keep_code(store_id: int, code: str) -> None:
    db.session.add(CloverWebhookVerification(store_id=store_id, code=code))
    db.session.flush()
    oldest_kept = db.session.scalar(
        select(CloverWebhookVerification.id).where(CloverWebhookVerification.store_id == store_id)
        .order_by(CloverWebhookVerification.id.desc()).offset(KEEP_CODES - 1).limit(1))
    if oldest_kept is not None:
        db.session.execute(delete(CloverWebhookVerification).where(
            CloverWebhookVerification.store_id == store_id, CloverWebhookVerification.id < oldest_kept))


def latest_code(store_id: int) -> CloverWebhookVerification | None:
    return db.session.scalars(select(CloverWebhookVerification)
                              .where(CloverWebhookVerification.store_id == store_id)
                              .order_by(CloverWebhookVerification.id.desc()).limit(1)).first()


def receive(body: Any, auth_header: str | None, key: str | None = None) -> dict[str, Any]:
    """Handle one delivery; raises WebhookRefused (401) before storing anything unverified.

    ``key`` is the store key of the URL it came to (None: the bare URL)."""
    if isinstance(body, dict) and set(body) == {"verificationCode"}:
        # The handshake comes before the auth code exists, so it cannot carry it (5.1). The code
        # is only shown to an admin, who pastes it into Clover's dashboard; nothing acts on it.
        store_id = _only_store() if key is None else store_of_key(key)
        if store_id is None and key is not None:
            raise NotFound("not_found", "This webhook URL is no store's; copy the one on your store's "
                           "Clover page.")
        if store_id is None:
            log.warning("a Clover verification code came to the bare webhook URL of an install with several "
                        "stores and was not kept: give Clover the URL shown on your store's Clover page")
            return {"status": "verification"}
        _keep_code(store_id, str(body["verificationCode"])[:200])
        db.session.commit()
        log.info("clover webhook verification code received for store %s", store_id)
        return {"status": "verification"}
    if not _authentic(auth_header):
        raise WebhookRefused("bad_webhook_auth", "X-Clover-Auth is missing or wrong.")
    merchants = body.get("merchants") if isinstance(body, dict) else None
    if not isinstance(merchants, dict):
        raise DomainError("bad_webhook", "Expected {\"merchants\": {id: [updates]}}.", "merchants")
    named = select(CloverConnection.merchant_id, CloverConnection.store_id).where(
        CloverConnection.merchant_id.in_(list(merchants)[:100]))
    known = {row.merchant_id: row.store_id for row in db.session.execute(named)}
    rows = []
    for merchant_id, updates in merchants.items():
        if merchant_id not in known or not isinstance(updates, list):
            continue
        for update in updates[:MAX_UPDATES]:
            row = _hint(merchant_id, update)
            if row is not None:
                rows.append(row)
    if rows:
        stmt = insert_for(CloverWebhookHint.__table__).on_conflict_do_nothing(
            index_elements=["merchant_id", "object_id", "event_type", "ts"])
        db.session.execute(stmt, rows)
    db.session.commit()
    # The stores to pull now (realtime.py); the view takes this out of the answer.
    stores = sorted({known[r["merchant_id"]] for r in rows})
    return {"status": "ok", "hints": len(rows), "stores": stores}


def _hint(merchant_id: str, update: Any) -> dict[str, Any] | None:
    if not isinstance(update, dict):
        return None
    object_id, kind, ts = update.get("objectId"), update.get("type"), update.get("ts")
    if not isinstance(object_id, str) or ":" not in object_id or type(ts) is not int:
        return None
    if not 0 <= ts <= MAX_TS:
        # Stored in a BIGINT: beyond it SQLite raised OverflowError (a 500), PostgreSQL DataError.
        raise DomainError("bad_webhook", f"ts must be Clover's time in milliseconds, 0 to {MAX_TS}.", "ts")
    key = object_id.split(":", 1)[0]
    if key not in KEYS_WE_FETCH:
        return None
    return {"merchant_id": merchant_id, "object_id": object_id[:40], "event_type": str(kind)[:8],
            "ts": ts, "received_at": utcnow()}


def _observe_stock(connection: CloverConnection, elements: list[dict[str, Any]]) -> None:
    """An ``I:`` hint may be a stock edit made in Clover: judged after the orders it came with."""
    stocks = {e["id"]: (e.get("itemStock") or {}).get("quantity") for e in elements
              if not e.get("deleted") and isinstance(e.get("itemStock"), dict)}
    stocks = {k: v for k, v in stocks.items() if isinstance(v, int | float)}
    if not stocks:
        return
    for item in db.session.scalars(select(Item).where(Item.store_id == connection.store_id,
                                                      Item.clover_id.in_(sorted(stocks)))):
        drift.observe(item, float(stocks[item.clover_id]), source="webhook", after_full_pull=False)
    db.session.commit()


def process_hints(client: CloverClient, connection: CloverConnection, recorder: SaleRecorder,
                  limit: int = 1000) -> int:
    """Fetch what pending hints name (each object once however many hints), then mark them done."""
    hints = list(db.session.scalars(
        select(CloverWebhookHint).where(CloverWebhookHint.merchant_id == connection.merchant_id,
                                        CloverWebhookHint.processed_at.is_(None))
        .order_by(CloverWebhookHint.id).limit(limit)))
    if not hints:
        return 0
    ids = [h.id for h in hints]
    objects = {h.object_id for h in hints}
    deleted = {h.object_id[2:] for h in hints if h.object_id.startswith("O:") and h.event_type == "DELETE"}
    db.session.commit()
    order_ids = {o.split(":", 1)[1] for o in objects if o.startswith("O:")}
    item_ids = sorted(o.split(":", 1)[1] for o in objects if o.startswith("I:"))
    for payment in sorted(o.split(":", 1)[1] for o in objects if o.startswith("P:")):
        try:
            order_ref = (client.get(f"payments/{payment}").get("order") or {}).get("id")
        except CloverNotFound:
            continue
        if order_ref:
            order_ids.add(order_ref)
    elements = []
    for item_id in item_ids:
        try:
            elements.append(client.get(f"items/{item_id}", [ITEM_EXPAND]))
        except CloverNotFound:
            elements.append({"id": item_id, "deleted": True})
    if elements:
        CatalogImporter(connection, utcnow()).apply(elements)
        db.session.commit()
        recorder.refresh_items()
    orders = []
    for order_id in sorted(order_ids):
        try:
            orders.append(client.get(f"orders/{order_id}", [ORDER_EXPAND]))
        except CloverNotFound:
            # A whole order deleted (clover-fidelity.md row 2): Clover may list its lines as voided
            # records, or not, so the DELETE hint with the 404 that confirms it reverses its sales.
            # A 404 after any other hint is left alone: an order not (yet) visible is not gone.
            if order_id in deleted:
                reverse_deleted_order(recorder, order_id)
            continue
    if orders:
        process_orders(recorder, orders)
    _observe_stock(connection, elements)
    # Orders that failed stay covered: the modifiedTime pull retries them until they succeed.
    db.session.execute(CloverWebhookHint.__table__.update().where(CloverWebhookHint.id.in_(ids))
                       .values(processed_at=utcnow()))
    db.session.commit()
    return len(hints)
