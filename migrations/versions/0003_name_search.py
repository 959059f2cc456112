"""Indexed Chinese name search on PostgreSQL: gram functions and GIN indexes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies, as they were when this revision was written: a migration never reads
# the live models (a type added later gets its own index in its own migration).
GRAMS_FUNCTIONS = [
    # The grams of a text: every character and every pair of adjacent characters, lower-cased.
    """
    CREATE OR REPLACE FUNCTION hongfan_grams(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
      SELECT coalesce(array_agg(DISTINCT gram), '{}') FROM (
        SELECT substr(lower(value), i, 1) AS gram FROM generate_series(1, length(value)) AS i
        UNION ALL
        SELECT substr(lower(value), i, 2) FROM generate_series(1, length(value) - 1) AS i
      ) AS grams
    $$
    """,
    # What a search string requires: its pairs, or the character itself when it is one long.
    """
    CREATE OR REPLACE FUNCTION hongfan_query_grams(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
      SELECT CASE WHEN length(value) <= 1 THEN ARRAY[lower(value)]
        ELSE ARRAY(SELECT DISTINCT substr(lower(value), i, 2) FROM generate_series(1, length(value) - 1) AS i)
      END
    $$
    """,
]
DROP_GRAMS_FUNCTIONS = [
    "DROP FUNCTION IF EXISTS hongfan_query_grams(text)",
    "DROP FUNCTION IF EXISTS hongfan_grams(text)",
]
GRAM_INDEXED: tuple[tuple[str, str], ...] = (
    ("company", "name"),
    ("course", "title"),
    ("enrolment", "name"),
    ("organisation", "name"),
    ("scholarship_student", "name"),
    ("service_site", "name"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite searches with LIKE; the gram index is a PostgreSQL feature
    for statement in GRAMS_FUNCTIONS:
        op.execute(statement)
    for table, column in sorted(GRAM_INDEXED):
        op.execute(
            f"CREATE INDEX ix_{table}_{column}_grams ON {table} USING gin (hongfan_grams({column}))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in sorted(GRAM_INDEXED):
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_grams")
    for statement in DROP_GRAMS_FUNCTIONS:
        op.execute(statement)
