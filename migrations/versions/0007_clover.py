"""clover: connection (tokens, watermarks, sync lease), push log, webhook hints and verification codes

Revision ID: 0007_clover
Revises: 0006_alerts
Create Date: 2026-11-28 01:12:36.725991

"""
from alembic import op
import sqlalchemy as sa

import webapp.types


# revision identifiers, used by Alembic.
revision = '0007_clover'
down_revision = '0006_alerts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clover_webhook_hints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.String(length=13), nullable=False),
    sa.Column('object_id', sa.String(length=40), nullable=False),
    sa.Column('event_type', sa.String(length=8), nullable=False),
    sa.Column('ts', sa.BigInteger(), nullable=False),
    sa.Column('received_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('processed_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clover_webhook_hints')),
    sa.UniqueConstraint('merchant_id', 'object_id', 'event_type', 'ts', name=op.f('uq_clover_webhook_hints_merchant_id_object_id_event_type_ts'))
    )
    with op.batch_alter_table('clover_webhook_hints', schema=None) as batch_op:
        batch_op.create_index('ix_clover_webhook_hints_pending', ['merchant_id', 'processed_at'], unique=False)

    op.create_table('clover_webhook_verifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=200), nullable=False),
    sa.Column('received_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clover_webhook_verifications'))
    )
    op.create_table('clover_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.String(length=13), nullable=False),
    sa.Column('auth_mode', sa.String(length=8), nullable=False),
    sa.Column('access_token', sa.Text(), nullable=True),
    sa.Column('access_expires_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refresh_token', sa.Text(), nullable=True),
    sa.Column('refresh_expires_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('items_watermark_ms', sa.BigInteger(), nullable=True),
    sa.Column('orders_watermark_ms', sa.BigInteger(), nullable=True),
    sa.Column('voids_watermark_ms', sa.BigInteger(), nullable=True),
    sa.Column('opened_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_pull_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_push_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_sync_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('webhook_auth_code', sa.String(length=200), nullable=True),
    sa.Column('sync_owner', sa.String(length=64), nullable=True),
    sa.Column('sync_until', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_clover_connections_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clover_connections')),
    sa.UniqueConstraint('merchant_id', name=op.f('uq_clover_connections_merchant_id')),
    sa.UniqueConstraint('store_id', name=op.f('uq_clover_connections_store_id'))
    )
    op.create_table('clover_pushes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('clover_item_id', sa.String(length=13), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('clover_before', sa.Float(), nullable=True),
    sa.Column('pushed_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_clover_pushes_item_id_items')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_clover_pushes_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clover_pushes'))
    )
    with op.batch_alter_table('clover_pushes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clover_pushes_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_clover_pushes_store_pushed', ['store_id', 'pushed_at'], unique=False)


def downgrade():
    op.drop_table('clover_pushes')
    op.drop_table('clover_connections')
    op.drop_table('clover_webhook_verifications')
    op.drop_table('clover_webhook_hints')
