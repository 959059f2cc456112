"""API tokens remember the token that created them, so revoking one revokes its offspring (#12.7).

Revision ID: 0011_token_lineage
Revises: 0010_authorship
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.frozen.triggers_0010 import triggers_set_aside

revision: str = "0011_token_lineage"
down_revision: str | Sequence[str] | None = "0010_authorship"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with triggers_set_aside(op.get_bind()):
        with op.batch_alter_table("api_token") as batch:
            batch.add_column(sa.Column("parent_token_id", sa.Integer(), nullable=True))
            batch.create_index(
                batch.f("ix_api_token_parent_token_id"), ["parent_token_id"], unique=False
            )
            batch.create_foreign_key(
                batch.f("fk_api_token_parent_token_id_api_token"),
                "api_token",
                ["parent_token_id"],
                ["id"],
            )


def downgrade() -> None:
    with triggers_set_aside(op.get_bind()):
        with op.batch_alter_table("api_token") as batch:
            batch.drop_constraint(
                batch.f("fk_api_token_parent_token_id_api_token"), type_="foreignkey"
            )
            batch.drop_index(batch.f("ix_api_token_parent_token_id"))
            batch.drop_column("parent_token_id")
