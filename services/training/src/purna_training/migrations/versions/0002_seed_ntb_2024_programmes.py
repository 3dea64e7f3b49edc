"""seed the 2024 NTB programmes

The rows come from ``purna_training.domain.programmes.NTB_2024_PROGRAMMES`` so that the
programme numbers (4 days, 20 seats, 75% attendance) live in one place. A later change to a
programme needs its own revision (an UPDATE), as this one runs once per database.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 19:45:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from purna_training.domain.programmes import NTB_2024_PROGRAMMES

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

programmes = sa.table(
    "programmes",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("category", sa.String),
    sa.column("description", sa.Text),
    sa.column("default_days", sa.Integer),
    sa.column("default_capacity", sa.Integer),
    sa.column("min_attendance_share", sa.Numeric(5, 4)),
    sa.column("assessment_required", sa.Boolean),
)


def upgrade() -> None:
    op.bulk_insert(
        programmes,
        [
            {
                "code": p.code,
                "name": p.name,
                "category": p.category.value,
                "description": p.description,
                "default_days": p.default_days,
                "default_capacity": p.default_capacity,
                "min_attendance_share": p.completion_rule.min_attendance_share,
                "assessment_required": p.completion_rule.assessment_required,
            }
            for p in NTB_2024_PROGRAMMES
        ],
    )


def downgrade() -> None:
    op.execute(
        programmes.delete().where(
            programmes.c.code.in_([p.code for p in NTB_2024_PROGRAMMES])
        )
    )
