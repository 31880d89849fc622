"""Managers set up channels, tokens and buffers; integrations read the feed with a token."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.auth.decorators import role_required
from webapp.channels import feed, service, tokens, webhooks  # noqa: F401  (feed: its session hooks)
from webapp.channels.models import SCOPES, ApiToken
from webapp.errors import DomainError
from webapp.extensions import csrf, db

bp = Blueprint("channels", __name__)


def _int(name: str, raw: str | None, default: int = 0) -> int:
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise DomainError("bad_number", f"{name} must be a whole number.", name) from None


def _form() -> service.ChannelForm:
    return service.ChannelForm(
        request.form.get("name", ""),
        _int("default_buffer", request.form.get("default_buffer")),
        request.form.get("webhook_url"),
    )


@bp.get("/channels/")
@role_required("manager")
def index():
    sid = current_user.store_id
    channels = service.channels(sid)
    issued = {
        c.id: db.session.query(ApiToken).filter_by(channel_id=c.id).order_by(ApiToken.id).all()
        for c in channels
    }
    return render_template(
        "channels/index.html",
        channels=channels,
        tokens=issued,
        scopes=SCOPES,
        deliveries={c.id: webhooks.recent(c.id, 5) for c in channels},
    )


@bp.post("/channels/")
@role_required("manager")
def create():
    channel = service.create_channel(current_user.store_id, _form())
    db.session.commit()
    flash(f"Channel {channel.name} added. Its webhook secret: {channel.webhook_secret}")
    return redirect(url_for("channels.index"), 303)


@bp.post("/channels/<int:channel_id>")
@role_required("manager")
def update(channel_id: int):
    service.update_channel(current_user.store_id, channel_id, _form())
    db.session.commit()
    flash("Channel saved.")
    return redirect(url_for("channels.index"), 303)


@bp.post("/channels/<int:channel_id>/tokens")
@role_required("manager")
def issue_token(channel_id: int):
    channel = service.get_channel(current_user.store_id, channel_id)
    token, raw = tokens.issue(
        tokens.NewToken(
            channel.store_id,
            channel.id,
            request.form.get("name", ""),
            tuple(request.form.getlist("scopes")),
            current_user.id,
        )
    )
    db.session.commit()
    flash(f"Token {token.name} made. Copy it now, it is not shown again: {raw}")
    return redirect(url_for("channels.index"), 303)


@bp.post("/channels/tokens/<int:token_id>/revoke")
@role_required("manager")
def revoke_token(token_id: int):
    token = tokens.revoke(current_user.store_id, token_id)
    db.session.commit()
    flash(f"Token {token.name} revoked.")
    return redirect(url_for("channels.index"), 303)


@bp.post("/channels/<int:channel_id>/buffers")
@role_required("manager")
def set_buffer(channel_id: int):
    channel = service.get_channel(current_user.store_id, channel_id)
    raw = (request.form.get("buffer") or "").strip()
    service.set_buffer(
        channel, _int("item_id", request.form.get("item_id"), -1), _int("buffer", raw) if raw else None
    )
    db.session.commit()
    flash("Buffer saved.")
    return redirect(url_for("channels.index"), 303)


@bp.get("/api/v1/levels")
@tokens.token_required("levels:read")
def levels():
    """Without since: every item now and a cursor; with since: the changes after that cursor."""
    channel = tokens.g.api_token.channel
    since = service.parse_since(request.args.get("since"))
    body = service.snapshot(channel) if since is None else service.changes_since(channel, since)
    response = jsonify({"channel": channel.name, **body})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.put("/api/v1/buffers/<int:item_id>")
@csrf.exempt  # a bearer token, never a cookie: nothing a browser could be tricked into sending
@tokens.token_required("buffers:write")
def put_buffer(item_id: int):
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or "buffer" not in payload:
        raise DomainError("bad_request", 'Send a JSON object {"buffer": <whole number or null>}.', "buffer")
    channel = tokens.g.api_token.channel
    buffer = service.set_buffer(channel, item_id, payload["buffer"])
    db.session.commit()
    return jsonify({"item_id": item_id, "channel": channel.name, "buffer": buffer})
