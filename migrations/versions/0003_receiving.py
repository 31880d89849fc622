"""purchase orders, receipts, damage records, photos, transfers

Revision ID: 0003_receiving
Revises: 0001_foundation
Create Date: 2026-11-28 01:08:55.105666

"""
from alembic import op
import sqlalchemy as sa

import webapp.types


# revision identifiers, used by Alembic.
revision = '0003_receiving'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('created_at', webapp.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_photos_store_id_stores')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_photos_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos')),
    sa.UniqueConstraint('key', name=op.f('uq_photos_key'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photos_store_id'), ['store_id'], unique=False)

    op.create_table('purchase_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('vendor', sa.String(length=120), nullable=False),
    sa.Column('expected_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', webapp.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'open', 'partially_received', 'received', 'closed')", name=op.f('ck_purchase_orders_status_known')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_purchase_orders_created_by_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_purchase_orders_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('store_id', 'reference', name=op.f('uq_purchase_orders_store_id_reference'))
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_orders_store_id'), ['store_id'], unique=False)

    op.create_table('transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=False),
    sa.Column('to_location_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('occurred_at', webapp.types.UTCDateTime(), nullable=False),
    sa.Column('moved_by', sa.Integer(), nullable=False),
    sa.Column('created_at', webapp.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('from_location_id <> to_location_id', name=op.f('ck_transfers_locations_differ')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_transfers_quantity_positive')),
    sa.ForeignKeyConstraint(['from_location_id'], ['locations.id'], name=op.f('fk_transfers_from_location_id_locations')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_transfers_item_id_items')),
    sa.ForeignKeyConstraint(['moved_by'], ['users.id'], name=op.f('fk_transfers_moved_by_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_transfers_store_id_stores')),
    sa.ForeignKeyConstraint(['to_location_id'], ['locations.id'], name=op.f('fk_transfers_to_location_id_locations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers')),
    sa.UniqueConstraint('event_id', name=op.f('uq_transfers_event_id'))
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfers_store_id'), ['store_id'], unique=False)

    op.create_table('po_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('po_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('ordered_qty', sa.Integer(), nullable=False),
    sa.Column('unit_cost_cents', sa.Integer(), nullable=False),
    sa.Column('received_qty', sa.Integer(), nullable=False),
    sa.Column('cancelled_qty', sa.Integer(), nullable=False),
    sa.CheckConstraint('ordered_qty > 0', name=op.f('ck_po_lines_ordered_positive')),
    sa.CheckConstraint('received_qty >= 0 AND cancelled_qty >= 0', name=op.f('ck_po_lines_progress_not_negative')),
    sa.CheckConstraint('unit_cost_cents >= 0', name=op.f('ck_po_lines_cost_not_negative')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_po_lines_item_id_items')),
    sa.ForeignKeyConstraint(['po_id'], ['purchase_orders.id'], name=op.f('fk_po_lines_po_id_purchase_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_po_lines')),
    sa.UniqueConstraint('po_id', 'item_id', name=op.f('uq_po_lines_po_id_item_id'))
    )
    with op.batch_alter_table('po_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_po_lines_po_id'), ['po_id'], unique=False)

    op.create_table('receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('session_key', sa.String(length=64), nullable=False),
    sa.Column('po_id', sa.Integer(), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('started_by', sa.Integer(), nullable=False),
    sa.Column('started_at', webapp.types.UTCDateTime(), nullable=False),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', webapp.types.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_receipts_status_known')),
    sa.ForeignKeyConstraint(['closed_by'], ['users.id'], name=op.f('fk_receipts_closed_by_users')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_receipts_location_id_locations')),
    sa.ForeignKeyConstraint(['po_id'], ['purchase_orders.id'], name=op.f('fk_receipts_po_id_purchase_orders')),
    sa.ForeignKeyConstraint(['started_by'], ['users.id'], name=op.f('fk_receipts_started_by_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_receipts_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipts')),
    sa.UniqueConstraint('session_key', name=op.f('uq_receipts_session_key'))
    )
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipts_po_id'), ['po_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receipts_store_id'), ['store_id'], unique=False)

    op.create_table('damage_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('value_cents', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', webapp.types.UTCDateTime(), nullable=False),
    sa.Column('flagged_by', sa.Integer(), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', webapp.types.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=True),
    sa.Column('created_at', webapp.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('applied', 'pending', 'rejected', 'on_arrival')", name=op.f('ck_damage_records_status_known')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_damage_records_quantity_positive')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_damage_records_decided_by_users')),
    sa.ForeignKeyConstraint(['flagged_by'], ['users.id'], name=op.f('fk_damage_records_flagged_by_users')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_damage_records_item_id_items')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_damage_records_location_id_locations')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'], name=op.f('fk_damage_records_receipt_id_receipts')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_damage_records_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_damage_records')),
    sa.UniqueConstraint('event_id', name=op.f('uq_damage_records_event_id'))
    )
    with op.batch_alter_table('damage_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_damage_records_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_damage_records_receipt_id'), ['receipt_id'], unique=False)
        batch_op.create_index('ix_damage_records_store_status', ['store_id', 'status'], unique=False)

    op.create_table('receipt_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('invoice_cost_cents', sa.Integer(), nullable=True),
    sa.Column('on_po', sa.Boolean(), nullable=False),
    sa.Column('ordered_qty', sa.Integer(), nullable=False),
    sa.Column('due_qty', sa.Integer(), nullable=False),
    sa.Column('delivered_qty', sa.Integer(), nullable=False),
    sa.Column('damaged_qty', sa.Integer(), nullable=False),
    sa.Column('accepted_qty', sa.Integer(), nullable=False),
    sa.Column('po_cost_cents', sa.Integer(), nullable=True),
    sa.Column('cost_before_cents', sa.Integer(), nullable=True),
    sa.Column('cost_after_cents', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_receipt_lines_item_id_items')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'], name=op.f('fk_receipt_lines_receipt_id_receipts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_lines')),
    sa.UniqueConstraint('receipt_id', 'item_id', name=op.f('uq_receipt_lines_receipt_id_item_id'))
    )
    with op.batch_alter_table('receipt_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_lines_receipt_id'), ['receipt_id'], unique=False)

    op.create_table('receipt_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=120), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('occurred_at', webapp.types.UTCDateTime(), nullable=False),
    sa.Column('lot', sa.String(length=40), nullable=True),
    sa.Column('expiry', sa.Date(), nullable=True),
    sa.Column('scanned_by', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity <> 0', name=op.f('ck_receipt_scans_quantity_not_zero')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_receipt_scans_item_id_items')),
    sa.ForeignKeyConstraint(['receipt_id'], ['receipts.id'], name=op.f('fk_receipt_scans_receipt_id_receipts')),
    sa.ForeignKeyConstraint(['scanned_by'], ['users.id'], name=op.f('fk_receipt_scans_scanned_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_scans')),
    sa.UniqueConstraint('event_id', name=op.f('uq_receipt_scans_event_id'))
    )
    with op.batch_alter_table('receipt_scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipt_scans_receipt_id'), ['receipt_id'], unique=False)

    op.create_table('damage_photos',
    sa.Column('damage_id', sa.Integer(), nullable=False),
    sa.Column('photo_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['damage_id'], ['damage_records.id'], name=op.f('fk_damage_photos_damage_id_damage_records'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['photo_id'], ['photos.id'], name=op.f('fk_damage_photos_photo_id_photos')),
    sa.PrimaryKeyConstraint('damage_id', 'photo_id', name=op.f('pk_damage_photos'))
    )


def downgrade():
    op.drop_table('damage_photos')
    with op.batch_alter_table('receipt_scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_scans_receipt_id'))

    op.drop_table('receipt_scans')
    with op.batch_alter_table('receipt_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipt_lines_receipt_id'))

    op.drop_table('receipt_lines')
    with op.batch_alter_table('damage_records', schema=None) as batch_op:
        batch_op.drop_index('ix_damage_records_store_status')
        batch_op.drop_index(batch_op.f('ix_damage_records_receipt_id'))
        batch_op.drop_index(batch_op.f('ix_damage_records_item_id'))

    op.drop_table('damage_records')
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipts_store_id'))
        batch_op.drop_index(batch_op.f('ix_receipts_po_id'))

    op.drop_table('receipts')
    with op.batch_alter_table('po_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_po_lines_po_id'))

    op.drop_table('po_lines')
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_transfers_store_id'))

    op.drop_table('transfers')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_orders_store_id'))

    op.drop_table('purchase_orders')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photos_store_id'))

    op.drop_table('photos')
