"""Receiving's sync event types: receive_scan, receive_damage, receive_close.

Every event names its device session (``session_id``, a UUID); the first event of a session
creates the receipt, so a delivery can be scanned end to end with no signal. The phone's
outbox sends events in the order they happened, so a session's close comes after its scans.
"""

from __future__ import annotations

from sqlalchemy import select

from webapp.catalog.service import lookup, resolve_many
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.photos.fields import photo_client_ids_field, photo_ids_field
from webapp.receiving import service
from webapp.receiving.models import Receipt
from webapp.sync import DeviceEvent, EventRegistry, SyncContext, int_field, item_ids_of, str_field
from webapp.sync.items import item_id_field


def _receipt(event: DeviceEvent, ctx: SyncContext):
    session_key = str_field(event.fields, "session_id")
    cache = ctx.memo("receipts")
    receipt = cache.get(session_key)
    if receipt is None:
        po_id = event.fields.get("po_id")
        if po_id is not None:
            po_id = int_field(event.fields, "po_id")
        receipt = service.open_receipt(ctx.store_id, ctx.user_id, session_key, po_id=po_id,
                                       location_id=event.location_id, at=event.occurred_at)
        cache[session_key] = receipt
    return receipt


def handle_scan(event: DeviceEvent, ctx: SyncContext) -> None:
    quantity = event.fields.get("quantity")
    if quantity is not None:
        quantity = int_field(event.fields, "quantity")
    service.add_scan(_receipt(event, ctx), service.ScanInput(
        event.id, str_field(event.fields, "code", max_length=120), event.occurred_at, ctx.user_id, quantity))


def handle_scans(events: list[DeviceEvent], ctx: SyncContext) -> dict[str, DomainError]:
    """A run of scans as ``handle_scan`` takes them one by one, in its order of checks: the codes
    resolved and the sessions' receipts read at once, the rows written in one statement. A new
    session's receipt is made by its first good scan (a rejected one writes nothing)."""
    errors: dict[str, DomainError] = {}
    codes = [c for e in events if isinstance(c := e.fields.get("code"), str)
             and "\x00" not in c and len(c) <= 120]  # as str_field takes it
    found = resolve_many(ctx.store_id, codes) if codes else {}
    cache = ctx.memo("receipts")
    keys = sorted({k for e in events if isinstance(k := e.fields.get("session_id"), str)} - set(cache))
    stored = {r.session_key: r for r in db.session.scalars(
        select(Receipt).where(Receipt.session_key.in_(keys)))} if keys else {}
    rows = []
    for event in events:
        try:
            quantity = event.fields.get("quantity")
            if quantity is not None:
                quantity = int_field(event.fields, "quantity")
            key = str_field(event.fields, "session_id")
            receipt = cache.get(key)
            if receipt is None:
                po_id = event.fields.get("po_id")
                po_id = None if po_id is None else int_field(event.fields, "po_id")
                receipt = service.check_receipt(stored[key], ctx.store_id, po_id) if key in stored else \
                    service.new_receipt(ctx.store_id, ctx.user_id, key, po_id=po_id,
                                        location_id=event.location_id, at=event.occurred_at)
            code = str_field(event.fields, "code", max_length=120)
            if receipt.id is not None:
                service.check_open(receipt)
            if found.get(code) is None:  # ``lookup``'s answer: its error, or a label it places
                match = lookup(ctx.store_id, code)
                found[code] = (match.item.id, match.pack_qty)
            row = service.scan_row(receipt, service.ScanInput(event.id, code, event.occurred_at, ctx.user_id,
                                                              quantity), *found[code])
        except DomainError as err:
            errors[event.id] = err
            continue
        if receipt.id is None:  # the session's first good scan makes its receipt
            db.session.add(receipt)
            db.session.flush()
        cache[key] = receipt
        row.receipt_id = receipt.id
        rows.append(row)
    db.session.add_all(rows)
    db.session.flush()
    return errors


def handle_damage(event: DeviceEvent, ctx: SyncContext) -> None:
    service.mark_damaged(_receipt(event, ctx), service.ArrivalDamage(
        event.id, item_id_field(event, ctx), int_field(event.fields, "quantity", minimum=1),
        str_field(event.fields, "reason", max_length=40) or "", event.occurred_at, ctx.user_id,
        str_field(event.fields, "note", required=False, max_length=500) or "", photo_ids_field(event),
        photo_client_ids_field(event)))


def handle_close(event: DeviceEvent, ctx: SyncContext) -> None:
    service.close_receipt(_receipt(event, ctx), ctx.user_id, event.occurred_at, ctx.ledger)


def close_streams(events: list[DeviceEvent], ctx: SyncContext) -> set[tuple[int, int]]:
    """A close receives every item its delivery's scans name (before this batch and in it) at the
    delivery's location."""
    keys = {e.fields.get("session_id") for e in events}
    keys = {k for k in keys if isinstance(k, str)}
    if not keys:
        return set()
    receipts = service.receipts_by_session(ctx.store_id, sorted(keys))
    scans = [e for e in ctx.events if e.type == "receive_scan" and e.fields.get("session_id") in keys]
    items = item_ids_of(scans, ctx)
    out = set()
    for location_id, item_ids in receipts.values():
        out |= {(item_id, location_id) for item_id in item_ids}
    for scan in scans:
        key = scan.fields["session_id"]
        location_id = receipts[key][0] if key in receipts else (
            scan.location_id or service.default_location(ctx.store_id).id)
        if scan.id in items:
            out.add((items[scan.id], location_id))
    return out


def register(registry: EventRegistry) -> None:
    registry.register("receive_scan", handle_scan, min_role="receiver", batch=handle_scans)
    registry.register("receive_damage", handle_damage, min_role="receiver")
    registry.register("receive_close", handle_close, min_role="receiver", streams=close_streams)
