"""What every Clover list endpoint shares (clover-api.md section 3).

Reproduces: the ``{"elements", "href"}`` envelope with no total; ``limit`` defaulting to 100
and clamped to 1000 (3.1 does not say whether Clover clamps or refuses; we clamp, as section 8
asks); repeated ``filter=`` conditions ANDed with ``= != < <= > >=`` (and the ``IS [NOT] NULL``
form of the doc samples); per-endpoint allowed fields echoed in
``X-Clover-Allowed-Filter-Fields`` with 400 for any other; the 90-day rules of orders,
payments and refunds; ``orderBy`` with ASC/DESC (default ``createdTime DESC``); and ``expand``
as a set of names, unknown ones ignored.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Request, jsonify

from clover_emulator.errors import CloverError, bad_request

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
NESTED_CAP = 100
NINETY_DAYS_MS = 90 * 86_400_000
# Orders: any of these filter fields limits results to the last 90 days (3.2).
ORDER_FIELDS_WITH_90_DAYS = frozenset(
    {
        "deletedTime",
        "externalReferenceId",
        "createdTime",
        "total",
        "payType",
        "title",
        "note",
        "state",
        "manualTransaction",
        "cardTransaction.last4",
        "testMode",
        "touched",
    }
)
HEADER = "X-Clover-Allowed-Filter-Fields"

Getters = dict[str, Callable[[Any], Any]]
_CONDITION = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*(>=|<=|!=|=|<|>)(.*)$", re.S)
_NULL_TEST = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*IS\s+(NOT\s+)?NULL\s*$", re.I)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: str


def allowed_header(getters: Getters) -> dict[str, str]:
    return {HEADER: ", ".join(getters)}


def parse_filters(raw: Iterable[str], getters: Getters) -> list[Condition]:
    conditions = []
    for text in raw:
        null_test = _NULL_TEST.match(text)
        match = None if null_test else _CONDITION.match(text)
        if null_test:
            cond = Condition(null_test.group(1), "IS NOT NULL" if null_test.group(2) else "IS NULL", "")
        elif match:
            cond = Condition(match.group(1), match.group(2), match.group(3).strip())
        else:
            raise CloverError(400, "Bad Request", f"invalid filter: {text}", allowed_header(getters))
        if cond.field not in getters:
            raise CloverError(
                400, "Bad Request", f"Unsupported filter field: {cond.field}", allowed_header(getters)
            )
        conditions.append(cond)
    return conditions


def _typed(actual: Any, raw: str) -> Any:
    if isinstance(actual, bool):
        if raw.lower() not in ("true", "false"):
            raise bad_request(f"expected true or false, got {raw}")
        return raw.lower() == "true"
    if isinstance(actual, int | float):
        try:
            return float(raw)
        except ValueError:
            raise bad_request(f"expected a number, got {raw}") from None
    return raw


def _holds(actual: Any, op: str, raw: str) -> bool:
    if op == "IS NULL":
        return actual is None or actual == []
    if op == "IS NOT NULL":
        return not (actual is None or actual == [])
    if isinstance(actual, list):  # a to-many link such as tags.id: any member may match
        if op == "!=":
            return all(_holds(a, "!=", raw) for a in actual)
        return any(_holds(a, op, raw) for a in actual)
    if actual is None:
        return op == "!="
    value = _typed(actual, raw)
    return {
        "=": actual == value,
        "!=": actual != value,
        "<": actual < value,
        "<=": actual <= value,
        ">": actual > value,
        ">=": actual >= value,
    }[op]


def apply_filters(objects: Iterable[Any], conditions: Sequence[Condition], getters: Getters) -> list[Any]:
    return [o for o in objects if all(_holds(getters[c.field](o), c.op, c.value) for c in conditions)]


def order_by(objects: list[Any], spec: str, getters: Getters) -> list[Any]:
    """Sort by ``field[ ASC|DESC]``, comma separated (3.4); Python's sort is stable, so ties
    keep creation order and paging stays consistent."""
    keys = []
    for part in spec.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise bad_request(f"invalid orderBy: {spec}")
        keys.append((words[0], len(words) == 2 and words[1].upper() == "DESC"))
    result = list(objects)
    for name, descending in reversed(keys):
        getter = getters.get(name) or (lambda o, n=name: o.get(n) if isinstance(o, dict) else None)

        def key(o: Any, get: Callable[[Any], Any] = getter) -> tuple[bool, Any]:
            value = get(o)
            value = value[0] if isinstance(value, list) and value else value
            return (value is not None, value if value is not None else 0)

        result.sort(key=key, reverse=descending)
    return result


def page_bounds(request: Request) -> tuple[int, int]:
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        raise bad_request("limit and offset must be integers") from None
    if limit < 0 or offset < 0:
        raise bad_request("limit and offset must not be negative")
    return min(limit, MAX_LIMIT), offset


def parse_expand(request: Request) -> set[str]:
    names: set[str] = set()
    for value in request.args.getlist("expand"):
        names.update(part.strip() for part in value.split(",") if part.strip())
    return names


def nested(elements: list[Any]) -> dict[str, list[Any]]:
    """An expanded collection: wrapped, never paginated, cut at the first 100 (3.1)."""
    return {"elements": elements[:NESTED_CAP]}


def orders_ninety_day_floor(conditions: Sequence[Condition], now_ms: int) -> int | None:
    if any(c.field in ORDER_FIELDS_WITH_90_DAYS for c in conditions):
        return now_ms - NINETY_DAYS_MS
    return None


def payments_ninety_day_floor(conditions: Sequence[Condition], now_ms: int) -> int:
    """Payments and refunds: at most 90 days, the most recent 90 of the filtered range (3.2)."""
    upper = now_ms
    for c in conditions:
        if c.field == "createdTime" and c.op in ("<", "<="):
            try:
                upper = min(upper, int(float(c.value)))
            except ValueError:
                raise bad_request(f"expected a number, got {c.value}") from None
    return upper - NINETY_DAYS_MS


def envelope(request: Request, elements: list[Any], limit: int, getters: Getters | None = None):
    href = f"{request.base_url}?limit={limit}"
    response = jsonify({"elements": elements, "href": href})
    if getters is not None:
        response.headers.update(allowed_header(getters))
    return response


def list_objects(
    request: Request,
    objects: Iterable[Any],
    getters: Getters,
    render: Callable[[Any], Any],
    floor: Callable[[Sequence[Condition]], int | None] | None = None,
    created: Callable[[Any], int] = lambda o: o["createdTime"],
    default_order: str | None = "createdTime DESC",
    order_by_honoured: bool = True,
):
    """Filter, apply a 90-day floor, sort, page and render: the whole of a Clover list call."""
    conditions = parse_filters(request.args.getlist("filter"), getters)
    limit, offset = page_bounds(request)
    chosen = apply_filters(objects, conditions, getters)
    lowest = floor(conditions) if floor else None
    if lowest is not None:
        chosen = [o for o in chosen if created(o) >= lowest]
    spec = (request.args.get("orderBy") if order_by_honoured else None) or default_order
    if spec:
        chosen = order_by(chosen, spec, getters)
    return envelope(request, [render(o) for o in chosen[offset : offset + limit]], limit, getters)
