"""What a capability sees of the sync layer: the event, the batch's context, and the registry
its ``register(registry)`` fills (one per app, made by ``create_app``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from webapp.auth.models import role_rank
from webapp.errors import DomainError
from webapp.inventory.ledger import Ledger

EXTENSION = "sync.events"  # the app's registry, in app.extensions


@dataclass
class SyncContext:
    user_id: int
    store_id: int
    role: str
    device_id: str
    device_time: datetime
    server_time: datetime
    skew_allowance: timedelta
    ledger: Ledger
    # Per-batch lookups (locations, barcodes, sessions) so 1,000 scans are not 1,000 queries.
    cache: dict[str, dict] = field(default_factory=dict)
    # The batch's events as parsed, in its order (a type's ``streams`` may look at its neighbours).
    events: list[DeviceEvent] = field(default_factory=list)

    def has_role(self, role: str) -> bool:
        return role_rank(self.role) >= role_rank(role)

    def memo(self, name: str) -> dict:
        return self.cache.setdefault(name, {})


@dataclass(frozen=True)
class DeviceEvent:
    id: str
    type: str
    occurred_at: datetime  # on the server's clock
    device_occurred_at: datetime  # as the device stamped it
    store_id: int
    location_id: int | None
    fields: Mapping[str, Any]


Handler = Callable[[DeviceEvent, SyncContext], None]
BatchHandler = Callable[[list[DeviceEvent], SyncContext], dict[str, DomainError]]
# The (item, location) level rows a batch's events of one type may write, found in a few
# queries; more is harmless, an event it cannot read (it will be rejected) is left out.
Streams = Callable[[list[DeviceEvent], SyncContext], set[tuple[int, int]]]


@dataclass(frozen=True)
class EventType:
    name: str
    handler: Handler
    min_role: str = "staff"
    needs_location: bool = False
    batch: BatchHandler | None = None
    streams: Streams | None = None
    # Types whose events must stay in their arrival order relative to this type's (in bulk,
    # runs of different types may otherwise go in any order); the relation is symmetric.
    order_with: frozenset[str] = frozenset()

    def ordered_with(self, other: EventType) -> bool:
        return other.name in self.order_with or self.name in other.order_with


class EventRegistry:
    """The event types one app accepts, by name."""

    def __init__(self) -> None:
        self._types: dict[str, EventType] = {}

    def register(self, name: str, handler: Handler, *, min_role: str = "staff",
                 needs_location: bool = False, batch: BatchHandler | None = None,
                 streams: Streams | None = None, order_with: tuple[str, ...] = ()) -> None:
        existing = self._types.get(name)
        if existing is not None and existing.handler is not handler:
            raise RuntimeError(f"sync event type {name!r} is registered twice")
        self._types[name] = EventType(name, handler, min_role, needs_location, batch, streams,
                                      frozenset(order_with))

    def get(self, name: str) -> EventType | None:
        return self._types.get(name)

    def names(self) -> list[str]:
        return sorted(self._types)


def registry_of(app) -> EventRegistry:
    """The registry ``create_app`` made for ``app``."""
    return app.extensions[EXTENSION]
