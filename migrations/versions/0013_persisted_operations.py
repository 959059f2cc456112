"""Persisted GraphQL operations (Apollo's automatic persisted queries), shared by every
process, and the operations a partner token is bound to (#14.4).

Revision ID: 0013_persisted_operations
Revises: 0012_sealed
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0013_persisted_operations"
down_revision: str | Sequence[str] | None = "0012_sealed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "persisted_operation",
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_persisted_operation")),
    )
    op.create_table(
        "api_token_operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_token.id"], name=op.f("fk_api_token_operation_token_id_api_token")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token_operation")),
        sa.UniqueConstraint(
            "token_id", "sha256", name=op.f("uq_api_token_operation_token_id_sha256")
        ),
    )
    op.create_index(
        op.f("ix_api_token_operation_token_id"), "api_token_operation", ["token_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_api_token_operation_token_id"), table_name="api_token_operation")
    op.drop_table("api_token_operation")
    op.drop_table("persisted_operation")
