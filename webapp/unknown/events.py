"""The ``unknown_barcode`` sync event type: one scan of a code the device did not know."""

from __future__ import annotations

from webapp.catalog.service import MAX_CODE_LENGTH
from webapp.counting.events import session_scopes
from webapp.errors import DomainError
from webapp.sync import DeviceEvent, EventRegistry, SyncContext, int_field, item_ids_of, str_field
from webapp.unknown.bulk import keep_many
from webapp.unknown.service import Sighting, keep


def handle_unknown_barcode(event: DeviceEvent, ctx: SyncContext) -> None:
    keep(_sighting(event, ctx), ctx.ledger, memo=ctx.memo("unknown_codes"))


def handle_unknown_barcodes(events: list[DeviceEvent], ctx: SyncContext) -> dict[str, DomainError]:
    """A run of unknown codes: fields read as ``handle_unknown_barcode`` does, then ``keep_many``."""
    errors: dict[str, DomainError] = {}
    seen: list[Sighting] = []
    for event in events:
        try:
            seen.append(_sighting(event, ctx))
        except DomainError as err:
            errors[event.id] = err
    if seen:
        for index, err in keep_many(seen, ctx.ledger, memo=ctx.memo("unknown_codes")).items():
            errors[seen[index].event_id] = err
    return errors


def _sighting(event: DeviceEvent, ctx: SyncContext) -> Sighting:
    fields = event.fields
    code = str_field(fields, "code", max_length=MAX_CODE_LENGTH)
    quantity = int_field(fields, "quantity", default=1, minimum=1)
    session_id = str_field(fields, "session_id", required=False, max_length=36)
    context = str_field(fields, "context", required=False, max_length=16)
    return Sighting(event_id=event.id, store_id=ctx.store_id, user_id=ctx.user_id, code=code,
                    quantity=quantity, occurred_at=event.occurred_at, session_id=session_id, context=context,
                    location_id=event.location_id, device_id=ctx.device_id,
                    device_time=event.device_occurred_at)


def unknown_streams(events: list[DeviceEvent], ctx: SyncContext) -> set[tuple[int, int]]:
    """A code known by now, scanned in a count that was submitted, joins its line, which may then
    be approved: a count at the session's location."""
    in_counts = [e for e in events if isinstance(e.fields.get("session_id"), str)]
    items = item_ids_of(in_counts, ctx) if in_counts else {}
    if not items:
        return set()
    scopes = session_scopes({e.fields["session_id"] for e in in_counts if e.id in items}, ctx)
    return {(items[e.id], scopes[e.fields["session_id"]][0]) for e in in_counts
            if e.id in items and e.fields["session_id"] in scopes}


def register(registry: EventRegistry) -> None:
    registry.register("unknown_barcode", handle_unknown_barcode, batch=handle_unknown_barcodes,
                      streams=unknown_streams)
