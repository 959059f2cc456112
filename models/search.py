"""Chinese substring search that an index can serve.

Chinese names are two to four characters and people search with one or two of
them, which is too short for trigram indexes (pg_trgm needs three). On
PostgreSQL each indexed column gets a GIN index over its one- and two-character
grams; ``text_contains`` first narrows by gram containment (index) and then
checks the real substring. On SQLite an FTS5 table of the names' single characters
narrows the same way (models/search_sqlite.py). Other databases use a plain
case-insensitive LIKE.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from models import search_sqlite

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

GRAMS = "grams"  # column.info key: the column has a grams index (PostgreSQL)


def attach(model: Any) -> None:
    """Give every name people search for its grams index: derived, never listed by hand.

    The names people search for are the columns declared with ``pinyin=`` (organisation
    and site names, titles, people's names); each gets ``ix_<table>_<column>_grams`` on
    PostgreSQL, which Alembic's autogenerate writes into the type's migration.
    """
    table: sa.Table = model.__table__
    for column in list(table.columns):
        meta = column.info.get("meta")
        if getattr(meta, "pinyin", None) is None or column.info.get(GRAMS):
            continue
        column.info[GRAMS] = True
        search_sqlite.install(table)  # SQLite: the FTS table of every gram_indexed column
        sa.Index(  # joins the table through its column
            f"ix_{table.name}_{column.name}_grams",
            sa.func.hongfan_grams(column),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql")


def gram_indexed(table: sa.Table) -> list[str]:
    """The columns of ``table`` with a grams index, in table order."""
    return [c.name for c in table.columns if c.info.get(GRAMS)]


class TextContains(ColumnElement[bool]):
    """``column`` contains ``value``, ignoring case; indexed where the database allows.

    Both forms are built up front as ordinary expressions, so the statement's cache key
    covers them and their values stay bound parameters: the compiled SQL is cached
    like any other statement's.
    """

    inherit_cache = True
    type = sa.Boolean()
    _traverse_internals = [
        ("pattern", InternalTraversal.dp_clauseelement),
        ("indexed", InternalTraversal.dp_clauseelement),
        ("sqlite_indexed", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, value: str) -> None:
        # not "like": that would hide ColumnElement.like()
        self.pattern: ColumnElement[bool] = column.icontains(value, autoescape=True)
        # Searched names and their derived pinyin search columns carry a grams index (also
        # when read through an alias, as relation filters read them).
        indexed = bool(getattr(_source_column(column), "info", {}).get(GRAMS))
        if indexed and value:
            grams = sa.func.hongfan_grams(column).op("@>")(
                sa.func.hongfan_query_grams(sa.literal(value))
            )
            self.indexed: ColumnElement[bool] = sa.and_(grams, self.pattern)
        else:
            self.indexed = self.pattern
        self.sqlite_indexed: ColumnElement[bool] = self.pattern
        read = column.__clause_element__() if hasattr(column, "__clause_element__") else column
        query = search_sqlite.match_query(read.name, value) if indexed else None
        if query is not None:
            table = _source_column(read).table
            found = search_sqlite.candidates(read.table, table.name, query)
            self.sqlite_indexed = sa.and_(found, self.pattern)


def _source_column(column: Any) -> Any:
    """The table's own column behind ``column``, also when it is read through an alias
    (relation filters select the related rows as an alias): the index belongs to it."""
    table = getattr(column, "table", None)
    if isinstance(table, sa.Alias) and isinstance(table.element, sa.Table):
        return table.element.c.get(getattr(column, "name", ""), column)
    return column


@compiles(TextContains)
def _contains_default(element: TextContains, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.pattern, **kw)


@compiles(TextContains, "postgresql")
def _contains_postgresql(element: TextContains, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.indexed, **kw)


@compiles(TextContains, "sqlite")
def _contains_sqlite(element: TextContains, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.sqlite_indexed, **kw)


def text_contains(column: Any, value: str) -> ColumnElement[bool]:
    return TextContains(column, value)


def install_functions(metadata: sa.MetaData) -> None:
    """Create the gram functions with the tables (create_all), on PostgreSQL only."""
    for statement in GRAMS_FUNCTIONS:
        sa.event.listen(
            metadata, "before_create", sa.DDL(statement).execute_if(dialect="postgresql")
        )
    for statement in DROP_GRAMS_FUNCTIONS:
        sa.event.listen(metadata, "after_drop", sa.DDL(statement).execute_if(dialect="postgresql"))
