"""catalog: a store's locale (numbers and dates on pages and in CSV exports, via Babel)

Taken from Clover's merchant properties when the store is connected, like its time zone. A
store without a row reads as en_US, which is what every page showed before. A table of its own
rather than a column of ``stores``, so the rows of every store pass no table copy.

Revision ID: 0026_phone14_store_locale
Revises: 0018_barcode_formats_label20
Create Date: 2026-12-07 21:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026_phone14_store_locale'
down_revision = '0025_purchasing_purch18'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'store_locales',
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_store_locales_store_id_stores')),
        sa.PrimaryKeyConstraint('store_id', name=op.f('pk_store_locales')),
    )


def downgrade():
    op.drop_table('store_locales')
