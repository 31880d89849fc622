"""returns: the store's refund rule, and refunded lines held out of stock for a manager

A refunded line went back to stock whatever came back; now the store's rule decides
(``refund_rules``: ``restock``, ``hold`` or ``never``; a store without a row holds), and the
lines not restocked wait in ``held_refunds``. Existing stores thus hold, the safe rule:
nothing refunded from now on becomes stock until a manager says it can be sold again.

Revision ID: 0017_held_refunds
Revises: 0016_user_sessions
Create Date: 2026-12-07 17:40:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types

# revision identifiers, used by Alembic.
revision = '0017_held_refunds'
down_revision = '0016_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'refund_rules',
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=8), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rule IN ('restock', 'hold', 'never')", name=op.f('ck_refund_rules_rule_known')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_refund_rules_store_id_stores')),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_refund_rules_updated_by_users')),
        sa.PrimaryKeyConstraint('store_id', name=op.f('pk_refund_rules')),
    )
    op.create_table(
        'held_refunds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('refunded_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('decided_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('quantity > 0', name=op.f('ck_held_refunds_quantity_positive')),
        sa.CheckConstraint("status IN ('held', 'kept_out', 'restocked', 'damaged', 'vendor_return')",
                           name=op.f('ck_held_refunds_status_known')),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_held_refunds_decided_by_users')),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_held_refunds_item_id_items')),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'],
                                name=op.f('fk_held_refunds_location_id_locations')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_held_refunds_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_held_refunds')),
        sa.UniqueConstraint('key', name=op.f('uq_held_refunds_key')),
    )
    with op.batch_alter_table('held_refunds', schema=None) as batch_op:
        batch_op.create_index('ix_held_refunds_store_status', ['store_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('held_refunds', schema=None) as batch_op:
        batch_op.drop_index('ix_held_refunds_store_status')
    op.drop_table('held_refunds')
    op.drop_table('refund_rules')
