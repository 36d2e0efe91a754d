"""job records: failed background jobs and tracked jobs (web imports)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kwargs', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_job_records_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_records'))
    )
    with op.batch_alter_table('job_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_records_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_records_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_records_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('job_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_records_status'))
        batch_op.drop_index(batch_op.f('ix_job_records_name'))
        batch_op.drop_index(batch_op.f('ix_job_records_created_at'))

    op.drop_table('job_records')
