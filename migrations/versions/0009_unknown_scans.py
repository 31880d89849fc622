"""catalog: scans of codes the phone did not know, kept until a manager links or dismisses them

One row per ``unknown_barcode`` sync event. ``code`` is the normalised form (GTIN-14 when
the code is a GTIN) so a UPC-A and its EAN-13 form group together; ``raw_code`` is what was
scanned. ``status``: pending (waiting for a manager), applied (became a count scan),
resolved (the code is known; nothing to apply), too_late (its session was already decided),
dismissed (not a product, e.g. a coupon).

Revision ID: 0009_unknown_scans
Revises: 0008_report_indexes
Create Date: 2026-11-28 04:10:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.types


# revision identifiers, used by Alembic.
revision = '0009_unknown_scans'
down_revision = '0008_report_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unknown_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=120), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('raw_code', sa.String(length=64), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('context', sa.String(length=16), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=True),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('device_time', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recorded_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('count_scan_id', sa.Integer(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_unknown_scans_quantity_positive')),
    sa.CheckConstraint("status IN ('pending', 'applied', 'resolved', 'too_late', 'dismissed')",
                       name=op.f('ck_unknown_scans_status_known')),
    sa.ForeignKeyConstraint(['count_scan_id'], ['count_scans.id'], name=op.f('fk_unknown_scans_count_scan_id_count_scans')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_unknown_scans_item_id_items')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_unknown_scans_location_id_locations')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_unknown_scans_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['session_id'], ['count_sessions.id'], name=op.f('fk_unknown_scans_session_id_count_sessions')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_unknown_scans_store_id_stores')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unknown_scans_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unknown_scans')),
    sa.UniqueConstraint('event_id', name=op.f('uq_unknown_scans_event_id'))
    )
    with op.batch_alter_table('unknown_scans', schema=None) as batch_op:
        batch_op.create_index('ix_unknown_scans_store_status_code', ['store_id', 'status', 'code'], unique=False)
        batch_op.create_index('ix_unknown_scans_session', ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('unknown_scans', schema=None) as batch_op:
        batch_op.drop_index('ix_unknown_scans_session')
        batch_op.drop_index('ix_unknown_scans_store_status_code')
    op.drop_table('unknown_scans')
