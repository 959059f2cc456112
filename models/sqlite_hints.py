"""Plan hints for SQLite, whose planner cannot see how many rows a scope holds (#16.7).

A district's org admin reads a sixth of the students at 100k. Given
``organisation_id IN (SELECT id FROM organisation WHERE path LIKE ?)`` and an order, SQLite
always starts from the organisation_id index and sorts every row of the scope (90 ms for a
first page of 51 at 100k); walking the order's index and testing the scope on each row
stops after ~300 rows (1 ms). For a street or a community (a hundredth of the rows or
fewer) the index lookup stays the better start. :class:`Unindexed` writes the column as
``+column`` on SQLite — SQLite's documented way to keep a term from choosing an index —
and as itself elsewhere (PostgreSQL estimates the scope from its statistics).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

BROAD_DEPTH = 2  # the city and its districts: scopes that hold a large share of the rows


class Unindexed(ColumnElement[Any]):
    """``column``, that SQLite's planner may not start from."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any) -> None:
        self.column = column
        self.type = column.type


@compiles(Unindexed)
def _unindexed(element: Unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element: Unindexed, compiler: Any, **kw: Any) -> str:
    return "+" + str(compiler.process(element.column, **kw))


def broad(path: str) -> bool:
    """The subtree at ``path`` (``/1/124/``: a district) holds a large share of the rows."""
    return len([part for part in path.split("/") if part]) <= BROAD_DEPTH
