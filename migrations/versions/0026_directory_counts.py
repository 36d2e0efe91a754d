"""directory counts: requests per state and programmes per organisation, per visibility level

The country and organisation lists (and their API twins) read these stored counts instead of
counting the catalogue in each view (``kb.directory.counts``). Filled here from the records, so
the lists show the right numbers before the next ``flask match refresh``.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 22:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

#: As ``kb.access.PUBLISHED`` and ``kb.reports.counts.level_of`` on this date.
LEVEL = (
    "CASE WHEN status IN ({published}) AND visibility IN ('public', 'verified') "
    "THEN visibility ELSE 'secretariat' END"
)
PUBLISHED = {
    "requests": "'open', 'matched', 'in_progress', 'fulfilled', 'closed'",
    "programmes": "'open', 'closed'",
}


def upgrade():
    op.create_table(
        "directory_facts",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("record_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("kind", "record_id"),
    )
    with op.batch_alter_table("directory_facts", schema=None) as batch_op:
        batch_op.create_index("ix_directory_facts_cell", ["kind", "key", "level"], unique=False)
    op.create_table(
        "directory_counts",
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", "level"),
    )
    for table, kind, key in (
        ("requests", "request", "country_code"),
        ("programmes", "programme", "CAST(organisation_id AS VARCHAR(40))"),
    ):
        level = LEVEL.format(published=PUBLISHED[table])
        op.execute(
            f"INSERT INTO directory_facts (kind, record_id, key, level) "
            f"SELECT '{kind}', id, {key}, {level} FROM {table}"
        )
    op.execute(
        "INSERT INTO directory_counts (kind, key, level, count) "
        "SELECT kind, key, level, COUNT(*) FROM directory_facts GROUP BY kind, key, level"
    )


def downgrade():
    op.drop_table("directory_counts")
    with op.batch_alter_table("directory_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_directory_facts_cell")
    op.drop_table("directory_facts")
