"""A change filing keeps the values filed (the new area, address, business direction or operator) and those
on record when it was filed, so the dossier says what changed, not only that something did.

Revision ID: 0008_change_filing_values
Revises: 0007_objection_queue
Create Date: 2026-12-01 18:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_change_filing_values'
down_revision = '0007_objection_queue'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('change_filing', schema=None) as batch_op:
        batch_op.add_column(sa.Column('filed_values', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('change_filing', schema=None) as batch_op:
        batch_op.drop_column('filed_values')
