"""Background jobs of spreadsheet imports and exports.

Revision ID: 0005_transfer_jobs
Revises: 0004_organisation_code
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005_transfer_jobs"
down_revision: str | Sequence[str] | None = "0004_organisation_code"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transfer_job",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("type_name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("written", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_job")),
    )
    op.create_index(op.f("ix_transfer_job_state"), "transfer_job", ["state"])
    op.create_index(op.f("ix_transfer_job_user_id"), "transfer_job", ["user_id"])
    op.create_index(op.f("ix_transfer_job_created_at"), "transfer_job", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_transfer_job_created_at"), table_name="transfer_job")
    op.drop_index(op.f("ix_transfer_job_user_id"), table_name="transfer_job")
    op.drop_index(op.f("ix_transfer_job_state"), table_name="transfer_job")
    op.drop_table("transfer_job")
