"""labels: the queue of shelf labels to print (price changed, delivery received, or asked for)

Revision ID: 0022_labels_ops21
Revises: 0021_schedule_ops21
Create Date: 2026-12-07 21:40:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types


# revision identifiers, used by Alembic.
revision = '0022_labels_ops21'
down_revision = '0021_schedule_ops21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('label_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=12), nullable=False),
    sa.Column('queued_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('printed_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("reason IN ('price', 'received', 'manual')", name=op.f('ck_label_jobs_reason_known')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_label_jobs_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_label_jobs_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_label_jobs'))
    )
    with op.batch_alter_table('label_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_label_jobs_store_printed', ['store_id', 'printed_at'], unique=False)



def downgrade():
    with op.batch_alter_table('label_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_label_jobs_store_printed')

    op.drop_table('label_jobs')
