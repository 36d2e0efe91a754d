"""listed codes: the codes programmes list in their eligibility code lists, stored

The SQL eligibility filter tests only the states and regions some programme lists
(``kb.catalogue.listed``); reading them from every programme in a page view was catalogue-wide
work. Filled here from the programmes; kept current in the transaction of each programme write.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 10:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

#: The code-list columns whose codes are stored (``kb.catalogue.listed.FIELDS`` on this date).
FIELDS = ("eligible_countries", "eligible_regions")


def upgrade():
    op.create_table(
        "listed_codes",
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("field", "code"),
    )
    connection = op.get_bind()
    pairs = set()
    for field in FIELDS:  # stored as "|A|B|" (kb.models.types.CodeList)
        for (value,) in connection.execute(sa.text(f"SELECT DISTINCT {field} FROM programmes")):
            pairs.update((field, code) for code in (value or "").split("|") if code)
    if pairs:
        table = sa.table("listed_codes", sa.column("field"), sa.column("code"))
        op.bulk_insert(table, [{"field": f, "code": c} for f, c in sorted(pairs)])


def downgrade():
    op.drop_table("listed_codes")
