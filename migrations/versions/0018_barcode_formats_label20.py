"""barcode_settings: the barcode symbologies a store reads, and its price/weight label rules

A store without a row reads the default set (retail symbologies and GS1 DataBar) and has no
price- or weight-embedded label rules (such labels match as plain GTINs, as before).

Revision ID: 0018_barcode_formats_label20
Revises: 0017_held_refunds
Create Date: 2026-12-07 21:50:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types

# revision identifiers, used by Alembic.
revision = '0018_barcode_formats_label20'
down_revision = '0017_held_refunds'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'barcode_settings',
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('formats', sa.String(length=300), nullable=False),
        sa.Column('variable_rules', sa.Text(), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_barcode_settings_store_id_stores')),
        sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_barcode_settings_updated_by_users')),
        sa.PrimaryKeyConstraint('store_id', name=op.f('pk_barcode_settings')),
    )


def downgrade():
    op.drop_table('barcode_settings')
