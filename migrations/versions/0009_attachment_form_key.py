"""An attachment keeps the form of the step it was handed in with, so that an application's page tells a
document handed in again with the application form (it replaces the earlier version) from supplementary
material (it adds to the documents). Files already stored take the form of their step's task row.

Revision ID: 0009_attachment_form_key
Revises: 0008_change_filing_values
Create Date: 2026-12-01 20:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_attachment_form_key'
down_revision = '0008_change_filing_values'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_key', sa.String(length=100), nullable=True))
    # The step a file was uploaded at is its case's task row of that step (every row of one step of a case
    # names the same form); a file uploaded outside a step (no task_spec) keeps None.
    op.execute(
        "UPDATE attachment SET form_key = (SELECT MAX(human_task.form_key) FROM human_task "
        "WHERE human_task.instance_id = attachment.instance_id AND human_task.task_spec = attachment.task_spec "
        "AND human_task.form_key <> '') "
        "WHERE attachment.task_spec IS NOT NULL AND attachment.instance_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('form_key')
