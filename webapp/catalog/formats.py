"""The store's barcode settings: which symbologies its phones and the server look for, and the
rules of its price- and weight-embedded labels (webapp/catalog/variable.py).

Every symbology enabled is one more way for a damaged code to be misread as something else,
and costs decoding time, so a store turns on only what its labels carry: the retail and GS1
DataBar symbologies by default; Code 93, Codabar and PDF417 when its suppliers use them.
"""

from __future__ import annotations

import json

from scanner.engines import SYMBOLOGIES
from webapp.auth.models import User
from webapp.catalog.models import BarcodeSetting, Store
from webapp.catalog.variable import rules_from_json, rules_to_json, store_rules
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.types import utcnow

__all__ = ["SYMBOLOGIES", "label_rules", "set_label_rules", "set_store_formats", "store_formats"]


def store_formats(store: Store) -> list[str]:
    """The store's symbologies, in the order of scanner's SYMBOLOGIES; unknown names skipped."""
    chosen = {name.strip() for name in (store.barcode_formats or "").split(",")}
    return [name for name in SYMBOLOGIES if name in chosen]


def set_store_formats(user: User, names: object) -> list[str]:
    if not user.has_role("manager"):
        raise DomainError("forbidden", "Only a manager may choose the store's barcode types.", status=403)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise DomainError("bad_field", "Send 'formats' as a list of barcode type names.", "formats")
    unknown = sorted({n for n in names if n not in SYMBOLOGIES})
    if unknown:
        raise DomainError(
            "bad_field",
            f"Unknown barcode type(s): {', '.join(unknown)}. Choose from {', '.join(SYMBOLOGIES)}.",
            "formats",
        )
    if not names:
        raise DomainError("bad_field", "Choose at least one barcode type, or no code will scan.", "formats")
    row = _setting(user)
    row.formats = ",".join(n for n in SYMBOLOGIES if n in set(names))
    db.session.commit()
    store = db.session.get(Store, user.store_id)
    db.session.refresh(store)
    return store_formats(store)


def label_rules(store_id: int) -> list[dict]:
    return rules_to_json(store_rules(store_id))


def set_label_rules(user: User, data: object) -> list[dict]:
    """Replace the store's price/weight label rules (managers); a 400 names the rule at fault."""
    if not user.has_role("manager"):
        raise DomainError("forbidden", "Only a manager may set the store's label rules.", status=403)
    rules = rules_from_json(data)
    row = _setting(user)
    row.variable_rules = json.dumps(rules_to_json(rules))
    db.session.commit()
    return label_rules(user.store_id)


def _setting(user: User) -> BarcodeSetting:
    row = db.session.get(BarcodeSetting, user.store_id)
    if row is None:
        store = db.session.get(Store, user.store_id)
        row = BarcodeSetting(store_id=user.store_id, formats=store.barcode_formats, variable_rules="[]")
        db.session.add(row)
    row.updated_by, row.updated_at = user.id, utcnow()
    return row
