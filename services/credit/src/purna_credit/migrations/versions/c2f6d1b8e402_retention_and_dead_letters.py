"""messaging: dead letters kept in the database, indexes for the retention sweeper

Revision ID: c2f6d1b8e402
Revises: 5b1c0e7d2a90
Create Date: 2026-12-02 11:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = 'c2f6d1b8e402'
down_revision: Union[str, None] = '5b1c0e7d2a90'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_POSITION = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('dead_letters',
    sa.Column('id', _POSITION, autoincrement=True, nullable=False),
    sa.Column('consumer_group', sa.String(length=100), nullable=False),
    sa.Column('stream', sa.String(length=200), nullable=False, comment='the original stream key'),
    sa.Column('entry_id', sa.String(length=40), nullable=False, comment='the original entry id'),
    sa.Column('event_id', sa.String(length=36), nullable=True, comment='the envelope id, when it had one'),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('original', sa.Text(), nullable=False, comment="the original entry's fields as JSON"),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('redriven_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dead_letters')),
    comment="dead letters of this service's consumer groups; they survive Redis losing its data"
    )
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.create_index('ix_dead_letters_failed_at', ['failed_at'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_published_at', ['published_at'], unique=False)
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_processed_at', ['processed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_processed_at')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_published_at')
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_index('ix_dead_letters_failed_at')
    op.drop_table('dead_letters')
