"""Chinese substring search that an index can serve.

Chinese names are two to four characters and people search with one or two of
them, which is too short for trigram indexes (pg_trgm needs three). On
PostgreSQL each indexed column gets a GIN index over its one- and two-character
grams; ``text_contains`` first narrows by gram containment (index) and then
checks the real substring. On SQLite an FTS5 table of the names' single characters
narrows the same way (models/search_sqlite.py). Other databases use a plain
case-insensitive LIKE.

On PostgreSQL, except for a frequent term. 华 is in 2 % of a million names: the grams
index hands over every one of them (22,628), which are then scoped and sorted to show
50, where walking the name's sort index with a plain LIKE stops after the first 50 that
match. So the condition is chosen by how many rows hold the term's grams — read from the
statistics ANALYZE keeps for each grams index (:func:`refresh_gram_shares`, cached per
process): a term whose every gram is in at least :data:`FREQUENT_SHARE` of the rows and
:data:`FREQUENT_ROWS` rows is the plain LIKE, any other keeps the index condition, and
a count (:func:`counting`) always does. Both give the same rows; the statement differs,
and so does its cache key (a replayed template never mixes them).
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

# ANALYZE's sample and histogram for a searched name (PostgreSQL's default is 100). The
# planner estimates ``name ILIKE '%华%'`` from the histogram's values: with 100 of them a
# term in 2.3 % of a million names was estimated at 0.01 % or at 2 %, depending on the
# sample, and a frequent term's walk in name order (3.5 ms for a first page) became a scan
# of the whole table and a sort (450 ms) whenever the sample missed it. With 1,000 the
# estimate is within a few percent (27,118 for 22,594) run after run (#16.5).
NAME_STATISTICS_TARGET = 1000


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
        sa.event.listen(
            table,
            "after_create",
            sa.DDL(
                f"ALTER TABLE {table.name} ALTER COLUMN {column.name}"
                f" SET STATISTICS {NAME_STATISTICS_TARGET}"
            ).execute_if(dialect="postgresql"),
        )


def gram_indexed(table: sa.Table) -> list[str]:
    """The columns of ``table`` with a grams index, in table order."""
    return [c.name for c in table.columns if c.info.get(GRAMS)]


class TextContains(ColumnElement[bool]):
    """``column`` contains ``value``, ignoring case; indexed where the database allows.

    Both forms are built up front as ordinary expressions, so the statement's cache key
    covers them and their values stay bound parameters: the compiled SQL is cached
    like any other statement's. ``walk`` (a frequent term) says PostgreSQL gets the plain
    LIKE, except inside :func:`counting`; it is part of the cache key too.
    """

    inherit_cache = True
    type = sa.Boolean()
    # a condition, not a boolean column: no "= 1" after it where booleans are not native
    _is_implicitly_boolean = True
    _traverse_internals = [
        ("pattern", InternalTraversal.dp_clauseelement),
        ("indexed", InternalTraversal.dp_clauseelement),
        ("sqlite_indexed", InternalTraversal.dp_clauseelement),
        ("walk", InternalTraversal.dp_boolean),
    ]

    def __init__(self, column: Any, value: str) -> None:
        # not "like": that would hide ColumnElement.like()
        self.pattern: ColumnElement[bool] = (
            column.icontains(value, autoescape=True)
            if value.lower() != value.upper()
            # a term without cased letters (华, 2023, 13900) matches the same rows either
            # way, and a plain LIKE folds no case per row: a frequent term's walk through
            # the name order at 1M took 10 ms instead of 14.5 (c_first)
            else column.contains(value, autoescape=True)
        )
        # Searched names and their derived pinyin search columns carry a grams index (also
        # when read through an alias, as relation filters read them).
        source = _source_column(column)
        indexed = bool(getattr(source, "info", {}).get(GRAMS))
        self.walk = False
        if indexed and value:
            grams = sa.func.hongfan_grams(column).op("@>")(
                sa.func.hongfan_query_grams(sa.literal(value))
            )
            self.indexed: ColumnElement[bool] = sa.and_(grams, self.pattern)
            self.walk = frequent_term(source, value)
        else:
            self.indexed = self.pattern
        self.sqlite_indexed: ColumnElement[bool] = self.pattern
        read = column.__clause_element__() if hasattr(column, "__clause_element__") else column
        query = search_sqlite.match_query(read.name, value) if indexed else None
        if query is not None:
            table = _source_column(read).table
            found = search_sqlite.candidates(read.table, table.name, query)
            self.sqlite_indexed = sa.and_(found, self.pattern)


class OnGramIndex(ColumnElement[bool]):
    """``where`` with every search in it on the grams index, even for a frequent term
    (which alone would be matched by a plain LIKE walking the sort order): for statements
    that read every match or whose matches lie sparse in the order (:func:`counting`,
    :func:`indexed`)."""

    inherit_cache = True
    type = sa.Boolean()
    _is_implicitly_boolean = True
    _traverse_internals = [("where", InternalTraversal.dp_clauseelement)]

    def __init__(self, where: ColumnElement[bool]) -> None:
        self.where = where


def counting(where: ColumnElement[bool]) -> ColumnElement[bool]:
    """``where`` as a count should search: a count reads every match, so nothing would stop
    a walk early (see :class:`OnGramIndex`)."""
    return OnGramIndex(where)


def indexed(where: ColumnElement[bool]) -> ColumnElement[bool]:
    """``where`` with its searches on the grams index even for a frequent term: for a page
    whose rows a walk in sort order would find sparsely — the admin lists, scoped to a
    district and sorted by any column, read the same matches for the page and its count
    (a walk of a district admin's 华 took 1 s at 1M: the planner probed each of the
    district's 1,222 organisations' students instead, 167,526 rows)."""
    return OnGramIndex(where)


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
    walk = element.walk and not kw.get(_ON_GRAM_INDEX)
    return "(" + compiler.process(element.pattern if walk else element.indexed, **kw) + ")"


_ON_GRAM_INDEX = "hongfan_on_gram_index"  # compiler keyword: inside an OnGramIndex


@compiles(OnGramIndex)
def _on_gram_index(element: OnGramIndex, compiler: Any, **kw: Any) -> str:
    # Parenthesised: ``where`` is often an OR, and the statement ANDs the row scope after
    # it (A OR B AND live would let deleted rows that match A through).
    return "(" + compiler.process(element.where, **{**kw, _ON_GRAM_INDEX: True}) + ")"


@compiles(TextContains, "sqlite")
def _contains_sqlite(element: TextContains, compiler: Any, **kw: Any) -> str:
    return "(" + compiler.process(element.sqlite_indexed, **kw) + ")"


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


# -- the term's selectivity (PostgreSQL) ----------------------------------------------------

# A term held by at least this share of a table's rows, and by at least this many rows, is
# searched with the plain LIKE. The grams index hands over every match, so its cost grows
# with their number; a walk along the sort order reads about page / share rows (scoped to a
# district, a sixth of the rows: ~30,000 at 1 %), whatever the table's size. Measured with
# 华 (2.3 % of the names): at 100,000 students its 2,200 matches are cheaper through the
# index (111 ms against 362 ms for the plain LIKE); at a million, its 22,600 are not.
FREQUENT_SHARE = 0.01
FREQUENT_ROWS = 10_000
REFRESH_SECONDS = 600.0

# index name → the grams frequent in its table (ANALYZE's most_common_elems of the index's
# expression, with their shares of the rows, and the table's row count); the choice of
# statement depends on these sets only, and _epoch counts their changes.
_frequent: dict[str, frozenset[str]] = {}
_epoch = 0

GRAM_SHARES_SQL = """
SELECT s.tablename, s.most_common_elems::text::text[], s.most_common_elem_freqs, t.reltuples
FROM pg_stats AS s
JOIN pg_class AS i ON i.relname = s.tablename AND i.relnamespace = s.schemaname::regnamespace
JOIN pg_index AS x ON x.indexrelid = i.oid
JOIN pg_class AS t ON t.oid = x.indrelid
WHERE s.schemaname = current_schema() AND s.tablename LIKE 'ix\\_%\\_grams'
  AND s.most_common_elems IS NOT NULL
