"""auth: sessions kept on the server, so a logout (or a new password) ends them for good

One row per logged-in device; the session cookie and the remember cookie carry "user_id:row_id"
and are refused once the row is gone or expired. Cookies from before this revision carry a plain
user id and are refused: everyone logs in again once.

Revision ID: 0016_user_sessions
Revises: 0015_snapshot_last_used
Create Date: 2026-11-28 08:40:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types

# revision identifiers, used by Alembic.
revision = '0016_user_sessions'
down_revision = '0015_snapshot_last_used'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_sessions',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('user_agent', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_sessions_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_expires_at'))
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
