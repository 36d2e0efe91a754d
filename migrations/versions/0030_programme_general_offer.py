"""programme general offer: a standing service open to any need on its themes (a clearing
house, a help desk, an open online course, free curricula), which matching lists after the
programmes that fit a need (docs/MATCHING.md, "General offers")

Existing programmes are not general offers (server default false).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-04 13:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("general_offer", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("general_offer")
