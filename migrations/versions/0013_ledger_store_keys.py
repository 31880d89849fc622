"""ledger rows name their item, location and user together with their store; count_key index partial

The ledger tables (stock_events, transfers, sync_receipts) had a foreign key onto the store
row itself: every row of every sync batch locked that one row (FOR KEY SHARE), which made it
the busiest row in the database. The keys are now (item_id, store_id) -> items,
(location_id, store_id) -> locations and (user_id, store_id) -> users: one check each as
before, none on the store row, and a stronger rule (the item is the event's store's).
Only adjustments carry a count_key, so its index leaves the other rows out.

Revision ID: 0013_ledger_store_keys
Revises: 0012_webhook_code_text
Create Date: 2026-11-28 08:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_ledger_store_keys'
down_revision = '0012_webhook_code_text'
branch_labels = None
depends_on = None

NOT_NULL_KEY = sa.text("count_key IS NOT NULL")


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_items_id_store_id', ['id', 'store_id'])
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_locations_id_store_id', ['id', 'store_id'])
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_users_id_store_id', ['id', 'store_id'])

    with op.batch_alter_table('stock_events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_stock_events_store_id_stores', type_='foreignkey')
        batch_op.drop_constraint('fk_stock_events_item_id_items', type_='foreignkey')
        batch_op.drop_constraint('fk_stock_events_location_id_locations', type_='foreignkey')
        batch_op.create_foreign_key('fk_stock_events_item_id_items', 'items',
                                    ['item_id', 'store_id'], ['id', 'store_id'])
        batch_op.create_foreign_key('fk_stock_events_location_id_locations', 'locations',
                                    ['location_id', 'store_id'], ['id', 'store_id'])
        batch_op.drop_index('ix_stock_events_count_key')
        batch_op.create_index('ix_stock_events_count_key', ['count_key'], unique=False,
                              postgresql_where=NOT_NULL_KEY, sqlite_where=NOT_NULL_KEY)

    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_transfers_store_id_stores', type_='foreignkey')
        batch_op.drop_constraint('fk_transfers_item_id_items', type_='foreignkey')
        batch_op.create_foreign_key('fk_transfers_item_id_items', 'items',
                                    ['item_id', 'store_id'], ['id', 'store_id'])

    with op.batch_alter_table('sync_receipts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sync_receipts_store_id_stores', type_='foreignkey')
        batch_op.drop_constraint('fk_sync_receipts_user_id_users', type_='foreignkey')
        batch_op.create_foreign_key('fk_sync_receipts_user_id_users', 'users',
                                    ['user_id', 'store_id'], ['id', 'store_id'])


def downgrade():
    with op.batch_alter_table('sync_receipts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sync_receipts_user_id_users', type_='foreignkey')
        batch_op.create_foreign_key('fk_sync_receipts_user_id_users', 'users', ['user_id'], ['id'])
        batch_op.create_foreign_key('fk_sync_receipts_store_id_stores', 'stores', ['store_id'], ['id'])

    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_transfers_item_id_items', type_='foreignkey')
        batch_op.create_foreign_key('fk_transfers_item_id_items', 'items', ['item_id'], ['id'])
        batch_op.create_foreign_key('fk_transfers_store_id_stores', 'stores', ['store_id'], ['id'])

    with op.batch_alter_table('stock_events', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_events_count_key')
        batch_op.create_index('ix_stock_events_count_key', ['count_key'], unique=False)
        batch_op.drop_constraint('fk_stock_events_location_id_locations', type_='foreignkey')
        batch_op.drop_constraint('fk_stock_events_item_id_items', type_='foreignkey')
        batch_op.create_foreign_key('fk_stock_events_location_id_locations', 'locations',
                                    ['location_id'], ['id'])
        batch_op.create_foreign_key('fk_stock_events_item_id_items', 'items', ['item_id'], ['id'])
        batch_op.create_foreign_key('fk_stock_events_store_id_stores', 'stores', ['store_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_id_store_id', type_='unique')
    with op.batch_alter_table('locations', schema=None) as batch_op:
        batch_op.drop_constraint('uq_locations_id_store_id', type_='unique')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('uq_items_id_store_id', type_='unique')
