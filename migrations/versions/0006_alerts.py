"""low-stock alerts: reorder policies, alert state per item, raised alerts, push subscriptions

Revision ID: 0006_alerts
Revises: 0004_ledger_counting
Create Date: 2026-11-28 01:55:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.types


# revision identifiers, used by Alembic.
revision = '0006_alerts'
down_revision = '0004_ledger_counting'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reorder_policies',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=True),
    sa.Column('safety_stock', sa.Integer(), nullable=True),
    sa.Column('updated_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('lead_time_days IS NULL OR lead_time_days >= 0', name=op.f('ck_reorder_policies_lead_time_not_negative')),
    sa.CheckConstraint('safety_stock IS NULL OR safety_stock >= 0', name=op.f('ck_reorder_policies_safety_not_negative')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_reorder_policies_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_reorder_policies_store_id_stores')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_reorder_policies'))
    )
    with op.batch_alter_table('reorder_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reorder_policies_store_id'), ['store_id'], unique=False)

    op.create_table('alert_states',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reorder_point', sa.Integer(), nullable=True),
    sa.Column('changed_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('ok', 'low')", name=op.f('ck_alert_states_state_known')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_alert_states_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_alert_states_store_id_stores')),
    sa.PrimaryKeyConstraint('item_id', name=op.f('pk_alert_states'))
    )
    with op.batch_alter_table('alert_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_states_store_id'), ['store_id'], unique=False)

    op.create_table('stock_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reorder_point', sa.Integer(), nullable=False),
    sa.Column('raised_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recovered_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivery_attempts', sa.Integer(), nullable=False),
    sa.Column('delivery_note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_stock_alerts_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_stock_alerts_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_alerts'))
    )
    with op.batch_alter_table('stock_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_alerts_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_stock_alerts_store_open', ['store_id', 'recovered_at'], unique=False)

    op.create_table('push_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('p256dh', sa.String(length=200), nullable=False),
    sa.Column('auth', sa.String(length=100), nullable=False),
    sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_push_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
    sa.UniqueConstraint('endpoint', name=op.f('uq_push_subscriptions_endpoint'))
    )
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscriptions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_user_id'))
    op.drop_table('push_subscriptions')
    with op.batch_alter_table('stock_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_alerts_store_open')
        batch_op.drop_index(batch_op.f('ix_stock_alerts_item_id'))
    op.drop_table('stock_alerts')
    with op.batch_alter_table('alert_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_states_store_id'))
    op.drop_table('alert_states')
    with op.batch_alter_table('reorder_policies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reorder_policies_store_id'))
    op.drop_table('reorder_policies')
