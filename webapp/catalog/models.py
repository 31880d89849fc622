"""The catalog: what a store sells and where it keeps it.

Quantities elsewhere are integers in an item's base unit: units for `each` items, and
thousandths of the unit for `weight` items (Clover's `unitQty`). Money is integer cents.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scanner.engines import DEFAULT_FORMATS
from webapp.extensions import db
from webapp.types import UTCDateTime, utcnow

DEFAULT_DAMAGE_REASONS = "damaged,expired,spoiled,theft or missing,vendor return,internal use"
DEFAULT_BARCODE_FORMATS = ",".join(DEFAULT_FORMATS)


class Store(db.Model):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    currency: Mapped[str] = mapped_column(String(3), default="USD")

    @property
    def locale(self) -> str:
        """Numbers and dates for people (Babel): "1,234.5" in en_US, "1.234,5" in de_DE."""
        row = db.session.get(StoreLocale, self.id)
        return row.locale if row is not None else "en_US"
    clover_merchant_id: Mapped[str | None] = mapped_column(String(13), unique=True)
    # Variances inside BOTH tolerances are approved without a manager.
    tolerance_units: Mapped[int] = mapped_column(default=1)
    tolerance_cents: Mapped[int] = mapped_column(default=1000)
    # Damage flags worth more than this wait for a manager's approval.
    damage_approval_cents: Mapped[int] = mapped_column(default=5000)
    # A sale this close to an item's scans makes its count ambiguous.
    scan_window_seconds: Mapped[int] = mapped_column(default=300)
    damage_reasons: Mapped[str] = mapped_column(String(500), default=DEFAULT_DAMAGE_REASONS)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    locations: Mapped[list[Location]] = relationship(back_populates="store", order_by="Location.id")
    barcode_setting: Mapped[BarcodeSetting | None] = relationship(lazy="select")

    @property
    def barcode_formats(self) -> str:
        """The barcode symbologies the store's phones and the server look for (comma-separated
        scanner SYMBOLOGIES names; webapp/catalog/formats.py sets them)."""
        return self.barcode_setting.formats if self.barcode_setting else DEFAULT_BARCODE_FORMATS

    @property
    def damage_reason_list(self) -> list[str]:
        return [r.strip() for r in self.damage_reasons.split(",") if r.strip()]

    @property
    def selling_location(self) -> Location | None:
        return next((loc for loc in self.locations if loc.is_selling), None)


class BarcodeSetting(db.Model):
    """A store's choice of barcode types; a store without a row reads the default set."""

    __tablename__ = "barcode_settings"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    formats: Mapped[str] = mapped_column(String(300))
    # Price- and weight-embedded label rules, a JSON list of scanner.variable.VariableRule fields.
    variable_rules: Mapped[str] = mapped_column(Text, default="[]")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Location(db.Model):
    __tablename__ = "locations"
    # (id, store_id): the key by which ledger rows name a location of their own store.
    __table_args__ = (UniqueConstraint("store_id", "name"), UniqueConstraint("id", "store_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default="floor")  # floor | backroom | bay | dock
    # Clover sales deplete this location; exactly one per store.
    is_selling: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    store: Mapped[Store] = relationship(back_populates="locations")


class Item(db.Model):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("store_id", "clover_id"),
        UniqueConstraint("store_id", "sku"),
        UniqueConstraint("id", "store_id"),  # the key ledger rows name their store's item by
        CheckConstraint("cost_cents >= 0", name="cost_not_negative"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("measure IN ('each', 'weight')", name="measure_known"),
        Index("ix_items_store_modified", "store_id", "modified_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(80), default="")
    cost_cents: Mapped[int] = mapped_column(default=0)
    price_cents: Mapped[int] = mapped_column(default=0)
    reorder_point: Mapped[int | None] = mapped_column()
    clover_id: Mapped[str | None] = mapped_column(String(13))
    active: Mapped[bool] = mapped_column(default=True)
    measure: Mapped[str] = mapped_column(String(8), default="each")
    unit_name: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on any change to the item or its barcodes: devices ask for what changed since.
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    barcodes: Mapped[list[Barcode]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Barcode.id"
    )


class Barcode(db.Model):
    __tablename__ = "barcodes"
    __table_args__ = (
        UniqueConstraint("store_id", "code"),
        CheckConstraint("pack_qty > 0", name="pack_qty_positive"),
        Index("ix_barcodes_store_gtin14", "store_id", "gtin14"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # as printed and scanned
    gtin14: Mapped[str | None] = mapped_column(String(14))  # canonical form when it is a GTIN
    pack_qty: Mapped[int] = mapped_column(default=1)  # base units one scan of this code adds
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship(back_populates="barcodes")


class StoreLocale(db.Model):
    """A store's locale, when it is not en_US (taken from Clover's merchant properties). A table
    of its own, so the stores table, which every migration's data passes through, is untouched."""

    __tablename__ = "store_locales"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(16), default="en_US")
