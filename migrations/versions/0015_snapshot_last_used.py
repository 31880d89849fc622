"""reports: level snapshots record when they were last used, so old ones can be pruned

``last_used_at`` is touched by every valuation that takes a snapshot as its base, and the
jobs cycle deletes the snapshots nobody used for SNAPSHOT_KEEP_DAYS (webapp/reports/snapshots.py).
Existing snapshots count as last used when they were built.

SQLite makes the column NOT NULL by copying level_snapshots into a new table and dropping the
old one; with foreign keys on, that DROP would delete every snapshot's rows by the cascade.
migrations/env.py turns them off while migrating SQLite (and checks every key before the
commit), so the rows stay.

Revision ID: 0015_snapshot_last_used
Revises: 0014_location_checked_by_level
Create Date: 2026-11-28 08:15:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types

# revision identifiers, used by Alembic.
revision = '0015_snapshot_last_used'
down_revision = '0014_location_checked_by_level'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('level_snapshots', sa.Column('last_used_at', webapp.types.UTCDateTime(timezone=True),
                                               nullable=True))
    op.execute("UPDATE level_snapshots SET last_used_at = built_at")
    with op.batch_alter_table('level_snapshots', schema=None) as batch_op:
        batch_op.alter_column('last_used_at', existing_type=webapp.types.UTCDateTime(timezone=True),
                              nullable=False)
    op.create_index(op.f('ix_level_snapshots_last_used_at'), 'level_snapshots', ['last_used_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_level_snapshots_last_used_at'), table_name='level_snapshots')
    with op.batch_alter_table('level_snapshots', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
