"""The sync event that submits a count: it closes the session (counting) and approves the
lines inside the store's tolerance (this capability), in the batch's transaction.

count_submit  {session_id, unscanned: "zero" | "not_counted" = "not_counted",
               decisions: {"<item id>": "zero" | "not_counted"}}
"""

from __future__ import annotations

from webapp.approvals import service
from webapp.auth.models import User
from webapp.counting import service as counting
from webapp.counting.events import submit_streams
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.sync import DeviceEvent, EventRegistry, SyncContext, str_field


def handle_submit(event: DeviceEvent, ctx: SyncContext) -> None:
    fields = event.fields
    session_id = str_field(fields, "session_id", max_length=36)
    default = fields.get("unscanned", counting.NOT_COUNTED)
    raw = fields.get("decisions") or {}
    if not isinstance(raw, dict):
        raise DomainError("bad_field", "decisions maps item ids to zero or not_counted.", "decisions")
    try:
        decisions = {int(k): v for k, v in raw.items()}
    except ValueError:
        raise DomainError("bad_field", "decisions maps item ids to zero or not_counted.",
                          "decisions") from None
    user = db.session.get(User, ctx.user_id)
    ctx.memo("sessions").pop(session_id, None)
    service.submit_count(session_id, user, event.occurred_at, decisions, default, commit=False,
                         led=ctx.ledger)


def register(registry: EventRegistry) -> None:
    registry.register("count_submit", handle_submit, streams=submit_streams)
