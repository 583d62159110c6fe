"""One saved filter per person and name, kept by a unique key (saving under a name already used replaces that
filter; a row lock did this before, which SQLite ignores, so two saves at once could keep two). Copies of one
name saved before this keep only the newest: the latest saved, and of those saved at the same instant the
last row.

Revision ID: 0010_saved_filter_unique_name
Revises: 0009_attachment_form_key
Create Date: 2026-12-01 21:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_saved_filter_unique_name'
down_revision = '0009_attachment_form_key'
branch_labels = None
depends_on = None


def upgrade():
    # A row goes when a newer one of the same person and name exists (plain SQL, the same on both databases).
    op.execute(
        "DELETE FROM saved_filter WHERE EXISTS (SELECT 1 FROM saved_filter AS newer "
        "WHERE newer.user_id = saved_filter.user_id AND newer.name = saved_filter.name "
        "AND (newer.created_at > saved_filter.created_at "
        "OR (newer.created_at = saved_filter.created_at AND newer.id > saved_filter.id)))"
    )
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_saved_filter_user_name', ['user_id', 'name'])


def downgrade():
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.drop_constraint('uq_saved_filter_user_name', type_='unique')
