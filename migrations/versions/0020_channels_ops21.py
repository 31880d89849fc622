"""channels: sales channels fed with levels, their API tokens and buffers, and the webhook

``level_changes`` is the feed (``seq`` numbered per store in commit order under the lock of
``level_feed_heads``); ``webhook_deliveries`` keeps each delivery's body and id, the same on
every retry.

Revision ID: 0020_channels_ops21
Revises: 0019_audit_ops21
Create Date: 2026-12-07 21:00:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types


# revision identifiers, used by Alembic.
revision = '0020_channels_ops21'
down_revision = '0019_audit_ops21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('level_feed_heads',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_level_feed_heads_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', name=op.f('pk_level_feed_heads'))
    )
    op.create_table('sales_channels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('default_buffer', sa.Integer(), nullable=False),
    sa.Column('webhook_url', sa.String(length=500), nullable=True),
    sa.Column('webhook_secret', sa.String(length=64), nullable=False),
    sa.Column('webhook_cursor', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('default_buffer >= 0', name=op.f('ck_sales_channels_buffer_not_negative')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_sales_channels_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_channels')),
    sa.UniqueConstraint('store_id', 'name', name=op.f('uq_sales_channels_store_id_name'))
    )
    with op.batch_alter_table('sales_channels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_channels_store_id'), ['store_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['channel_id'], ['sales_channels.id'], name=op.f('fk_api_tokens_channel_id_sales_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_api_tokens_created_by_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_api_tokens_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_store_id'), ['store_id'], unique=False)

    op.create_table('channel_buffers',
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('buffer', sa.Integer(), nullable=False),
    sa.CheckConstraint('buffer >= 0', name=op.f('ck_channel_buffers_buffer_not_negative')),
    sa.ForeignKeyConstraint(['channel_id'], ['sales_channels.id'], name=op.f('fk_channel_buffers_channel_id_sales_channels'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_channel_buffers_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_channel_buffers_store_id_stores')),
    sa.PrimaryKeyConstraint('channel_id', 'item_id', name=op.f('pk_channel_buffers'))
    )
    op.create_table('level_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_level_changes_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_level_changes_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_level_changes')),
    sa.UniqueConstraint('store_id', 'seq', name=op.f('uq_level_changes_store_id_seq'))
    )
    with op.batch_alter_table('level_changes', schema=None) as batch_op:
        batch_op.create_index('ix_level_changes_store_item', ['store_id', 'item_id', 'seq'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('first_seq', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name=op.f('ck_webhook_deliveries_status_known')),
    sa.ForeignKeyConstraint(['channel_id'], ['sales_channels.id'], name=op.f('fk_webhook_deliveries_channel_id_sales_channels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_channel_status', ['channel_id', 'status', 'first_seq'], unique=False)



def downgrade():
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_channel_status')

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('level_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_level_changes_store_item')

    op.drop_table('level_changes')
    op.drop_table('channel_buffers')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_store_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('sales_channels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_channels_store_id'))

    op.drop_table('sales_channels')
    op.drop_table('level_feed_heads')
