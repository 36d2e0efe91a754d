"""initiatives written by hand or from a CSV/XLSX template: their own external key (re-import
updates by it) and the Secretariat's comment when returning one to its partners

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 13:05:00.000000

"""

from alembic import op
import sqlalchemy as sa


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("initiatives", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_key", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("return_comment", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_initiatives_external_key", ["external_key"])
        batch_op.create_foreign_key(
            "fk_initiatives_created_by_id_users", "users", ["created_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("initiatives", schema=None) as batch_op:
        batch_op.drop_constraint("fk_initiatives_created_by_id_users", type_="foreignkey")
        batch_op.drop_constraint("uq_initiatives_external_key", type_="unique")
        batch_op.drop_column("created_by_id")
        batch_op.drop_column("return_comment")
        batch_op.drop_column("external_key")
