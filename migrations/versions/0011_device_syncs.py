"""sync: what each device reported about its outbox at its last sync

Revision ID: 0011_device_syncs
Revises: 0010_report_snapshots
Create Date: 2026-11-28 05:00:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types

# revision identifiers, used by Alembic.
revision = '0011_device_syncs'
down_revision = '0010_report_snapshots'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('device_syncs',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('last_sync_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('backlog', sa.Integer(), nullable=True),
    sa.Column('backlog_oldest_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_device_syncs_store_id_stores')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_device_syncs_user_id_users')),
    sa.PrimaryKeyConstraint('store_id', 'device_id', name=op.f('pk_device_syncs'))
    )


def downgrade():
    op.drop_table('device_syncs')
