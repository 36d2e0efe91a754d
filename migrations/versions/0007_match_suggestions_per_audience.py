"""match_suggestions per audience, with the engine's "covers the need" flag

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:45:00

Stored suggestions are recomputed (``flask match refresh``, or after the next commit): the
old rows, ranked over every programme, are dropped.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM match_suggestions")
    with op.batch_alter_table("match_suggestions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audience", sa.String(length=12), nullable=False, server_default="secretariat")
        )
        batch_op.add_column(
            sa.Column("covers", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.drop_constraint("uq_match_suggestions_request_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_match_suggestions_audience"), ["audience", "request_id", "programme_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_match_suggestions_audience"), ["audience"], unique=False
        )


def downgrade():
    op.execute("DELETE FROM match_suggestions")
    with op.batch_alter_table("match_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_suggestions_audience"))
        batch_op.drop_constraint(batch_op.f("uq_match_suggestions_audience"), type_="unique")
        batch_op.create_unique_constraint(
            "uq_match_suggestions_request_id", ["request_id", "programme_id"]
        )
        batch_op.drop_column("covers")
        batch_op.drop_column("audience")
