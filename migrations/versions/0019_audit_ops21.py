"""audit: a tamper-evident trail of changes, one hash chain per store

``audit_entries`` rows name no foreign key (they must outlive what they describe);
``audit_heads`` keeps each chain's last sequence number and hash, the row locked while a
transaction appends, and the anchor that shows rows deleted from the end.

Revision ID: 0019_audit_ops21
Revises: 0017_held_refunds
Create Date: 2026-12-07 20:40:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types


# revision identifiers, used by Alembic.
revision = '0019_audit_ops21'
down_revision = '0018_barcode_formats_label20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('device', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.String(length=200), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('store_id', 'seq', name=op.f('uq_audit_entries_store_id_seq'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_store_entity', ['store_id', 'entity', 'entity_id'], unique=False)

    op.create_table('audit_heads',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_audit_heads_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', name=op.f('pk_audit_heads'))
    )


def downgrade():
    op.drop_table('audit_heads')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_store_entity')

    op.drop_table('audit_entries')
