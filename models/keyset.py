"""Indexes a long list is sorted and paged by: ``(column, id)`` for every sortable column.

The admin lists order by any sortable column with the id as tiebreak in the same
direction, and page by keyset: the rows after a position are a row comparison,
``(year, id) > (:v, :w)`` (#16.2). An index on ``(column, id)`` serves that order
forwards and backwards and starts its range at the position, so the first page, the
next and one near the end each read about a page of rows. An index on the column
alone could not order ties by id: a sort by a column with few values (a year, a
status) read and sorted every tie.

:func:`attach` gives the types that reach a million rows (students, grants,
internships) such an index per sortable column, in place of the column's plain
index where it had one (``(column, id)`` serves every lookup ``(column)`` did).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from models.pinyin import derived_from, sort_column

NOT_SORTED = {"id", "path"}


def sortable_columns(model: Any) -> list[str]:
    """The columns the lists of ``model`` can be ordered by, as stored (pinyin sort keys for names)."""
    table: sa.Table = model.__table__
    found = []
    for column in table.columns:
        meta = column.info.get("meta")
        if meta is None or not meta.orderable or column.name in NOT_SORTED:
            continue
        if derived_from(column):
            continue
        found.append(sort_column(model, column.name))
    return found


def attach(model: Any) -> None:
    """Index ``(column, id)`` for every sortable column of ``model``, replacing ``(column)``."""
    table: sa.Table = model.__table__
    for name in sortable_columns(model):
        column = table.c[name]
        for index in list(table.indexes):
            if [c.name for c in index.columns] == [name] and not index.unique:
                table.indexes.discard(index)
        sa.Index(f"ix_{table.name}_{name}_id", column, table.c.id)
