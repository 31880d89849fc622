"""The sync layer: the server half of the sync contract (DESIGN.md "The sync contract").

A batch is parsed, each event is checked for the fields every type shares, its time is
moved onto the server's clock, and it is dispatched by ``type`` to a handler that a
capability registered. Each event gets one answer: ``accepted``, ``duplicate`` (its id was
accepted before: nothing happens) or ``rejected`` with a code, a message and the field at
fault. The HTTP side (``POST /api/v1/sync``) is ``webapp.api``; this package knows no Flask.

* ``registry``: ``DeviceEvent``, ``SyncContext``, ``EventType`` and ``EventRegistry``;
* ``fields``: the field parsers (``parse_time``, ``int_field``, ``str_field``),
  ``check_location`` and ``item_ids_of``;
* ``batch``: ``sync()``, one transaction per batch (see its docstring);
* ``models``: the receipts (``SyncReceipt``) and what each device last said (``DeviceSync``).

Adding an event type (receiving, damage, transfers, ...): in your capability's ``events.py``
write

    def handle_damage(event: DeviceEvent, ctx: SyncContext) -> None: ...

    def register(registry: EventRegistry) -> None:
        registry.register("damage", handle_damage, min_role="staff", needs_location=True)

``create_app`` makes one registry per app and calls every capability's ``events.register``;
importing a module registers nothing. Raise ``DomainError(code, message, field)`` to reject;
write through ``ctx.ledger.append(NewEvent(key=event.id, ...))`` for stock events (the batch
settles the levels), and register ``streams=`` (events -> the (item, location) level rows
they may write, found in bulk; a superset is harmless) for a type that writes stock events,
so the batch holds those rows, locked in one order, before any handler runs. The dispatcher
has already checked ``id``, ``type``, ``occurred_at`` (corrected, not in the future),
``store_id`` (the user's own), the ``location_id`` if given (a location of the user's store)
and the role.

Most batches are long runs of one type (a count is hundreds of ``count_scan``), so a type may
also register ``batch=handle_many``: ``handle_many(events, ctx) -> {event id: DomainError}``
gets a run of events of its type at once, checks every event before writing
anything for it, writes the good ones in bulk (``ctx.ledger.stage`` for stock events) and
returns the rejected ones, which must have written nothing. A run's receipts are claimed in
one statement, so a batch costs a handful of statements rather than several per event. A run
is every event of the type between two events that go alone (types without ``batch=``),
whatever the other types between them: a store's batches are shuffled mixes, and types do not
read each other's writes (levels follow the events' times). A type whose answers depend on the
order of another's says so with ``order_with=("other_type",)``: then neither passes the other.
Should the bulk path still break a constraint the checks did not foresee, the whole batch is
rolled back and applied again event by event through ``handler``, each in a SAVEPOINT,
which keeps every answer exact.
"""

from webapp.sync.fields import check_location, int_field, item_ids_of, parse_time, str_field
from webapp.sync.registry import DeviceEvent, EventRegistry, EventType, SyncContext, registry_of

__all__ = ["DeviceEvent", "EventRegistry", "EventType", "SyncContext", "check_location", "int_field",
           "item_ids_of", "parse_time", "registry_of", "str_field"]
