"""requests and programmes indexed by creation time: a briefing pack reads the newest
records of its period (a bounded range scan, whatever the size of the catalogue)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 22:30:00

"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

TABLES = ("requests", "programmes")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"ix_{table}_created_at", ["created_at"], unique=False)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_created_at")
