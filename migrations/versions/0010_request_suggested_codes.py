"""request suggested codes: themes and support types suggested for a need written in prose

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suggested_themes', sa.String(length=1000), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('suggested_support_types', sa.String(length=1000), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_column('suggested_support_types')
        batch_op.drop_column('suggested_themes')
