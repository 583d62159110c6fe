"""A one-time token on each case started from a form (a change filing, a national filing, a violation
report), unique, so that the same form posted twice, or twice at once, starts one case.

Revision ID: 0006_instance_start_token
Revises: 0005_instance_fault_flag
Create Date: 2026-12-01 16:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_instance_start_token'
down_revision = '0005_instance_fault_flag'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_process_instance_start_token'), ['start_token'])


def downgrade():
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_process_instance_start_token'), type_='unique')
        batch_op.drop_column('start_token')
