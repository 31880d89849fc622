"""An index the reports need on the ledger's table (the table itself belongs to webapp.inventory).

Every report and the dashboard read the ledger by kind over a time range (sales in the
velocity window, counts and their adjustments in a period, damage, resets before a date).
Without this index each of those scans every event of the store, or worse, walks the
stream index with a table lookup per event.
"""

from sqlalchemy import Index

from webapp.inventory.models import StockEvent

# Covering: item, location and quantity ride along, so sums by item read the index alone.
store_kind_occurred = Index("ix_stock_events_store_kind_occurred", StockEvent.store_id, StockEvent.kind,
                            StockEvent.occurred_at, StockEvent.item_id, StockEvent.location_id,
                            StockEvent.quantity)
