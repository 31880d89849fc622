"""schedule: recurring count plans by zone, category or ABC class, their tasks, and ABC intervals

A plan has one open task at a time; a task is done when the count session started from it
is submitted. ``schedule_settings`` holds a store's intervals per class (30, 91 and 365
days when it has no row).

Revision ID: 0021_schedule_ops21
Revises: 0020_channels_ops21
Create Date: 2026-12-07 21:20:00

"""
import sqlalchemy as sa
from alembic import op

import webapp.types


# revision identifiers, used by Alembic.
revision = '0021_schedule_ops21'
down_revision = '0020_channels_ops21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('schedule_settings',
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('a_days', sa.Integer(), nullable=False),
    sa.Column('b_days', sa.Integer(), nullable=False),
    sa.Column('c_days', sa.Integer(), nullable=False),
    sa.CheckConstraint('a_days > 0 AND b_days > 0 AND c_days > 0', name=op.f('ck_schedule_settings_days_positive')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_schedule_settings_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', name=op.f('pk_schedule_settings'))
    )
    op.create_table('count_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=True),
    sa.Column('abc_class', sa.String(length=1), nullable=True),
    sa.Column('interval_days', sa.Integer(), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("abc_class IS NULL OR abc_class IN ('A', 'B', 'C')", name=op.f('ck_count_plans_class_known')),
    sa.CheckConstraint("kind IN ('zone', 'category', 'abc')", name=op.f('ck_count_plans_kind_known')),
    sa.CheckConstraint('interval_days IS NULL OR interval_days > 0', name=op.f('ck_count_plans_interval_positive')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_count_plans_assignee_id_users')),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_count_plans_location_id_locations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_count_plans_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_plans'))
    )
    with op.batch_alter_table('count_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_plans_store_id'), ['store_id'], unique=False)

    op.create_table('count_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('due_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('session_id', sa.String(length=36), nullable=True),
    sa.Column('done_at', webapp.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', webapp.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f('ck_count_tasks_status_known')),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_count_tasks_assignee_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['count_plans.id'], name=op.f('fk_count_tasks_plan_id_count_plans')),
    sa.ForeignKeyConstraint(['session_id'], ['count_sessions.id'], name=op.f('fk_count_tasks_session_id_count_sessions')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_count_tasks_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_tasks'))
    )
    with op.batch_alter_table('count_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_tasks_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index('ix_count_tasks_store_status_due', ['store_id', 'status', 'due_at'], unique=False)



def downgrade():
    with op.batch_alter_table('count_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_count_tasks_store_status_due')
        batch_op.drop_index(batch_op.f('ix_count_tasks_plan_id'))

    op.drop_table('count_tasks')
    with op.batch_alter_table('count_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_plans_store_id'))

    op.drop_table('count_plans')
    op.drop_table('schedule_settings')
