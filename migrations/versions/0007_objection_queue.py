"""An objection accepted while another of the same case is being investigated waits in a queue the case's
diagram takes it from afterwards (it used to be refused although the notice still ran).

Revision ID: 0007_objection_queue
Revises: 0006_instance_start_token
Create Date: 2026-12-01 16:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_objection_queue'
down_revision = '0006_instance_start_token'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queued', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('objection', schema=None) as batch_op:
        batch_op.drop_column('queued')
