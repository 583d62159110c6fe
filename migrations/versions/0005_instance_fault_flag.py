"""A flag on each case that says a fault of its diagram is open, so that saving a case (every completion and
every timer) needs no UPDATE of the fault table unless there is one to resolve. The flag is set for the cases
whose faults are open now.

Revision ID: 0005_instance_fault_flag
Revises: 0004_list_indexes
Create Date: 2026-12-01 11:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005_instance_fault_flag'
down_revision = '0004_list_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('has_open_fault', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE process_instance SET has_open_fault = true WHERE id IN "
               "(SELECT instance_id FROM process_fault WHERE resolved_at IS NULL AND instance_id IS NOT NULL)")


def downgrade():
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_column('has_open_fault')
