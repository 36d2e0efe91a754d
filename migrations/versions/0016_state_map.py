"""state_facts and state_aggregates: the world map's stored figures per state

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 10:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "state_facts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=3), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_state_facts_record", "state_facts", ["kind", "record_id"])
    op.create_index("ix_state_facts_cell", "state_facts", ["level", "kind", "state"])
    op.create_table(
        "state_aggregates",
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=3), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("level", "kind", "state"),
    )


def downgrade():
    op.drop_table("state_aggregates")
    op.drop_index("ix_state_facts_cell", table_name="state_facts")
    op.drop_index("ix_state_facts_record", table_name="state_facts")
    op.drop_table("state_facts")
