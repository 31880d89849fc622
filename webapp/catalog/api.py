"""JSON endpoints for the phone: look a code up, decode a photo of barcodes.

A blueprint of its own, nested under the catalog's, because /api/v1/ is shared with the
sync and offline-catalog endpoints (webapp/api/views.py, whose docstring lists who serves what
there); the paths here do not overlap theirs.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from scanner.codes import normalise
from scanner.decode import decode as decode_image
from scanner.errors import ImageRejected
from webapp.auth.decorators import role_required
from webapp.catalog import service
from webapp.catalog.formats import SYMBOLOGIES, label_rules, set_label_rules, set_store_formats, store_formats
from webapp.errors import DomainError, TooLarge
from webapp.extensions import limiter

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _match_json(match: service.Match | None) -> tuple[dict | None, int | None]:
    if match is None:
        return None, None
    return service.item_to_dict(match.item, show_cost=current_user.has_role("manager")), match.pack_qty


@api_bp.get("/items/lookup")
@role_required("staff")
def lookup():
    code = request.args.get("code", "")
    match = service.lookup(current_user.store_id, code, format=request.args.get("format") or None)
    item, pack_qty = _match_json(match)
    return jsonify(
        {"code": code.strip(), "gtin14": normalise(code).gtin14, "item": item, "pack_qty": pack_qty}
    )


@api_bp.post("/decode")
@role_required("staff")
# Decoding a photo costs the server far more than a lookup: per user, DECODE_RATE_LIMIT (60/min).
@limiter.limit(lambda: current_app.config["DECODE_RATE_LIMIT"], key_func=lambda: f"decode:{current_user.id}")
def decode():
    upload = request.files.get("image")
    if upload is None:
        raise DomainError("missing_image", "Send the photo as the multipart field 'image'.", "image")
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.read(limit + 1)  # one byte over is enough to know it is too large
    if len(data) > limit:
        raise TooLarge("too_large", f"The photo is over {limit // (1024 * 1024)} MB; send a smaller one.",
                       "image")
    try:
        symbols = decode_image(data, max_bytes=limit, max_pixels=current_app.config["UPLOAD_MAX_PIXELS"],
                               formats=store_formats(current_user.store))
    except ImageRejected as err:
        status = 413 if err.code == "too_large" else 400
        raise DomainError(err.code, err.message, "image", status=status) from None
    results = []
    for symbol in symbols:
        code = normalise(symbol.text, symbol.format)
        match = service.resolve(current_user.store_id, symbol.text, format=symbol.format)
        item, pack_qty = _match_json(match)
        results.append({
            "format": symbol.format,
            "text": symbol.text,
            "gtin14": code.gtin14,
            "position": {"x": symbol.position[0], "y": symbol.position[1],
                         "width": symbol.position[2], "height": symbol.position[3]},
            "item": item,
            "pack_qty": pack_qty,
        })
    return jsonify({"symbols": results})


@api_bp.get("/store/barcode-formats")
@role_required("staff")
def barcode_formats():
    return jsonify({"formats": store_formats(current_user.store), "available": list(SYMBOLOGIES)})


@api_bp.post("/store/barcode-formats")
@role_required("manager")
def set_barcode_formats():
    body = request.get_json(silent=True)
    names = body.get("formats") if isinstance(body, dict) else None
    return jsonify({"formats": set_store_formats(current_user, names), "available": list(SYMBOLOGIES)})


@api_bp.get("/store/label-rules")
@role_required("staff")
def get_label_rules():
    return jsonify({"rules": label_rules(current_user.store_id)})


@api_bp.post("/store/label-rules")
@role_required("manager")
def post_label_rules():
    body = request.get_json(silent=True)
    rules = set_label_rules(current_user, body.get("rules") if isinstance(body, dict) else None)
    return jsonify({"rules": rules})
