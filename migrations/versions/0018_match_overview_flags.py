"""match overview flags: each request's best pairs for public, verified and Secretariat
viewers of the Matches page, stored with its list (read through one index per viewer class)

Existing rows get no flag: until `flask match refresh` stores them (`--if-empty` does on
an upgraded install), the page ranks pairs as before.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 10:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

COLUMNS = ("overview_public", "overview_verified", "overview_all")


def upgrade():
    with op.batch_alter_table("match_suggestions", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.add_column(
                sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false())
            )
        for column in COLUMNS:
            batch_op.create_index(
                f"ix_match_suggestions_{column}", ["side", column, "score"], unique=False
            )


def downgrade():
    with op.batch_alter_table("match_suggestions", schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.drop_index(f"ix_match_suggestions_{column}")
        for column in COLUMNS:
            batch_op.drop_column(column)
