"""stock ledger, levels, counting, approvals, sync receipts

stock_events is append-only (a correction is a new row); its key is the globally unique
idempotency key. stock_levels is the materialised level per item and location.

Revision ID: 0004_ledger_counting
Revises: 0003_receiving
Create Date: 2026-11-28 01:09:18.811378

"""
from alembic import op
import sqlalchemy as sa

import webapp.types


# revision identifiers, used by Alembic.
revision = '0004_ledger_counting'
down_revision = '0003_receiving'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('count_sessions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('full', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('scheduled_for', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recount_of_id', sa.Integer(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('open', 'submitted', 'cancelled')", name=op.f('ck_count_sessions_status_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_count_sessions_created_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_count_sessions_item_id_items')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_count_sessions_location_id_locations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_count_sessions_store_id_stores')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_count_sessions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_sessions'))
    )
    with op.batch_alter_table('count_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_count_sessions_store_status', ['store_id', 'status'], unique=False)

    op.create_table('stock_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('occurred_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('device_time', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('count_key', sa.String(length=120), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.CheckConstraint("(kind IN ('sale', 'damage', 'transfer_out') AND quantity < 0) OR (kind IN ('refund', 'receive', 'transfer_in') AND quantity > 0) OR (kind IN ('count', 'opening') AND quantity >= 0) OR (kind = 'adjustment' AND count_key IS NOT NULL)", name=op.f('ck_stock_events_quantity_sign')),
    sa.CheckConstraint("kind IN ('sale', 'refund', 'receive', 'damage', 'transfer_out', 'transfer_in', 'count', 'opening', 'adjustment')", name=op.f('ck_stock_events_kind_known')),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_stock_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_stock_events_item_id_items')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_stock_events_location_id_locations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_stock_events_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_events')),
    sa.UniqueConstraint('key', name=op.f('uq_stock_events_key'))
    )
    with op.batch_alter_table('stock_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_events_count_key'), ['count_key'], unique=False)
        batch_op.create_index('ix_stock_events_store_occurred', ['store_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_stock_events_stream', ['item_id', 'location_id', 'occurred_at'], unique=False)

    op.create_table('stock_levels',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('base_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('base_key', sa.String(length=120), nullable=True),
    sa.Column('base_quantity', sa.Integer(), nullable=False),
    sa.Column('updated_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_stock_levels_item_id_items')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_stock_levels_location_id_locations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_stock_levels_store_id_stores')),
    sa.PrimaryKeyConstraint('item_id', 'location_id', name=op.f('pk_stock_levels'))
    )
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_levels_store_id'), ['store_id'], unique=False)

    op.create_table('sync_receipts',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('device_occurred_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('occurred_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('device_time', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_sync_receipts_store_id_stores')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_receipts_user_id_users')),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_sync_receipts'))
    )
    op.create_table('count_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=True),
    sa.Column('counted_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_scan_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_scan_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('variance', sa.Integer(), nullable=False),
    sa.Column('value_cents', sa.Integer(), nullable=False),
    sa.Column('scanned', sa.Boolean(), nullable=False),
    sa.Column('flags', sa.String(length=200), nullable=False),
    sa.Column('counters', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ledger_key', sa.String(length=120), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'recount', 'not_counted')", name=op.f('ck_count_lines_status_known')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_count_lines_item_id_items')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_count_lines_location_id_locations')),
    sa.ForeignKeyConstraint(['session_id'], ['count_sessions.id'], name=op.f('fk_count_lines_session_id_count_sessions')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_count_lines_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_lines')),
    sa.UniqueConstraint('session_id', 'item_id', name=op.f('uq_count_lines_session_id_item_id'))
    )
    with op.batch_alter_table('count_lines', schema=None) as batch_op:
        batch_op.create_index('ix_count_lines_store_status', ['store_id', 'status'], unique=False)

    op.create_table('count_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('occurred_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('device_time', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("mode IN ('add', 'set')", name=op.f('ck_count_scans_mode_known')),
    sa.CheckConstraint('quantity >= 0', name=op.f('ck_count_scans_quantity_not_negative')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_count_scans_item_id_items')),
    sa.ForeignKeyConstraint(['session_id'], ['count_sessions.id'], name=op.f('fk_count_scans_session_id_count_sessions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_count_scans_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_scans'))
    )
    with op.batch_alter_table('count_scans', schema=None) as batch_op:
        batch_op.create_index('ix_count_scans_session_item', ['session_id', 'item_id'], unique=False)

    op.create_table('approval_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('variance', sa.Integer(), nullable=False),
    sa.Column('value_cents', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.CheckConstraint("action IN ('approve', 'auto_approve', 'reject', 'recount')", name=op.f('ck_approval_decisions_action_known')),
    sa.ForeignKeyConstraint(['line_id'], ['count_lines.id'], name=op.f('fk_approval_decisions_line_id_count_lines')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_approval_decisions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_decisions'))
    )
    with op.batch_alter_table('approval_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_decisions_line_id'), ['line_id'], unique=False)



def downgrade():
    with op.batch_alter_table('approval_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_decisions_line_id'))

    op.drop_table('approval_decisions')
    with op.batch_alter_table('count_scans', schema=None) as batch_op:
        batch_op.drop_index('ix_count_scans_session_item')

    op.drop_table('count_scans')
    with op.batch_alter_table('count_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_count_lines_store_status')

    op.drop_table('count_lines')
    op.drop_table('sync_receipts')
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_levels_store_id'))

    op.drop_table('stock_levels')
    with op.batch_alter_table('stock_events', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_events_stream')
        batch_op.drop_index('ix_stock_events_store_occurred')
        batch_op.drop_index(batch_op.f('ix_stock_events_count_key'))

    op.drop_table('stock_events')
    with op.batch_alter_table('count_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_count_sessions_store_status')

    op.drop_table('count_sessions')
