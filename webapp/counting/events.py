"""The counting event types of the sync API.

count_start      {session_id (a UUID the phone made), location_id, category?, blind?, full?}
count_scan       {session_id, code | item_id, quantity = 1}  quantity x the code's pack adds
count_line_edit  {session_id, code | item_id, quantity}      the total of the sender's scans
                                                             of the item from this device, replaced

count_submit is registered by ``webapp.approvals.events``: a submit triages the lines it makes.
"""

from __future__ import annotations

from sqlalchemy import select

from webapp.counting import service
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.sync import DeviceEvent, EventRegistry, SyncContext, int_field, item_ids_of, str_field


def _scan(event: DeviceEvent, ctx: SyncContext, mode: str) -> None:
    fields = event.fields
    session_id = str_field(fields, "session_id", max_length=36)
    code = str_field(fields, "code", required=False)
    item_id = None if code else int_field(fields, "item_id")
    quantity = int_field(fields, "quantity", default=1)
    session = ctx.memo("sessions").get(session_id) or service.get_session(session_id, ctx.store_id)
    ctx.memo("sessions")[session_id] = session
    if event.location_id is not None and event.location_id != session.location_id:
        raise DomainError("wrong_location", "The scan names another location than its session.",
                          "location_id")
    service.record_scan(
        service.Scan(session_id=session_id, user_id=ctx.user_id, occurred_at=event.occurred_at,
                     quantity=quantity, code=code, item_id=item_id, mode=mode, device_id=ctx.device_id,
                     device_time=event.device_occurred_at),
        ctx.store_id, commit=False, memo=ctx.memo("codes"))


def handle_scan(event: DeviceEvent, ctx: SyncContext) -> None:
    _scan(event, ctx, "add")


def handle_line_edit(event: DeviceEvent, ctx: SyncContext) -> None:
    _scan(event, ctx, "set")


def _scans(events: list[DeviceEvent], ctx: SyncContext, mode: str) -> dict[str, DomainError]:
    """A run of scans at once: fields checked per event, then ``service.record_scans``."""
    errors: dict[str, DomainError] = {}
    scans, ids = [], []
    for event in events:
        fields = event.fields
        try:
            session_id = str_field(fields, "session_id", max_length=36)
            code = str_field(fields, "code", required=False)
            item_id = None if code else int_field(fields, "item_id")
            quantity = int_field(fields, "quantity", default=1)
        except DomainError as err:
            errors[event.id] = err
            continue
        scans.append(service.Scan(session_id=session_id, user_id=ctx.user_id, occurred_at=event.occurred_at,
                                  quantity=quantity, code=code, item_id=item_id, mode=mode,
                                  device_id=ctx.device_id, device_time=event.device_occurred_at))
        ids.append(event)
    sessions = sorted({s.session_id for s in scans})
    table = service.CountSession
    places = {r.id: r.location_id for r in db.session.execute(select(table.id, table.location_id).where(
        table.id.in_(sessions), table.store_id == ctx.store_id))} if sessions else {}
    keep = []
    for event, scan in zip(ids, scans, strict=True):
        if event.location_id is not None and scan.session_id in places \
                and event.location_id != places[scan.session_id]:
            errors[event.id] = DomainError("wrong_location", "The scan names another location than its "
                                           "session.", "location_id")
        else:
            keep.append((event, scan))
    found = service.record_scans([scan for _, scan in keep], ctx.store_id)
    errors.update({keep[index][0].id: err for index, err in found.items()})
    return errors


def handle_scans(events: list[DeviceEvent], ctx: SyncContext) -> dict[str, DomainError]:
    return _scans(events, ctx, "add")


def handle_line_edits(events: list[DeviceEvent], ctx: SyncContext) -> dict[str, DomainError]:
    return _scans(events, ctx, "set")


def handle_start(event: DeviceEvent, ctx: SyncContext) -> None:
    fields = event.fields
    session_id = str_field(fields, "session_id", max_length=36)
    if db.session.get(service.CountSession, session_id) is not None:
        raise DomainError("session_exists", "A session with this id already exists.", "session_id")
    blind, full = fields.get("blind", True), fields.get("full", False)
    if not isinstance(blind, bool) or not isinstance(full, bool):
        raise DomainError("bad_field", "blind and full are true or false.", "blind")
    service.open_session(service.NewSession(
        store_id=ctx.store_id, location_id=int_field(fields, "location_id"), created_by_id=ctx.user_id,
        category=str_field(fields, "category", required=False, max_length=80), blind=blind, full=full,
        session_id=session_id), commit=False)


def session_scopes(session_ids: set, ctx: SyncContext) -> dict[str, tuple[int, set[int]]]:
    """``service.submit_scope`` of these sessions, with what this batch adds: sessions it starts,
    and the items its scans name."""
    ids = sorted(i for i in session_ids if isinstance(i, str))
    scopes = service.submit_scope(ctx.store_id, ids) if ids else {}
    for e in ctx.events:
        sid = e.fields.get("session_id")
        if e.type == "count_start" and sid in session_ids and sid not in scopes and e.location_id:
            scopes[sid] = (e.location_id, set())
    scans = {e.id: e for e in ctx.events if e.type in ("count_scan", "count_line_edit")
             and e.fields.get("session_id") in scopes}
    for event_id, item_id in item_ids_of(list(scans.values()), ctx).items():
        scopes[scans[event_id].fields["session_id"]][1].add(item_id)
    return scopes


def submit_streams(events: list[DeviceEvent], ctx: SyncContext) -> set[tuple[int, int]]:
    """A submit may approve (a count: a reset) any line of its session, at the session's location."""
    scopes = session_scopes({e.fields.get("session_id") for e in events}, ctx)
    return {(item_id, location_id) for location_id, items in scopes.values() for item_id in items}


def register(registry: EventRegistry) -> None:
    registry.register("count_start", handle_start, needs_location=True)
    registry.register("count_scan", handle_scan, batch=handle_scans)
    # A line edit replaces the total its scans (and resolved unknown codes) add up to.
    registry.register("count_line_edit", handle_line_edit, batch=handle_line_edits,
                      order_with=("count_scan", "unknown_barcode"))
