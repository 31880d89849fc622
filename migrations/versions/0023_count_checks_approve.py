"""count_checks: a count far from the previous count of its place waits for a manager

Per store, the share (%) by which a count may differ from the previous approved count of the
same item and place (and by more than the unit tolerance) before it is flagged
``far_from_last_count`` and never approved automatically (issue 15). A store without a row
uses 50 %; 0 turns the check off. A table of its own, like ``refund_rules``, so that ``stores``
keeps its shape.

Revision ID: 0023_count_checks_approve
Revises: 0017_held_refunds
Create Date: 2026-12-07 21:00:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types

# revision identifiers, used by Alembic.
revision = '0023_count_checks_approve'
down_revision = '0022_labels_ops21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'count_checks',
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('jump_percent', sa.Integer(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('jump_percent >= 0', name=op.f('ck_count_checks_jump_not_negative')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_count_checks_store_id_stores')),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_count_checks_updated_by_users')),
        sa.PrimaryKeyConstraint('store_id', name=op.f('pk_count_checks')),
    )


def downgrade():
    op.drop_table('count_checks')
