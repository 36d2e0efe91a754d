"""saved searches and the alerts they raised (saved_searches, alert_hits)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_saved_searches_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_saved_searches_user_id")),
    )
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_searches_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_saved_searches_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_saved_searches_created_at"), ["created_at"], unique=False
        )
    op.create_table(
        "alert_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("saved_search_id", sa.Integer(), nullable=False),
        sa.Column("record_kind", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("email_due", sa.Boolean(), nullable=False),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["saved_search_id"],
            ["saved_searches.id"],
            name=op.f("fk_alert_hits_saved_search_id_saved_searches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_hits")),
        sa.UniqueConstraint(
            "saved_search_id",
            "record_kind",
            "record_id",
            name=op.f("uq_alert_hits_saved_search_id"),
        ),
    )
    with op.batch_alter_table("alert_hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_hits_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_alert_hits_due", ["email_due", "saved_search_id"], unique=False)


def downgrade():
    with op.batch_alter_table("alert_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_alert_hits_due")
        batch_op.drop_index(batch_op.f("ix_alert_hits_created_at"))
    op.drop_table("alert_hits")
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_searches_created_at"))
        batch_op.drop_index(batch_op.f("ix_saved_searches_kind"))
        batch_op.drop_index(batch_op.f("ix_saved_searches_user_id"))
    op.drop_table("saved_searches")
