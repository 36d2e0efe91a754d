"""match pending: a committed change to a request or programme whose match refresh has not
run yet (pages say their list is being updated; docs/ARCHITECTURE.md, "Matching: how matches
stay current")

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-04 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "match_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_match_pending_record", "match_pending", ["kind", "record_id"])


def downgrade():
    op.drop_index("ix_match_pending_record", table_name="match_pending")
    op.drop_table("match_pending")
