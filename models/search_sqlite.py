"""Chinese substring search that an index serves on SQLite (#16.7): an FTS5 table per table.

Each table with searched names — the columns :func:`models.search.gram_indexed` lists, the
same declarations that give PostgreSQL its grams indexes — gets an FTS5 table ``fts_<table>``
with one column per searched name. It holds each name split into single characters
separated by spaces, under the row's id; triggers on the table keep it in step with every
insert, update and delete, in plain SQL (no application function: the database stays
writable by any SQLite client). The split text is stored (not a contentless table): a
row is removed from the index by its id alone, so a row the index never held is no error. A one-character term is then a token query and a
longer one a phrase query (its characters adjacent, in order), so the index finds a
superset of the rows whose name contains the term, at any length, Chinese and pinyin
alike. :class:`models.search.TextContains` checks the LIKE on those candidates, so the
results are exactly the LIKE's.

migrations/versions/0014 holds a frozen copy of these statements; a test compares what
the migration makes with what ``create_all`` makes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

PREFIX = "fts_"
TOKENIZER = "unicode61 remove_diacritics 0"


def index_name(table: str) -> str:
    return f"{PREFIX}{table}"


def spaced(ref: str) -> str:
    """SQL for the text ``ref`` (``new.name``, ``t.name``) as its characters separated by spaces.

    json_each over an array of length(ref) zeros numbers the characters (a trigger may not
    hold a WITH clause); NULL stays NULL.
    """
    numbers = f"'[' || rtrim(replace(hex(zeroblob(length({ref}))), '00', '0,'), ',') || ']'"
    return f"(SELECT group_concat(substr({ref}, key + 1, 1), ' ') FROM json_each({numbers}))"


def create_statements(table: str, columns: Sequence[str]) -> list[str]:
    """The FTS5 table of ``table``'s searched ``columns``, its triggers, its first filling."""
    fts = index_name(table)
    names = ", ".join(columns)

    def values(row: str) -> str:
        return ", ".join(spaced(f"{row}.{c}") for c in columns)

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


def drop_statements(table: str) -> list[str]:
    fts = index_name(table)
    return [
        f"DROP TRIGGER IF EXISTS {fts}_update",
        f"DROP TRIGGER IF EXISTS {fts}_delete",
        f"DROP TRIGGER IF EXISTS {fts}_insert",
        f"DROP TABLE IF EXISTS {fts}",
    ]


def is_index_table(name: str) -> bool:
    """``name`` is an FTS table or one of its shadow tables (``fts_<table>_data`` …); no
    model's table is named so."""
    return name.startswith(PREFIX)


def _surely_a_token(character: str) -> bool:
    """unicode61 keeps ``character`` as a token: ASCII letters and digits, CJK ideographs."""
    return (character.isascii() and character.isalnum()) or "\u3400" <= character <= "\u9fff"


def match_query(column: str, value: str) -> str | None:
    """The FTS5 query for rows whose ``column`` may contain ``value``: its characters as a
    phrase. None when no character is surely a token (the index could not narrow: an
    empty phrase matches nothing, so such a term is left to the LIKE alone)."""
    if not any(_surely_a_token(c) for c in value):
        return None
    phrase = " ".join(value).replace('"', '""')
    return f'{{{column}}} : "{phrase}"'


def candidates(table: Any, source_table: str, query: str) -> sa.ColumnElement[bool]:
    """``table``'s rows (a table or an alias of it) that the index of ``source_table`` finds."""
    fts = index_name(source_table)
    found: sa.Select[Any] = (
        sa.select(sa.literal_column("rowid"))
        .select_from(sa.table(fts))
        .where(sa.literal_column(fts).op("MATCH")(sa.literal(query, sa.Text)))
    )
    return table.c.id.in_(found)  # type: ignore[no-any-return]


def install(table: sa.Table) -> None:
    """Create (and drop) ``table``'s FTS table with it under ``create_all`` on SQLite."""
    from models.search import gram_indexed

    if table.info.get("fts"):
        return
    table.info["fts"] = True

    def after_create(target: sa.Table, connection: sa.Connection, **_: Any) -> None:
        columns = gram_indexed(target)
        if connection.dialect.name == "sqlite" and columns:
            for statement in create_statements(target.name, columns):
                connection.exec_driver_sql(statement)

    def after_drop(target: sa.Table, connection: sa.Connection, **_: Any) -> None:
        if connection.dialect.name == "sqlite":
            for statement in drop_statements(target.name):
                connection.exec_driver_sql(statement)

    sa.event.listen(table, "after_create", after_create)
    sa.event.listen(table, "after_drop", after_drop)