"""


def query_grams(value: str) -> list[str]:
    """What a search requires, as ``hongfan_query_grams`` computes it (lower case: its pairs,
    or the character itself when it is one long)."""
    lowered = value.lower()
    if len(lowered) <= 1:
        return [lowered]
    return sorted({lowered[i : i + 2] for i in range(len(lowered) - 1)})


def frequent_term(column: Any, value: str) -> bool:
    """True when every gram of ``value`` is held by at least :data:`FREQUENT_SHARE` of the
    rows of ``column``'s table and by :data:`FREQUENT_ROWS` rows (so a plain LIKE finds a
    page of matches early); False without statistics (SQLite, a table not analysed yet)."""
    table = getattr(column, "table", None)
    index = f"ix_{getattr(table, 'name', '')}_{getattr(column, 'name', '')}_grams"
    frequent = _frequent.get(index, frozenset())
    return bool(frequent) and all(gram in frequent for gram in query_grams(value))


def gram_shares_epoch() -> int:
    """Changes whenever a term's choice of statement may have changed: a statement kept
    from an earlier epoch is planned again (``graph.fastlane``)."""
    return _epoch


async def refresh_gram_shares(connection: Any) -> None:
    """Read the grams indexes' statistics into the process's cache (PostgreSQL).

    ``connection`` is an SQLAlchemy ``AsyncConnection``. The shares come from ANALYZE
    (autovacuum keeps them current); they only choose the statement, never the rows.
    """
    remember_gram_shares((await connection.exec_driver_sql(GRAM_SHARES_SQL)).all())


def remember_gram_shares(rows: Any) -> None:
    """Keep the rows of :data:`GRAM_SHARES_SQL` (index, grams, their shares, the table's
    rows) as the cache."""
    global _epoch
    frequent = {
        # most_common_elem_freqs ends with three figures more (min, max, null share)
        index: frozenset(
            gram
            for gram, share in zip(elements, shares[: len(elements)], strict=True)
            if share >= FREQUENT_SHARE and share * table_rows >= FREQUENT_ROWS
        )
        for index, elements, shares, table_rows in rows
    }
    if frequent != _frequent:
        _frequent.clear()
        _frequent.update(frequent)
        _epoch += 1


def forget_gram_shares() -> None:
    """Drop the cached statistics: every term takes the index condition again."""
    global _epoch
    if _frequent:
        _frequent.clear()
        _epoch += 1
