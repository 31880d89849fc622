"""clover: the sealed webhook auth code in a Text column, so its length is not capped by the column

Revision ID: 0012_webhook_code_text
Revises: 0011_device_syncs
Create Date: 2026-11-28 05:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012_webhook_code_text'
down_revision = '0011_device_syncs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('clover_connections', schema=None) as batch_op:
        batch_op.alter_column('webhook_auth_code', existing_type=sa.String(length=200),
                              type_=sa.Text(), existing_nullable=True)


def downgrade():
    # A sealed code cut to 200 characters would never open again: forget the ones that do not
    # fit (an admin pastes the code again on the Clover page) rather than fail or truncate.
    op.execute("UPDATE clover_connections SET webhook_auth_code = NULL "
               "WHERE length(webhook_auth_code) > 200")
    with op.batch_alter_table('clover_connections', schema=None) as batch_op:
        batch_op.alter_column('webhook_auth_code', existing_type=sa.Text(),
                              type_=sa.String(length=200), existing_nullable=True)
