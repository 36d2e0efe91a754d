"""request themes index: the Matches page filtered by a theme reads the requests' code lists
from an index instead of every request's row (on SQLite the rows hold the descriptions)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 11:20:00

"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index("ix_requests_themes", ["themes"], unique=False)


def downgrade():
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_themes")
