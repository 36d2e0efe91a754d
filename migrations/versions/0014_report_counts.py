"""report counts: the landscape report's figures per day of creation and visibility level;
derived-data stamps (when they were last brought up to date)

Derived data: the tables are created empty and filled by `flask match refresh` (and after
each commit for the records it changed).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_facts")),
    )
    with op.batch_alter_table("report_facts", schema=None) as batch_op:
        batch_op.create_index("ix_report_facts_record", ["kind", "record_id"], unique=False)
    op.create_table(
        "report_counts",
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "level", "kind", "day", "dimension", "code", name=op.f("pk_report_counts")
        ),
    )
    op.create_table(
        "derived_stamps",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_derived_stamps")),
    )


def downgrade():
    op.drop_table("derived_stamps")
    op.drop_table("report_counts")
    with op.batch_alter_table("report_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_report_facts_record")
    op.drop_table("report_facts")
