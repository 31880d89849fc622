"""reports: level snapshots, every item-location's level at the end of a store day

Built lazily by the valuation at a past date and checked before each use (see
webapp/reports/snapshots.py), so the tables can be emptied at any time without harm.

Revision ID: 0010_report_snapshots
Revises: 0009_unknown_scans
Create Date: 2026-11-28 04:30:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types

# revision identifiers, used by Alembic.
revision = '0010_report_snapshots'
down_revision = '0009_unknown_scans'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('level_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('events', sa.BigInteger(), nullable=False),
    sa.Column('max_event_id', sa.BigInteger(), nullable=False),
    sa.Column('built_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_level_snapshots_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_level_snapshots')),
    sa.UniqueConstraint('store_id', 'at', name='uq_level_snapshots_store_at')
    )
    op.create_table('level_snapshot_rows',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['level_snapshots.id'],
                            name=op.f('fk_level_snapshot_rows_snapshot_id_level_snapshots'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'item_id', 'location_id', name=op.f('pk_level_snapshot_rows'))
    )


def downgrade():
    op.drop_table('level_snapshot_rows')
    op.drop_table('level_snapshots')
