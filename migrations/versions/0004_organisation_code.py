"""Organisations: the official committee name and the statistical division code.

Revision ID: 0004_organisation_code
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004_organisation_code"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(
            sa.Column("official_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
        batch.add_column(
            sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True)
        )
        batch.create_unique_constraint(op.f("uq_organisation_code"), ["code"])


def downgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.drop_constraint(op.f("uq_organisation_code"), type_="unique")
        batch.drop_column("code")
        batch.drop_column("official_name")
