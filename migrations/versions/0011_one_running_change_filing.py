"""One change filing of a space under way at a time, kept by the database: a partial unique index over the
running change filings (SQLite and PostgreSQL alike). The app checked for a filing under way before starting
one, but two starts at the same instant (two tabs, each with its own form token) both passed the check.

A database that already holds two running filings of one space (made before the check existed) is not
changed: the upgrade stops and names them, since which filing to keep is the operator's decision, not the
upgrade's. Let the operator withdraw the surplus one from its step (or the recommending unit send it back
first, if it was handed in), then run the upgrade again.

Revision ID: 0011_one_running_change_filing
Revises: 0010_saved_filter_unique_name
Create Date: 2026-12-01 22:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011_one_running_change_filing'
down_revision = '0010_saved_filter_unique_name'
branch_labels = None
depends_on = None

INDEX = 'ix_process_instance_one_running_change_filing'
RUNNING_CHANGE_FILING = "process_id = 'change_filing' AND status = 'running'"  # as webapp/models/workflow.py


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name not in ('sqlite', 'postgresql'):
        return  # the model makes the index on these two only (a plain unique index would forbid a second filing ever)
    duplicates = bind.execute(sa.text(
        f"SELECT subject_type, subject_id, COUNT(*) FROM process_instance WHERE {RUNNING_CHANGE_FILING} "
        "GROUP BY subject_type, subject_id HAVING COUNT(*) > 1 ORDER BY subject_id")).all()
    if duplicates:
        cases = "; ".join(
            f"{subject_type} {subject_id}: cases " + ", ".join(str(i) for i in bind.execute(sa.text(
                f"SELECT id FROM process_instance WHERE {RUNNING_CHANGE_FILING} "
                "AND subject_type = :t AND subject_id = :s ORDER BY id"), {"t": subject_type, "s": subject_id}).scalars())
            for subject_type, subject_id, _count in duplicates)
        raise RuntimeError(
            "cannot keep one change filing per space under way: these spaces have several running change filings "
            f"({cases}). Have the operator withdraw the surplus ones (a filing handed in is first sent back by the "
            "recommending unit), then run the upgrade again; nothing was changed.")
    op.create_index(INDEX, 'process_instance', ['subject_type', 'subject_id'], unique=True,
                    sqlite_where=sa.text(RUNNING_CHANGE_FILING), postgresql_where=sa.text(RUNNING_CHANGE_FILING))


def downgrade():
    if op.get_bind().dialect.name in ('sqlite', 'postgresql'):
        op.drop_index(INDEX, table_name='process_instance')
