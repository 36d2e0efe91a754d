"""observer states: countries.un_status ("member" or "observer") and calls.addressed_observers

The non-member observer States (Holy See, State of Palestine) are seeded as countries with
``un_status = "observer"``; every existing country stays a member state. Calls gain a flag
that addresses the observer States.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 13:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("countries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("un_status", sa.String(10), nullable=False, server_default="member")
        )
        batch_op.create_index("ix_countries_un_status", ["un_status"], unique=False)
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("addressed_observers", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("addressed_observers")
    with op.batch_alter_table("countries", schema=None) as batch_op:
        batch_op.drop_index("ix_countries_un_status")
        batch_op.drop_column("un_status")
