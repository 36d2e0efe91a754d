"""supply-and-demand and world-map facts keep a programme's last available day

Readers leave out a programme that lapsed since the counts were stored (no figure of
yesterday shown as today's).

Existing programme facts get the earlier of the programme's end date and application
deadline (the availability rule, search/matching/eligibility.py, as of this revision).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 13:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TABLES = ("match_facts", "state_facts")
LAST_DAY = """
    SELECT CASE WHEN p.end_date IS NULL THEN p.application_deadline
                WHEN p.application_deadline IS NULL THEN p.end_date
                WHEN p.application_deadline < p.end_date THEN p.application_deadline
                ELSE p.end_date END
    FROM programmes p WHERE p.id = {table}.record_id
"""


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("available_until", sa.Date(), nullable=True))
            batch_op.create_index(f"ix_{table}_until", ["available_until"], unique=False)
        op.execute(
            f"UPDATE {table} SET available_until = ({LAST_DAY.format(table=table)}) "
            "WHERE kind = 'programme'"
        )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_until")
            batch_op.drop_column("available_until")
