"""Indexed Chinese name search on PostgreSQL: gram functions and GIN indexes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from models.search import DROP_GRAMS_FUNCTIONS, GRAM_INDEXED, GRAMS_FUNCTIONS

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite searches with LIKE; the gram index is a PostgreSQL feature
    for statement in GRAMS_FUNCTIONS:
        op.execute(statement)
    for table, column in sorted(GRAM_INDEXED):
        op.execute(f"CREATE INDEX ix_{table}_{column}_grams ON {table} USING gin (hongfan_grams({column}))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in sorted(GRAM_INDEXED):
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_grams")
    for statement in DROP_GRAMS_FUNCTIONS:
        op.execute(statement)
