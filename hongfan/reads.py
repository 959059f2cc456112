"""The one read path for lists, shared by GraphQL and the admin UI.

Statements are built here and run through the caller's scoped session, so the
row scope applies; a page is fetched by keyset (first + 1 rows after a
position), never by offset.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa

from hongfan.access import INCLUDE_DELETED
from hongfan.pagination import SortKey, after_position, may_be_blank, order_clauses
from models import search
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
    blanks_apart: bool = False,
) -> list[Record]:
    """Up to ``first + 1`` rows after ``after``: the extra row says whether a next page exists.

    ``backward`` (``last``/``before``): the ``first + 1`` rows closest *before* ``before``
    (or the end), nearest first — in the opposite order; the caller turns the page round.
    ``blanks_apart``: a forward page ordered first by a column that may be blank is read as
    the rows with a value and then, if the page is not full, the blank ones — the same rows
    in the same order, each part a range of the column's index in either direction (one
    statement ordering "blanks last" both ways could use an index one way only, and after
    a position it would have to OR "or blank", which no index range serves).
    """
    if blanks_apart and before is None and not backward and _blank_first_key(model, keys):
        return await _blanks_apart(execute, model, where, keys, first, after)
    statement = (
        sa.select(model)
        .where(*conditions(model, where, keys, after, before))
        .order_by(*order_clauses(model, keys, reverse=backward))
        .limit(first + 1)
    )
    return list((await execute(statement)).scalars().all())


def _blank_first_key(model: type[Record], keys: list[SortKey]) -> bool:
    return (
        len(keys) > 1
        and may_be_blank(model, keys[0].column)
        and not any(may_be_blank(model, key.column) for key in keys[1:])
    )


async def _blanks_apart(
    execute: Execute,
    model: type[Record],
    where: sa.ColumnElement[bool] | None,
    keys: list[SortKey],
    first: int,
    after: list[Any] | None,
) -> list[Record]:
    column = getattr(model, keys[0].column)
    order = order_clauses(model, keys, nonblank=True)
    found: list[Record] = []
    scope = [where] if where is not None else []
    if after is None or after[0] is not None:  # the rows with a value come first
        valued = [*scope, column.is_not(None)]
        if after is not None:
            valued.append(after_position(model, keys, after, nonblank=True))
        statement = sa.select(model).where(*valued).order_by(*order).limit(first + 1)
        found = list((await execute(statement)).scalars().all())
        if len(found) > first:
            return found
    blank = [*scope, column.is_(None)]
    if after is not None and after[0] is None:
        blank.append(after_position(model, keys[1:], after[1:], nonblank=True))
    statement = sa.select(model).where(*blank).order_by(*order).limit(first + 1 - len(found))
    return found + list((await execute(statement)).scalars().all())


async def count(execute: Execute, model: type[Record], where: sa.ColumnElement[bool] | None) -> int:
    statement = sa.select(sa.func.count(model.id))  # type: ignore[arg-type]
    if where is not None:
        statement = statement.where(search.counting(where))
    return int((await execute(statement)).scalar_one())


async def count_up_to(
    execute: Execute, model: type[Record], where: sa.ColumnElement[bool] | None, cap: int
) -> tuple[int, bool]:
    """(count, exact): counts at most ``cap`` + 1 rows, so a huge table costs no full scan."""
    inner = sa.select(model.id).limit(cap + 1)  # type: ignore[call-overload]
    if where is not None:
        inner = inner.where(search.counting(where))
    total = int(
        (await execute(sa.select(sa.func.count()).select_from(inner.subquery()))).scalar_one()
    )
    return (cap, False) if total > cap else (total, True)


EXACT_COUNT_LIMIT = 10_000


# How long counting the matches past EXACT_COUNT_LIMIT may take before the answer becomes
# "more than EXACT_COUNT_LIMIT" (a lower bound, never a guess).
COUNT_BUDGET_MS = 250


async def honest_count(
    execute: Execute,
    model: type[Record],
    where: sa.ColumnElement[bool] | None,
    *,
    count_within: Callable[[Any, int], Awaitable[int | None]] | None = None,
    exact_limit: int | None = None,
    budget_ms: int | None = None,
) -> tuple[int, bool]:
    """(count, exact): exact when it can be had in time; else a lower bound and False.

    The first ``exact_limit`` + 1 matches are cheap to count and always counted. Past
    them, ``count_within(statement, budget_ms)`` counts them all unless that takes longer
    than the budget (None): then the answer is ``exact_limit + 1`` with ``exact`` False,
    "more than ``exact_limit``" — true, if vague, where the planner's estimate could be
    many times too high or too low. Without ``count_within`` (SQLite) the count is exact.
    """
    exact_limit = EXACT_COUNT_LIMIT if exact_limit is None else exact_limit
    counted, exact = await count_up_to(execute, model, where, exact_limit)
    if exact:
        return counted, True
    if count_within is None:
        return await count(execute, model, where), True
    statement = sa.select(sa.func.count(model.id))  # type: ignore[arg-type]
    if where is not None:
        statement = statement.where(search.counting(where))
    total = await count_within(statement, COUNT_BUDGET_MS if budget_ms is None else budget_ms)
    if total is None:
        return exact_limit + 1, False
    return total, True


async def position_of(
    execute: Execute, model: type[Record], keys: list[SortKey], record_id: int
) -> list[Any] | None:
    """The values of ``keys`` in row ``record_id`` — the keyset position a row cursor
    names — or None when the caller cannot see that row (any more). A row deleted since
    still marks its place (the statement asks for deleted rows too; the row scope holds)."""
    columns = [getattr(model, key.column) for key in keys]
    key: Any = model.id
    statement = sa.select(*columns).where(key == record_id)
    found = (await execute(statement.execution_options(**{INCLUDE_DELETED: True}))).first()
    return list(found) if found is not None else None


async def count_within(session: Any, statement: Any, budget_ms: int) -> int | None:
    """The scoped count ``statement`` returns in ``session`` (an ``AsyncSession``), or None
    when it takes over ``budget_ms`` milliseconds.

    PostgreSQL: the count runs in a savepoint under ``SET LOCAL statement_timeout``;
    rolling the savepoint back afterwards (it read nothing it must keep) restores the
    timeout, and a count cancelled by it leaves the request's other reads working.
    SQLite has no statement timeout: the count is simply made.
    """
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return int((await session.execute(statement)).scalar_one())
    savepoint = await session.begin_nested()
    try:
        await session.execute(sa.text(f"SET LOCAL statement_timeout = {int(budget_ms)}"))
        return int((await session.execute(statement)).scalar_one())
    except sa.exc.DBAPIError as error:
        original = getattr(error, "orig", None)
        sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
        if sqlstate != "57014":  # query_canceled: the budget ran out
            raise
        return None
    finally:
        await savepoint.rollback()


async def by_ids(execute: Execute, model: type[Record], ids: list[int]) -> dict[int, Record]:
    rows = (await execute(sa.select(model).where(model.id.in_(ids)))).scalars().all()  # type: ignore[union-attr]
    return {r.id: r for r in rows if r.id is not None}


async def people(execute: Execute, ids: set[int] | list[int]) -> dict[int, Any]:
    """The users behind authorship ids, as :class:`hongfan.access.Person` (for person_label)."""
    from hongfan.access import Person
    from models.accounts import User

    wanted = sorted({int(i) for i in ids if i is not None})
    if not wanted:
        return {}
    users = User.__table__  # type: ignore[attr-defined]
    statement = sa.select(users.c.id, users.c.display_name, users.c.email).where(
        users.c.id.in_(wanted)
    )
    rows = (await execute(statement)).all()
    return {int(r.id): Person(int(r.id), r.display_name, r.email) for r in rows}


def actor_user_id(actor: str | None) -> int | None:
    """The user id in an audit actor ("user:3:…"); None for the system and the public."""
    kind, _, rest = (actor or "").partition(":")
    number = rest.partition(":")[0]
    return int(number) if kind == "user" and number.isdigit() else None
