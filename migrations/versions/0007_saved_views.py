"""Saved list views of the admin UI: per user and list, named columns, filters and sort.

Revision ID: 0007_saved_views
Revises: 0006_pinyin
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007_saved_views"
down_revision: str | Sequence[str] | None = "0006_pinyin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("list_slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_admin_saved_view_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_saved_view")),
        sa.UniqueConstraint(
            "user_id", "list_slug", "name", name=op.f("uq_admin_saved_view_user_id_list_slug_name")
        ),
    )
    op.create_index(
        op.f("ix_admin_saved_view_user_id"), "admin_saved_view", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_admin_saved_view_user_id"), table_name="admin_saved_view")
    op.drop_table("admin_saved_view")
