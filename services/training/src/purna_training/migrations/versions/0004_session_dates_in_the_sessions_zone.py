"""session dates are in the zone of the place a session is held, not NTB's

Only column comments change. SQLite keeps no column comments, so there is nothing to do there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 11:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_OLD = {"start_date": "first day (WITA)", "end_date": "last day (WITA)"}
_NEW = {
    "start_date": "first day (date where the session is held)",
    "end_date": "last day (date where the session is held)",
}


def _comment(comments: dict[str, str], previous: dict[str, str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for column, comment in comments.items():
        op.alter_column(
            "training_sessions",
            column,
            existing_type=sa.Date(),
            existing_nullable=False,
            comment=comment,
            existing_comment=previous[column],
        )


def upgrade() -> None:
    _comment(_NEW, _OLD)


def downgrade() -> None:
    _comment(_OLD, _NEW)
