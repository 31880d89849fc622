"""clover: each webhook verification code belongs to the store whose webhook URL received it

The handshake (``{"verificationCode": ...}``) is anonymous and was kept without limit, and every
store's admin page showed the newest one, whoever sent it. Codes now arrive on a store's own
webhook URL and are kept per store, the newest few only. A code kept from before goes to the
only store of a one-store install; with several stores nobody can say whose it was, so it goes.

Revision ID: 0027_edges16_verify_store
Revises: 0026_phone14_store_locale
Create Date: 2026-12-07 20:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027_edges16_verify_store'
down_revision = '0026_phone14_store_locale'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clover_webhook_verifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('store_id', sa.Integer(), nullable=True))
    conn = op.get_bind()
    stores = conn.execute(sa.text("SELECT id FROM stores")).scalars().all()
    if len(stores) == 1:
        conn.execute(sa.text("UPDATE clover_webhook_verifications SET store_id = :s"), {"s": stores[0]})
    conn.execute(sa.text("DELETE FROM clover_webhook_verifications WHERE store_id IS NULL"))
    with op.batch_alter_table('clover_webhook_verifications', schema=None) as batch_op:
        batch_op.alter_column('store_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_clover_webhook_verifications_store_id_stores', 'stores',
                                    ['store_id'], ['id'])
        batch_op.create_index('ix_clover_webhook_verifications_store_id', ['store_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('clover_webhook_verifications', schema=None) as batch_op:
        batch_op.drop_index('ix_clover_webhook_verifications_store_id')
        batch_op.drop_constraint('fk_clover_webhook_verifications_store_id_stores', type_='foreignkey')
        batch_op.drop_column('store_id')
