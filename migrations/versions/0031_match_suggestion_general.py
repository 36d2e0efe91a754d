"""match suggestion general: the engine's ``Match.general`` stored with each pair (a standing
general offer on one of the need's themes in a shared language, which a request's list keeps
under the least listed score; docs/MATCHING.md, "General offers")

Existing rows are false until the next ``flask match refresh`` rewrites them.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-04 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("match_suggestions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("general", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("match_suggestions", schema=None) as batch_op:
        batch_op.drop_column("general")
