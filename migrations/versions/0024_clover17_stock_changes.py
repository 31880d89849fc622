"""clover: marks of what Clover last held per item, and stock changes made in Clover outside Shelfcount

``clover_stock_marks`` holds, per item, the quantity we last wrote to Clover or read and could
explain; ``clover_stock_changes`` the reads we could not explain, shown to a manager as
"changed in Clover" until accepted as a count or overwritten (webapp/clover/drift.py).
``clover_open_orders`` the orders seen open and unpaid, not yet sales, and
``clover_connections.open_order_minutes`` the age after which a manager sees them
(webapp/clover/open_orders.py). ``clover_pending_installs`` holds an App Market launch whose
code was exchanged, until an admin confirms the store it joins (webapp/clover/install.py).

Revision ID: 0024_clover17_stock_changes
Revises: 0017_held_refunds
Create Date: 2026-12-07 21:00:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types

# revision identifiers, used by Alembic.
revision = '0024_clover17_stock_changes'
down_revision = '0023_count_checks_approve'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'clover_stock_marks',
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Float(), nullable=False),
        sa.Column('seen_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_clover_stock_marks_item_id_items')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_clover_stock_marks_store_id_stores')),
        sa.PrimaryKeyConstraint('item_id', name=op.f('pk_clover_stock_marks')),
    )
    with op.batch_alter_table('clover_stock_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clover_stock_marks_store_id'), ['store_id'], unique=False)
    op.create_table(
        'clover_stock_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('clover_quantity', sa.Float(), nullable=False),
        sa.Column('expected', sa.Float(), nullable=True),
        sa.Column('ours', sa.Integer(), nullable=False),
        sa.Column('detected_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('resolved_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_clover_stock_changes_item_id_items')),
        sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_clover_stock_changes_resolved_by_users')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_clover_stock_changes_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clover_stock_changes')),
    )
    with op.batch_alter_table('clover_stock_changes', schema=None) as batch_op:
        batch_op.create_index('ix_clover_stock_changes_open', ['store_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_clover_stock_changes_item_id'), ['item_id'], unique=False)


    op.create_table(
        'clover_open_orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.String(length=13), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('opened_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('lines', sa.Integer(), nullable=False),
        sa.Column('total_cents', sa.Integer(), nullable=True),
        sa.Column('seen_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_clover_open_orders_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clover_open_orders')),
        sa.UniqueConstraint('store_id', 'order_id', name=op.f('uq_clover_open_orders_store_id_order_id')),
    )
    with op.batch_alter_table('clover_open_orders', schema=None) as batch_op:
        batch_op.create_index('ix_clover_open_orders_opened', ['store_id', 'opened_at'], unique=False)
    with op.batch_alter_table('clover_connections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_order_minutes', sa.Integer(), server_default='60', nullable=False))

    op.create_table(
        'clover_pending_installs',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('merchant_id', sa.String(length=13), nullable=False),
        sa.Column('merchant_name', sa.String(length=200), nullable=False),
        sa.Column('access_token', sa.Text(), nullable=False),
        sa.Column('access_expires_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('refresh_token', sa.Text(), nullable=True),
        sa.Column('refresh_expires_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('expires_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_clover_pending_installs')),
    )


def downgrade():
    op.drop_table('clover_pending_installs')
    with op.batch_alter_table('clover_connections', schema=None) as batch_op:
        batch_op.drop_column('open_order_minutes')
    with op.batch_alter_table('clover_open_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_clover_open_orders_opened')
    op.drop_table('clover_open_orders')
    with op.batch_alter_table('clover_stock_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clover_stock_changes_item_id'))
        batch_op.drop_index('ix_clover_stock_changes_open')
    op.drop_table('clover_stock_changes')
    with op.batch_alter_table('clover_stock_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clover_stock_marks_store_id'))
    op.drop_table('clover_stock_marks')
