"""reports: a covering index on the ledger by store, kind and time

Revision ID: 0008_report_indexes
Revises: 0007_clover
Create Date: 2026-11-28 02:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_report_indexes'
down_revision = '0007_clover'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock_events', schema=None) as batch_op:
        batch_op.create_index('ix_stock_events_store_kind_occurred',
                              ['store_id', 'kind', 'occurred_at', 'item_id', 'location_id', 'quantity'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('stock_events', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_events_store_kind_occurred')
