"""Searched names get a finer statistics sample on PostgreSQL (#16.5).

Each column with a grams index (the names and titles people search, and their pinyin
search columns) gets ``SET STATISTICS 1000`` and is analysed again: with PostgreSQL's
default of 100 histogram values the planner's estimate for ``name ILIKE '%华%'`` swung
between 0.01 % and 2 % of the rows from one ANALYZE to the next, and a frequent term's
first page was planned as a full scan and a sort (450 ms at 1M) instead of a walk of the
name order (3.5 ms). The list of columns is frozen here. SQLite: nothing to do.

Revision ID: 0020_name_statistics
Revises: 0019_tally_rollup
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_name_statistics"
down_revision: str | Sequence[str] | None = "0019_tally_rollup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED: dict[str, tuple[str, ...]] = {
    "organisation": ("name", "name_pinyin_search"),
    "company": ("name", "name_pinyin_search"),
    "scholarship_student": ("name", "name_pinyin_search"),
    "service_site": ("name", "name_pinyin_search"),
    "volunteer": ("name", "name_pinyin_search"),
    "activity": ("title", "title_pinyin_search"),
    "course": ("title", "title_pinyin_search"),
    "enrolment": ("name", "name_pinyin_search"),
}


def _target(value: int, analyse: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in SEARCHED.items():
        for column in columns:
            op.execute(sa.text(f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {value}"))
        if analyse:  # a few seconds at a million rows: the estimates are right from now on
            op.execute(sa.text(f"ANALYZE {table} ({', '.join(columns)})"))


def upgrade() -> None:
    _target(1000, analyse=True)


def downgrade() -> None:
    _target(-1, analyse=False)
