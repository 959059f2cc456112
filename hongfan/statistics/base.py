"""What every figure of :class:`hongfan.statistics.Figures` stands on.

:class:`FiguresBase` holds the caller and their scoped session, memoises each figure once
per instance (siblings that share a lookup, the districts, compute it once), and reads the
tallies (``models.tallies``): all figures of a scope in one statement, all per-district
figures in another.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import col as sql_col

from hongfan import access
from hongfan.principal import Principal
from hongfan.statistics.common import (
    DISTRICT_FIGURES,
    PUBLISHED_FIGURES,
    District,
    Execute,
    Published,
    TallyScope,
    beyond,
    district_case,
    organisations_table,
    tally_scope,
    within,
)
from models.base import Record
from models.organisations import Organisation, OrganisationLevel
from models.tallies import tally_table

T = TypeVar("T")


class FiguresBase:
    """The caller, their session and the memo; the figures themselves are in the mixins."""

    def __init__(self, principal: Principal, execute: Execute, *, tallies: bool = True) -> None:
        self.principal = principal
        self._execute = execute
        self._tallies = tallies  # False: aggregate the records themselves (the exactness tests)
        self._values: dict[Any, Any] = {}
        self._locks: dict[Any, asyncio.Lock] = {}

    def _scope(self, models: Iterable[type[Record]]) -> TallyScope | None:
        return tally_scope(self.principal, models) if self._tallies else None

    async def _memo(self, key: Any, compute: Callable[[], Awaitable[T]]) -> T:
        async with self._locks.setdefault(key, asyncio.Lock()):
            if key not in self._values:
                self._values[key] = await compute()
            return self._values[key]  # type: ignore[no-any-return]

    async def _rows(self, statement: Any) -> list[Any]:
        return list((await self._execute(statement)).all())

    async def _sums(
        self, key: Any, conditions: list[sa.ColumnElement[bool]]
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(figure, bucket) → (n, fen) summed over the tally rows meeting ``conditions``."""

        async def compute() -> dict[tuple[str, str], tuple[int, int]]:
            t = tally_table
            statement = (
                sa.select(t.c.figure, t.c.bucket, sa.func.sum(t.c.n), sa.func.sum(t.c.amount))
                .where(*conditions)
                .group_by(t.c.figure, t.c.bucket)
            )
            return {
                (f, b): (int(n or 0), int(a or 0)) for f, b, n, a in await self._rows(statement)
            }

        return await self._memo(key, compute)

    async def _tally(
        self, scope: TallyScope, figures: Iterable[str], *, year: int | None = None
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(figure, bucket) → (n, fen) summed over the organisations in ``scope``.

        One statement per request reads every figure's sums (a single pass over the
        scope's tally rows costs less than one pass per figure); callers pick theirs. A
        :class:`Published` scope adds, in a second statement, the published rows of the
        organisations outside its subtree to each figure's own.
        """
        t = tally_table
        if isinstance(scope, Published):
            every = dict(
                await self._sums(("tally", scope.path), within(t.c.organisation_id, scope))
                if scope.path is not None
                else {}
            )
            elsewhere = await self._sums(
                ("tally_published", scope.path),
                [
                    t.c.figure.in_(list(PUBLISHED_FIGURES.values())),
                    *beyond(t.c.organisation_id, scope),
                ],
            )
            own_figure = {published: own for own, published in PUBLISHED_FIGURES.items()}
            for (f, b), (n, a) in elsewhere.items():
                key = (own_figure[f], b)
                mine = every.get(key, (0, 0))
                every[key] = (mine[0] + n, mine[1] + a)
        else:
            every = await self._sums(("tally", scope), within(t.c.organisation_id, scope))
        wanted = set(figures)
        return {
            (f, b): v
            for (f, b), v in every.items()
            if f in wanted and (year is None or b == str(year))
        }

    async def _tally_by_district(
        self, scope: TallyScope, figures: Iterable[str], *, year: int | None = None
    ) -> dict[tuple[int, str, str], tuple[int, int]]:
        """(district id, figure, bucket) → (n, fen) over the visible districts' subtrees,
        of the organisations in ``scope``.

        Like the row-level figures these join live organisations only: rows held by a
        soft-deleted organisation count in the totals but in no district. One statement
        per request for the figures asked (the dashboard's sites per district never read
        the grants' tally rows, ten times as many at 1M).
        """
        wanted = [f for f in DISTRICT_FIGURES if f in set(figures)]

        async def compute() -> dict[tuple[int, str, str], tuple[int, int]]:
            districts = await self.districts()
            if not districts:
                return {}
            t, org = tally_table, organisations_table()
            # Each live organisation's district first (thousands of rows, one CASE each),
            # then the tally rows joined to it (a hash join, no CASE per tally row).
            member = (
                sa.select(
                    org.c.id,
                    org.c.published,
                    district_case(districts.values(), org.c.path).label("district_id"),
                )
                .where(
                    org.c.deleted_at.is_(None),
                    sa.or_(*[org.c.path.startswith(d.path) for d in districts.values()]),
                )
                # kept apart (not merged into the outer query), so that PostgreSQL takes
                # each organisation's CASE once, not once per tally row joined to it
                .offset(0)
                .subquery()
            )
            asked = wanted
            if isinstance(scope, Published):  # a scope only the public types' figures have
                asked = [f for f in wanted if f in PUBLISHED_FIGURES]
            own: sa.ColumnElement[bool] = sa.and_(
                t.c.figure.in_(asked), *within(t.c.organisation_id, scope)
            )
            figure: sa.ColumnElement[Any] = t.c.figure
            if isinstance(scope, Published) and "site_kind" in asked:
                # the published sites of the published organisations outside its subtree
                elsewhere = sa.and_(
                    t.c.figure == PUBLISHED_FIGURES["site_kind"],
                    member.c.published.is_(True),
                    *beyond(t.c.organisation_id, scope),
                )
                own = sa.or_(own, elsewhere)
                figure = sa.case(
                    (t.c.figure == PUBLISHED_FIGURES["site_kind"], sa.literal("site_kind")),
                    else_=t.c.figure,
                )
            statement = (
                sa.select(
                    member.c.district_id,
                    figure,
                    t.c.bucket,
                    sa.func.sum(t.c.n),
                    sa.func.sum(t.c.amount),
                )
                .select_from(t.join(member, member.c.id == t.c.organisation_id))
                .where(own)
                .group_by(member.c.district_id, figure, t.c.bucket)
            )
            return {
                (int(d), f, b): (int(n or 0), int(a or 0))
                for d, f, b, n, a in await self._rows(statement)
            }

        every = await self._memo(("tally_by_district", scope, tuple(wanted)), compute)
        return {(d, f, b): v for (d, f, b), v in every.items() if year is None or b == str(year)}

    async def districts(self, *, own: bool = False) -> dict[int, District]:
        """The district organisations the caller can see, by id; ``own``: only those in its
        own scope — where figures about people (never public) can be more than a zero."""

        async def compute() -> dict[int, District]:
            statement = (
                sa.select(
                    sql_col(Organisation.id), sql_col(Organisation.name), sql_col(Organisation.path)
                )
                .where(sql_col(Organisation.level) == OrganisationLevel.DISTRICT)
                .order_by(sql_col(Organisation.path), sql_col(Organisation.id))
                .execution_options(**{access.OWN_SCOPE: own})
            )
            return {
                int(i): District(int(i), name, path)
                for i, name, path in await self._rows(statement)
            }

        return await self._memo(("districts", own), compute)
