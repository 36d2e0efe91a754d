"""world-map facts: one row per programme (its audience), not one per state it is open to

A programme open to some states keeps them in ``state_facts.audience`` (with ``state`` ``~``)
instead of one fact per state: at 100,000 programmes that was about 3 million rows. Existing
per-state rows stay valid (they are read as before) and are replaced by the new form as their
programmes change, or all at once by ``flask match refresh``.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 16:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("state_facts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audience", sa.Text(), nullable=True))
        batch_op.create_index(
            "ix_state_facts_audience", ["kind", "level", "audience"], unique=False
        )


def downgrade():
    # Audience rows cannot be read by the earlier code: drop them; ``flask match refresh``
    # writes the per-state rows again.
    op.execute("DELETE FROM state_facts WHERE audience IS NOT NULL")
    with op.batch_alter_table("state_facts", schema=None) as batch_op:
        batch_op.drop_index("ix_state_facts_audience")
        batch_op.drop_column("audience")
