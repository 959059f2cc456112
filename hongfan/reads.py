"""The one read path for lists, shared by GraphQL and the admin UI.

Statements are built here and run through the caller's scoped session, so the
row scope applies; a page is fetched by keyset (first + 1 rows after a
position), never by offset.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa

from hongfan.pagination import SortKey, after_position, order_clauses
from models.base import Record

Execute = Callable[[Any], Awaitable[Any]]


def conditions(
    model: type[Record],
    where: sa.ColumnElement[bool] | None,
    keys: list[SortKey],
    after: list[Any] | None,
    before: list[Any] | None = None,
) -> list[sa.ColumnElement[bool]]:
    found: list[sa.ColumnElement[bool]] = []
    if where is not None:
        found.append(where)
    if after is not None:
        found.append(after_position(model, keys, after))
    if before is not None:
        found.append(after_position(model, keys, before, before=True))
    return found


async def fetch_page(
    execute: Execute,
    model: type[Record],
    *,
    where: sa.ColumnElement[bool] | None,
    keys: list[SortKey],
    first: int,
    after: list[Any] | None = None,
    before: list[Any] | None = None,
    backward: bool = False,
) -> list[Record]:
    """Up to ``first + 1`` rows after ``after``: the extra row says whether a next page exists.

    ``backward`` (``last``/``before``): the ``first + 1`` rows closest *before* ``before``
    (or the end), nearest first — in the opposite order; the caller turns the page round.
    """
    statement = (
        sa.select(model)
        .where(*conditions(model, where, keys, after, before))
        .order_by(*order_clauses(model, keys, reverse=backward))
        .limit(first + 1)
    )
    return list((await execute(statement)).scalars().all())


async def count(execute: Execute, model: type[Record], where: sa.ColumnElement[bool] | None) -> int:
    statement = sa.select(sa.func.count(model.id))  # type: ignore[arg-type]
    if where is not None:
        statement = statement.where(where)
    return int((await execute(statement)).scalar_one())


async def count_up_to(
    execute: Execute, model: type[Record], where: sa.ColumnElement[bool] | None, cap: int
) -> tuple[int, bool]:
    """(count, exact): counts at most ``cap`` + 1 rows, so a huge table costs no full scan."""
    inner = sa.select(model.id).limit(cap + 1)  # type: ignore[call-overload]
    if where is not None:
        inner = inner.where(where)
    total = int((await execute(sa.select(sa.func.count()).select_from(inner.subquery()))).scalar_one())
    return (cap, False) if total > cap else (total, True)


EXACT_COUNT_LIMIT = 10_000


async def count_or_estimate(
    execute: Execute,
    model: type[Record],
    where: sa.ColumnElement[bool] | None,
    *,
    estimate: Callable[[Any], Awaitable[int | None]] | None = None,
    exact_limit: int | None = None,
) -> tuple[int, bool]:
    """(count, exact): exact up to ``exact_limit`` rows, the planner's estimate beyond.

    Counting a million matching rows for every page would scan them all; the first
    ``exact_limit`` + 1 rows are cheap, and past them an estimate is what people need.
    Where no estimate is available (SQLite), the count is exact.
    """
    exact_limit = EXACT_COUNT_LIMIT if exact_limit is None else exact_limit
    counted, exact = await count_up_to(execute, model, where, exact_limit)
    if exact:
        return counted, True
    statement = sa.select(model.id)  # type: ignore[call-overload]
    if where is not None:
        statement = statement.where(where)
    guess = await estimate(statement) if estimate is not None else None
    if guess is None:
        return await count(execute, model, where), True
    return max(guess, exact_limit + 1), False


async def by_ids(execute: Execute, model: type[Record], ids: list[int]) -> dict[int, Record]:
    rows = (await execute(sa.select(model).where(model.id.in_(ids)))).scalars().all()  # type: ignore[union-attr]
    return {r.id: r for r in rows if r.id is not None}
