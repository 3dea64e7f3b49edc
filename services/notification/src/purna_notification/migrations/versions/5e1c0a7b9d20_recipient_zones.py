"""recipients' zones: the contact's home province and each delivery's zone

Quiet hours and reminders follow the recipient's zone (from their address, else their office's)
instead of NTB's for everyone. Existing rows get NULL: the dispatcher treats a delivery without
a zone as its home office's, which is what they were planned in.

Revision ID: 5e1c0a7b9d20
Revises: d3a7e2c9f503
Create Date: 2026-12-02 11:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "5e1c0a7b9d20"
down_revision: Union[str, None] = "d3a7e2c9f503"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column(
        "contacts",
        sa.Column(
            "province_code", sa.String(length=2), nullable=True, comment="home province: the reader's zone"
        ),
    )
    op.add_column(
        "deliveries",
        sa.Column("zone", sa.String(length=4), nullable=True, comment="recipient's zone when planned"),
    )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("zone")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("province_code")
