"""participants: the shared participant-copy policy (per-field versions, placeholders)

Revision ID: 5b1c0e7d2a90
Revises: 121835a8d872
Create Date: 2026-12-02 11:15:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "5b1c0e7d2a90"
down_revision: Union[str, None] = "121835a8d872"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_REGISTRATION_FIELDS = (
    ("office", sa.String(length=16)),
    ("category", sa.String(length=20)),
    ("birth_date", sa.Date()),
    ("marital_status", sa.String(length=20)),
    ("province_code", sa.String(length=2)),
    ("regency_code", sa.String(length=4)),
)


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(
            sa.Column("registered", sa.Boolean(), server_default=sa.text("true"), nullable=False)
        )
        batch.add_column(sa.Column("field_versions", sa.JSON(), nullable=True))
        for name, type_ in _REGISTRATION_FIELDS:
            batch.alter_column(name, existing_type=type_, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM participants WHERE NOT registered")
    with op.batch_alter_table("participants") as batch:
        for name, type_ in _REGISTRATION_FIELDS:
            batch.alter_column(name, existing_type=type_, nullable=False)
        batch.drop_column("field_versions")
        batch.drop_column("registered")
