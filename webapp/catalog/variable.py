"""Price- and weight-embedded labels in a store: its rules, and what one label scan adds.

A deli or butcher label (GS1 prefix 02 or 20-29, scanner/variable.py) names its item by an
item reference and carries a price or a weight. The item is found by its registered
variable-measure code (the label with value and verifier zeroed, what a scale prints for a
zero price) or else by its SKU (the PLU). One scan adds:

* a weight label: that weight, in the item's base unit (thousandths of a lb or kg), exactly;
  the item must be sold by weight;
* a price label on a weighed item: price / price per unit, to the nearest thousandth
  (webapp.quantity's one rounding rule), computed on integers;
* a price label on an item sold each: one unit (the price is only what it rang up at).

A label whose verifier digit fails is a misread and is refused, never counted.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from scanner.codes import InvalidCode
from scanner.variable import VariableMeasure, VariableRule, parse_variable
from webapp.catalog.models import Barcode, BarcodeSetting, Item
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.quantity import div_round, scale

__all__ = ["RULE_FIELDS", "label_units", "resolve_label", "rules_from_json", "rules_to_json", "store_rules"]

RULE_FIELDS = ("prefix", "kind", "item_digits", "value_digits", "decimals", "verifier")


def rules_from_json(data: object) -> list[VariableRule]:
    """Rules from a JSON list of objects; DomainError naming the rule that cannot be laid out."""
    if not isinstance(data, list):
        raise DomainError("bad_field", "Send 'rules' as a list of label rules.", "rules")
    rules = []
    for n, raw in enumerate(data, 1):
        if not isinstance(raw, dict) or set(raw) - set(RULE_FIELDS):
            raise DomainError("bad_field", f"Rule {n}: give only {', '.join(RULE_FIELDS)}.", "rules")
        try:
            ints = {k: raw[k] for k in ("item_digits", "value_digits", "decimals")}
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints.values()):
                raise ValueError("item_digits, value_digits and decimals are whole numbers.")
            rules.append(VariableRule(prefix=str(raw["prefix"]), kind=raw["kind"],
                                      verifier=bool(raw.get("verifier")), **ints))
        except KeyError as missing:
            raise DomainError("bad_field", f"Rule {n}: {missing.args[0]} is missing.", "rules") from None
        except ValueError as exc:
            raise DomainError("bad_field", f"Rule {n}: {exc}", "rules") from None
    prefixes = [r.prefix for r in rules]
    if len(set(prefixes)) != len(prefixes):
        raise DomainError("bad_field", "One rule per prefix: a label must read one way.", "rules")
    return rules


def rules_to_json(rules: list[VariableRule]) -> list[dict]:
    return [{k: getattr(r, k) for k in RULE_FIELDS} for r in rules]


def store_rules(store_id: int) -> list[VariableRule]:
    raw = db.session.scalar(select(BarcodeSetting.variable_rules).where(BarcodeSetting.store_id == store_id))
    return rules_from_json(json.loads(raw)) if raw else []


def label_units(item: Item, label: VariableMeasure) -> int:
    """Base units one scan of ``label`` adds to ``item`` (see the module docstring)."""
    if label.kind == "weight":
        if item.measure != "weight":
            raise DomainError("not_weighed", f"This label carries a weight, but {item.name} is counted each; "
                              "change the item to sold by weight or fix the store's label rule.", "code")
        return int(label.value * scale("weight"))  # at most 3 decimals: exact
    if item.measure != "weight":
        return 1
    if item.price_cents <= 0:
        raise DomainError("no_price", f"{item.name} has no price per unit, so its price label "
                          "says no weight; set its price first.", "code")
    cents = int(label.value * 100)  # at most 2 decimals: exact
    return div_round(cents * scale("weight"), item.price_cents)


def resolve_label(store_id: int, text: str, rules: list[VariableRule], *,
                  format: str | None = None) -> tuple[Item, int, Barcode | None] | None:
    """``(item, units, barcode)`` for a price/weight label of the store; None when ``text`` is
    none (no rule for its prefix) or names no item. DomainError for a misread label."""
    try:
        label = parse_variable(text, rules, format)
    except InvalidCode as err:
        raise DomainError(err.code, err.message, "code") from None
    if label is None:
        return None
    barcode = db.session.scalar(select(Barcode).where(Barcode.store_id == store_id,
                                                      Barcode.gtin14 == label.key).limit(1))
    item = barcode.item if barcode is not None else None
    if item is None:
        refs = {label.item_ref, label.item_ref.lstrip("0") or "0"}
        item = db.session.scalar(select(Item).where(Item.store_id == store_id, func.upper(Item.sku).in_(refs))
                                 .order_by(Item.id).limit(1))
    if item is None:
        return None
    return item, label_units(item, label), barcode
