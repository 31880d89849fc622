"""purchasing: vendors, vendor catalogs, the sending of POs; a PO names its vendor record

Until now a PO's vendor was a free-text name. Each distinct name a store used becomes a
vendor of that store (its lead time the default 7 days, no minimum, USD), and every PO
with that name is linked to it (``po_vendors``). The name stays on the PO as it was. A PO
may now also be cancelled.

Revision ID: 0025_purchasing_purch18
Revises: 0017_held_refunds
Create Date: 2026-12-07 20:50:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import webapp.types

# revision identifiers, used by Alembic.
revision = '0025_purchasing_purch18'
down_revision = '0024_clover17_stock_changes'
branch_labels = None
depends_on = None

OLD_STATES = "status IN ('draft', 'open', 'partially_received', 'received', 'closed')"
NEW_STATES = "status IN ('draft', 'open', 'partially_received', 'received', 'closed', 'cancelled')"


def upgrade():
    op.create_table(
        'vendors',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('contact_name', sa.String(length=120), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('lead_time_days', sa.Integer(), nullable=False),
        sa.Column('order_minimum_cents', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('lead_time_days >= 0', name=op.f('ck_vendors_lead_time_not_negative')),
        sa.CheckConstraint('order_minimum_cents >= 0', name=op.f('ck_vendors_minimum_not_negative')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_vendors_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vendors')),
        sa.UniqueConstraint('store_id', 'name', name=op.f('uq_vendors_store_id_name')),
    )
    op.create_index(op.f('ix_vendors_store_id'), 'vendors', ['store_id'], unique=False)
    op.create_table(
        'vendor_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('vendor_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('vendor_sku', sa.String(length=60), nullable=False),
        sa.Column('case_size', sa.Integer(), nullable=False),
        sa.Column('case_cost_cents', sa.Integer(), nullable=False),
        sa.Column('preferred', sa.Boolean(), nullable=False),
        sa.CheckConstraint('case_size > 0', name=op.f('ck_vendor_items_case_size_positive')),
        sa.CheckConstraint('case_cost_cents >= 0', name=op.f('ck_vendor_items_case_cost_not_negative')),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_vendor_items_item_id_items')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_vendor_items_store_id_stores')),
        sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'], name=op.f('fk_vendor_items_vendor_id_vendors'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vendor_items')),
        sa.UniqueConstraint('vendor_id', 'item_id', name=op.f('uq_vendor_items_vendor_id_item_id')),
    )
    op.create_index(op.f('ix_vendor_items_item_id'), 'vendor_items', ['item_id'], unique=False)
    op.create_index(op.f('ix_vendor_items_store_id'), 'vendor_items', ['store_id'], unique=False)
    op.create_index(op.f('ix_vendor_items_vendor_id'), 'vendor_items', ['vendor_id'], unique=False)
    op.create_table(
        'po_sendings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('po_id', sa.Integer(), nullable=False),
        sa.Column('sent_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_by', sa.Integer(), nullable=False),
        sa.Column('recipients', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.CheckConstraint("status IN ('sent', 'failed', 'no_email')", name=op.f('ck_po_sendings_status_known')),
        sa.ForeignKeyConstraint(['po_id'], ['purchase_orders.id'], name=op.f('fk_po_sendings_po_id_purchase_orders'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sent_by'], ['users.id'], name=op.f('fk_po_sendings_sent_by_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_po_sendings')),
    )
    op.create_index(op.f('ix_po_sendings_po_id'), 'po_sendings', ['po_id'], unique=False)
    op.create_table(
        'po_vendors',
        sa.Column('po_id', sa.Integer(), nullable=False),
        sa.Column('vendor_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['po_id'], ['purchase_orders.id'], name=op.f('fk_po_vendors_po_id_purchase_orders'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['vendor_id'], ['vendors.id'], name=op.f('fk_po_vendors_vendor_id_vendors')),
        sa.PrimaryKeyConstraint('po_id', name=op.f('pk_po_vendors')),
    )
    op.create_index(op.f('ix_po_vendors_vendor_id'), 'po_vendors', ['vendor_id'], unique=False)
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_purchase_orders_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', NEW_STATES)
    # The free-text vendors become vendor records, one per store and name.
    bind = op.get_bind()
    names = bind.execute(sa.text(
        "SELECT DISTINCT store_id, vendor FROM purchase_orders ORDER BY store_id, vendor")).all()
    now = datetime.now(UTC)
    vendors = sa.table('vendors', sa.column('store_id'), sa.column('name'), sa.column('contact_name'),
                       sa.column('email'), sa.column('phone'), sa.column('lead_time_days'),
                       sa.column('order_minimum_cents'), sa.column('currency'), sa.column('active'),
                       sa.column('created_at', webapp.types.UTCDateTime(timezone=True)))
    for store_id, name in names:
        bind.execute(vendors.insert().values(
            store_id=store_id, name=name, contact_name='', email='', phone='', lead_time_days=7,
            order_minimum_cents=0, currency='USD', active=True, created_at=now))
    bind.execute(sa.text(
        "INSERT INTO po_vendors (po_id, vendor_id) SELECT p.id, v.id FROM purchase_orders p "
        "JOIN vendors v ON v.store_id = p.store_id AND v.name = p.vendor"))


def downgrade():
    bind = op.get_bind()
    # A cancelled PO had nothing more coming: the nearest older state is closed.
    bind.execute(sa.text("UPDATE purchase_orders SET status = 'closed' WHERE status = 'cancelled'"))
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_purchase_orders_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', OLD_STATES)
    op.drop_index(op.f('ix_po_vendors_vendor_id'), table_name='po_vendors')
    op.drop_table('po_vendors')
    op.drop_index(op.f('ix_po_sendings_po_id'), table_name='po_sendings')
    op.drop_table('po_sendings')
    op.drop_index(op.f('ix_vendor_items_vendor_id'), table_name='vendor_items')
    op.drop_index(op.f('ix_vendor_items_store_id'), table_name='vendor_items')
    op.drop_index(op.f('ix_vendor_items_item_id'), table_name='vendor_items')
    op.drop_table('vendor_items')
    op.drop_index(op.f('ix_vendors_store_id'), table_name='vendors')
    op.drop_table('vendors')
