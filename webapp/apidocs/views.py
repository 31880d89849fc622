"""GET /api/v1/openapi.json: public, like any API description; it names no data."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from webapp.api.openapi import document, json_routes

bp = Blueprint("apidocs", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi_json():
    response = jsonify(document(json_routes(current_app)))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
