"""programmes.interpretation_languages (languages of interpretation or translated material);
match_suggestions.covers (the engine's "covers the need" flag, behind unmet needs)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 07:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("match_suggestions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("covers", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "interpretation_languages", sa.String(length=1000), nullable=False, server_default=""
            )
        )


def downgrade():
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("interpretation_languages")
    with op.batch_alter_table("match_suggestions", schema=None) as batch_op:
        batch_op.drop_column("covers")
