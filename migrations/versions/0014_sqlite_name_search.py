"""Indexed Chinese name search on SQLite (#16.7): an FTS5 table of single characters per
table with searched names, kept by triggers. PostgreSQL has its grams indexes (0003).

Each searched name (the columns with a grams index on PostgreSQL) is held in
``fts_<table>`` split into characters separated by spaces, under the row's id; a search
term is a phrase of its characters there. Frozen copy of models/search_sqlite.py as it
was when this revision was written.

Revision ID: 0014_sqlite_name_search
Revises: 0013_persisted_operations
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014_sqlite_name_search"
down_revision: str | Sequence[str] | None = "0013_persisted_operations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED: dict[str, tuple[str, ...]] = {
    "activity": ("title", "title_pinyin_search"),
    "company": ("name", "name_pinyin_search"),
    "course": ("title", "title_pinyin_search"),
    "enrolment": ("name", "name_pinyin_search"),
    "organisation": ("name", "name_pinyin_search"),
    "scholarship_student": ("name", "name_pinyin_search"),
    "service_site": ("name", "name_pinyin_search"),
    "volunteer": ("name", "name_pinyin_search"),
}
TOKENIZER = "unicode61 remove_diacritics 0"


def _spaced(ref: str) -> str:
    numbers = f"'[' || rtrim(replace(hex(zeroblob(length({ref}))), '00', '0,'), ',') || ']'"
    return f"(SELECT group_concat(substr({ref}, key + 1, 1), ' ') FROM json_each({numbers}))"


def _create(table: str, columns: Sequence[str]) -> list[str]:
    fts = f"fts_{table}"
    names = ", ".join(columns)

    def values(row: str) -> str:
        return ", ".join(_spaced(f"{row}.{c}") for c in columns)

    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, tokenize='{TOKENIZER}')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {values('new')}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.id; END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.id; "
        f"INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {values('new')}); END",
        f"INSERT INTO {fts} (rowid, {names}) SELECT id, {values(table)} FROM {table}",
    ]


def _drop(table: str) -> list[str]:
    fts = f"fts_{table}"
    return [
        f"DROP TRIGGER IF EXISTS {fts}_update",
        f"DROP TRIGGER IF EXISTS {fts}_delete",
        f"DROP TRIGGER IF EXISTS {fts}_insert",
        f"DROP TABLE IF EXISTS {fts}",
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL searches through its grams indexes (0003)
    for table, columns in sorted(SEARCHED.items()):
        for statement in _create(table, columns):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in sorted(SEARCHED):
        for statement in _drop(table):
            op.execute(statement)
