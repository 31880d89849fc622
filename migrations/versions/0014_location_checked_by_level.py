"""ledger locations checked once per stream, by the level row's key, not by every ledger row

Every stock event and transfer locked its location row (FOR KEY SHARE) through a foreign
key, and a store has a handful of locations, so concurrent sync batches queued on them.
The level row of each (item, location) stream, which the ledger creates in the transaction
that appends the stream's first event, now carries the keys (item_id, store_id) -> items
and (location_id, store_id) -> locations; stock events keep (item_id, store_id) -> items,
so an event, its level row and its location belong to one store. A level row's updates
check nothing (its key columns do not change).

Revision ID: 0014_location_checked_by_level
Revises: 0013_ledger_store_keys
Create Date: 2026-11-28 07:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_location_checked_by_level'
down_revision = '0013_ledger_store_keys'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.drop_constraint('fk_stock_levels_store_id_stores', type_='foreignkey')
        batch_op.drop_constraint('fk_stock_levels_item_id_items', type_='foreignkey')
        batch_op.drop_constraint('fk_stock_levels_location_id_locations', type_='foreignkey')
        batch_op.create_foreign_key('fk_stock_levels_item_id_items', 'items',
                                    ['item_id', 'store_id'], ['id', 'store_id'])
        batch_op.create_foreign_key('fk_stock_levels_location_id_locations', 'locations',
                                    ['location_id', 'store_id'], ['id', 'store_id'])
    with op.batch_alter_table('stock_events', schema=None) as batch_op:
        batch_op.drop_constraint('fk_stock_events_location_id_locations', type_='foreignkey')
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_transfers_from_location_id_locations', type_='foreignkey')
        batch_op.drop_constraint('fk_transfers_to_location_id_locations', type_='foreignkey')


def downgrade():
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_transfers_from_location_id_locations', 'locations',
                                    ['from_location_id'], ['id'])
        batch_op.create_foreign_key('fk_transfers_to_location_id_locations', 'locations',
                                    ['to_location_id'], ['id'])
    with op.batch_alter_table('stock_events', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_stock_events_location_id_locations', 'locations',
                                    ['location_id', 'store_id'], ['id', 'store_id'])
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.drop_constraint('fk_stock_levels_location_id_locations', type_='foreignkey')
        batch_op.drop_constraint('fk_stock_levels_item_id_items', type_='foreignkey')
        batch_op.create_foreign_key('fk_stock_levels_item_id_items', 'items', ['item_id'], ['id'])
        batch_op.create_foreign_key('fk_stock_levels_location_id_locations', 'locations',
                                    ['location_id'], ['id'])
        batch_op.create_foreign_key('fk_stock_levels_store_id_stores', 'stores', ['store_id'], ['id'])
