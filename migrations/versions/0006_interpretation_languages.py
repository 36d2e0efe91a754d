"""programmes.interpretation_languages: languages of interpretation or translated material

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "interpretation_languages", sa.String(length=1000), nullable=False, server_default=""
            )
        )


def downgrade():
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("interpretation_languages")
