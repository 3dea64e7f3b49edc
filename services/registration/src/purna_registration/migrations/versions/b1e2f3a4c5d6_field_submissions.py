"""field submissions (ODK Collect / KoboToolbox), each taken once by its instanceID

Revision ID: b1e2f3a4c5d6
Revises: b1e5c0a7d301
Create Date: 2026-12-02 12:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "b1e2f3a4c5d6"
down_revision: Union[str, None] = "b1e5c0a7d301"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "field_submissions",
        sa.Column("source", sa.String(length=8), nullable=False, comment="kobo or odk"),
        sa.Column("form_id", sa.String(length=64), nullable=False),
        sa.Column(
            "submission_id", sa.String(length=200), nullable=False, comment="the form's instanceID"
        ),
        sa.Column("office", sa.String(length=16), nullable=False),
        sa.Column(
            "enumerator", sa.String(length=120), nullable=True, comment="who collected it in the field"
        ),
        sa.Column(
            "status", sa.String(length=16), nullable=False, comment="registered, duplicate or rejected"
        ),
        sa.Column("participant_id", sa.String(length=36), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False, comment="[{field, message}]; never a NIK"),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "source", "form_id", "submission_id", name=op.f("pk_field_submissions")
        ),
        comment="each field submission taken once, by its instanceID; the failed ones are the "
        "report an operator fixes and resubmits",
    )
    op.create_index(
        "ix_field_submissions_report",
        "field_submissions",
        ["office", "form_id", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_field_submissions_report", table_name="field_submissions")
    op.drop_table("field_submissions")
