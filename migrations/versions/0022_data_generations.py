"""data_generations: a value that changes with every write to what pages show (the key of
the cached page fragments)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 13:05:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_generations",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(table, [{"name": "pages", "value": secrets.randbits(62)}])


def downgrade():
    op.drop_table("data_generations")
