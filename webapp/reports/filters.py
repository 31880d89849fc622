"""The filter every report takes: store, location, category, period (or a date), as a value."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select

from webapp.catalog.models import Item, Location, Store
from webapp.errors import DomainError, NotFound
from webapp.extensions import db
from webapp.loaders import in_store, load_in_store
from webapp.reports import calc
from webapp.types import utcnow

MAX_DAYS = 731


@dataclass(frozen=True, slots=True)
class Filter:
    store_id: int
    tz: str
    currency: str
    start: date
    end: date
    location_id: int | None = None
    category: str | None = None
    item_id: int | None = None
    locale: str = "en_US"           # Babel: numbers and dates as the store's people write them

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) in UTC."""
        return calc.period_bounds(self.start, self.end, self.tz)

    @property
    def end_instant(self) -> datetime:
        """The end of the last day, or now when that day has not ended yet."""
        return min(self.bounds[1], utcnow())

    def query_args(self, **changes) -> dict:
        f = replace(self, **changes) if changes else self
        args = {"store": f.store_id, "start": f.start.isoformat(), "end": f.end.isoformat()}
        if f.location_id:
            args["location"] = f.location_id
        if f.category:
            args["category"] = f.category
        if f.item_id:
            args["item"] = f.item_id
        return args


def _date(raw: str | None, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError("bad_date", "Give dates as YYYY-MM-DD.", field) from None


def _int(raw: str | None, field: str) -> int | None:
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise DomainError("bad_number", f"{field} must be a number.", field) from None


def visible_stores(user) -> list[Store]:
    """An admin (the owner) may look at every store; anyone else at their own."""
    if user.has_role("admin"):
        return list(db.session.scalars(select(Store).order_by(Store.name)))
    return [db.session.get(Store, user.store_id)]


def parse(args, user, *, default_days: int = 30) -> Filter:
    """A Filter from query arguments, checked against what the user may see."""
    store_id = _int(args.get("store"), "store") or user.store_id
    store = db.session.get(Store, store_id)
    if store is None or (not in_store(user, store_id) and not user.has_role("admin")):
        raise NotFound("not_found", f"No store {store_id} you may see.")
    today = calc.local_today(utcnow(), store.timezone)
    end = _date(args.get("end"), "end") or today
    start = _date(args.get("start"), "start") or end - timedelta(days=default_days - 1)
    if start > end:
        raise DomainError("bad_period", "The period starts after it ends.", "start")
    if (end - start).days > MAX_DAYS:
        raise DomainError("bad_period", "Choose a period of at most two years.", "start")
    location_id = _int(args.get("location"), "location")
    if location_id is not None:
        load_in_store(Location, location_id, store.id,
                      NotFound("not_found", f"No location {location_id} in this store."))
    item_id = _int(args.get("item"), "item")
    if item_id is not None:
        load_in_store(Item, item_id, store.id, NotFound("not_found", f"No item {item_id} in this store."))
    return Filter(store.id, store.timezone, store.currency, start, end, location_id,
                  (args.get("category") or "").strip() or None, item_id, store.locale or "en_US")


def choices(f: Filter) -> dict:
    """Locations and categories to offer in the filter form."""
    locations = db.session.execute(select(Location.id, Location.name).where(
        Location.store_id == f.store_id).order_by(Location.name)).all()
    categories = db.session.scalars(select(Item.category).where(
        Item.store_id == f.store_id, Item.category != "").distinct().order_by(Item.category)).all()
    return {"locations": locations, "categories": categories}


def item_filters(f: Filter, item_table=Item, location_column=None) -> list:
    """WHERE clauses for the category and location filters."""
    clauses = []
    if f.category:
        clauses.append(item_table.category == f.category)
    if f.location_id and location_column is not None:
        clauses.append(location_column == f.location_id)
    if f.item_id:
        clauses.append(item_table.id == f.item_id)
    return clauses
