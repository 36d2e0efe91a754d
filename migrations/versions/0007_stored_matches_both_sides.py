"""stored matches in both directions, needs per level, supply-and-demand facts and counts

The suggestions are derived data: the table is recreated empty; `flask match refresh` (run by
`make run` when it is empty) computes it again.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-03 07:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def _suggestions(with_side):
    columns = [sa.Column('id', sa.Integer(), nullable=False)]
    if with_side:
        columns.append(sa.Column('side', sa.String(length=10), nullable=False))
    columns += [
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('quality', sa.String(length=10), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    ]
    if with_side:
        columns.append(sa.Column('level', sa.String(length=12), nullable=False))
    columns += [
        sa.ForeignKeyConstraint(['programme_id'], ['programmes.id'], name=op.f('fk_match_suggestions_programme_id_programmes')),
        sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_match_suggestions_request_id_requests')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_match_suggestions')),
    ]
    if with_side:
        columns.append(sa.UniqueConstraint('side', 'request_id', 'programme_id', name=op.f('uq_match_suggestions_side')))
    else:
        columns.append(sa.UniqueConstraint('request_id', 'programme_id', name=op.f('uq_match_suggestions_request_id')))
    op.create_table('match_suggestions', *columns)
    with op.batch_alter_table('match_suggestions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_suggestions_computed_at'), ['computed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_suggestions_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_match_suggestions_request_id'), ['request_id'], unique=False)
        if with_side:
            batch_op.create_index(batch_op.f('ix_match_suggestions_score'), ['score'], unique=False)
            batch_op.create_index('ix_match_suggestions_request_list', ['side', 'request_id', 'rank'], unique=False)
            batch_op.create_index('ix_match_suggestions_programme_list', ['side', 'programme_id', 'rank'], unique=False)
            batch_op.create_index('ix_match_suggestions_overview', ['side', 'level', 'rank', 'quality', 'score'], unique=False)


def upgrade():
    op.drop_table('match_suggestions')
    _suggestions(with_side=True)
    op.create_table('match_needs',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('best_public', sa.Float(), nullable=False),
    sa.Column('best_verified', sa.Float(), nullable=False),
    sa.Column('best_all', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['requests.id'], name=op.f('fk_match_needs_request_id_requests')),
    sa.PrimaryKeyConstraint('request_id', name=op.f('pk_match_needs'))
    )
    op.create_table('match_facts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('theme', sa.String(length=40), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_facts'))
    )
    with op.batch_alter_table('match_facts', schema=None) as batch_op:
        batch_op.create_index('ix_match_facts_record', ['kind', 'record_id'], unique=False)
        batch_op.create_index('ix_match_facts_cell', ['level', 'kind', 'theme', 'region'], unique=False)
    op.create_table('match_aggregates',
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('theme', sa.String(length=40), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('level', 'kind', 'theme', 'region', name=op.f('pk_match_aggregates'))
    )


def downgrade():
    op.drop_table('match_aggregates')
    op.drop_table('match_needs')
    with op.batch_alter_table('match_facts', schema=None) as batch_op:
        batch_op.drop_index('ix_match_facts_cell')
        batch_op.drop_index('ix_match_facts_record')
    op.drop_table('match_facts')
    op.drop_table('match_suggestions')
    _suggestions(with_side=False)
