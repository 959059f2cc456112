"""Admin lists at a million rows: an index on (column, id) for every sortable column of
students, grants and internships (#16.2).

The lists order by a column with the id as tiebreak in the same direction and page by the
row comparison ``(column, id) > (:v, :w)``; an index on ``(column, id)`` serves that order
both ways and starts its range at the position. It replaces the column's plain index
(which it covers); ``version`` had none. Frozen here as ``models.keyset`` declared them at
this revision.

Revision ID: 0015_keyset_indexes
Revises: 0014_sqlite_name_search
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015_keyset_indexes"
down_revision: str | Sequence[str] | None = "0014_sqlite_name_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMMON = ["created_at", "updated_at", "version", "deleted_at"]
SORTED = {
    "scholarship_student": [
        *COMMON,
        "name_pinyin",
        "gender",
        "organisation_id",
        "university",
        "major",
        "enrolment_year",
        "graduation_year",
        "employment_outcome",
    ],
    "scholarship_grant": [
        *COMMON,
        "student_id",
        "organisation_id",
        "year",
        "amount",
        "funding_source",
    ],
    "internship": [
        *COMMON,
        "student_id",
        "company_id",
        "organisation_id",
        "position",
        "start_date",
        "end_date",
        "status",
    ],
}
UNINDEXED = {"version"}  # no plain index before this revision


def upgrade() -> None:
    for table, columns in SORTED.items():
        for column in columns:
            op.create_index(f"ix_{table}_{column}_id", table, [column, "id"])
            if column not in UNINDEXED:
                op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, columns in SORTED.items():
        for column in columns:
            if column not in UNINDEXED:
                op.create_index(f"ix_{table}_{column}", table, [column])
            op.drop_index(f"ix_{table}_{column}_id", table_name=table)
