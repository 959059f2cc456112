"""What every figure of :class:`hongfan.statistics.Figures` stands on.

:class:`FiguresBase` holds the caller and their scoped session, memoises each figure once
per instance (siblings that share a lookup, the districts, compute it once), and reads the
tallies' roll-up (``models.rollup``): every figure of the whole network, the caller's
organisation and each visible district in one statement, from which each scope's figures
are sums and differences.
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
    PUBLISHED_FIGURES,
    District,
    Everything,
    Execute,
    Published,
    TallyScope,
    district_case,
    district_of,
    organisations_table,
    path_ids,
    tally_scope,
)
from models.base import Record
from models.organisations import Organisation, OrganisationLevel
from models.rollup import NETWORK, rollup_table
from models.tallies import tally_table

T = TypeVar("T")
Sums = dict[tuple[str, str], tuple[int, int]]  # (figure, bucket) → (n, fen)
OWN_FIGURE = {published: own for own, published in PUBLISHED_FIGURES.items()}


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

    async def _rollups(self) -> dict[int, dict[tuple[str, str], tuple[int, int]]]:
        """Organisation id → (figure, bucket) → (n, fen) over its subtree (``models.rollup``),
        for the whole network (0), the caller's organisation and every visible district:
        one statement of a few hundred rows, whatever the caller's scope holds."""

        async def compute() -> dict[int, dict[tuple[str, str], tuple[int, int]]]:
            ids = {NETWORK, *(await self.districts())}
            if self.principal.organisation_path:
                ids.add(path_ids(self.principal.organisation_path)[-1])
            r = rollup_table
            statement = sa.select(
                r.c.organisation_id, r.c.figure, r.c.bucket, r.c.n, r.c.amount
            ).where(r.c.organisation_id.in_(sorted(ids)))
            found: dict[int, dict[tuple[str, str], tuple[int, int]]] = {i: {} for i in ids}
            for o, f, b, n, a in await self._rows(statement):
                found[int(o)][(f, b)] = (int(n), int(a))
            return found

        return await self._memo("rollups", compute)

    async def _subtree(
        self, scope: TallyScope, held: District | None = None, *, elsewhere: bool = True
    ) -> Sums:
        """(figure, bucket) → (n, fen) of the rows ``scope`` reads in the subtree of the
        district ``held`` (None: the whole network) — exact sums and differences of roll-up
        rows: all rows of the part of it inside the scope's subtree, and for a
        :class:`Published` scope the published rows (``published_rows``, ...) of the rest,
        under the figure's own name (``rows``, ...)."""
        rollups = await self._rollups()
        whole = rollups.get(NETWORK if held is None else held.id, {})
        if isinstance(scope, Everything):
            return dict(whole)
        path = scope.path if isinstance(scope, Published) else scope
        inside: Sums = {}
        rest: Sums = dict(whole)  # where only the published rows are read
        if path is not None:
            own = rollups.get(path_ids(path)[-1], {})
            if held is None or path.startswith(held.path):  # its subtree lies in held's
                inside = dict(own)
                rest = {
                    k: (n - own.get(k, (0, 0))[0], a - own.get(k, (0, 0))[1])
                    for k, (n, a) in whole.items()
                }
            elif held.path.startswith(path):  # held's subtree lies in its own
                inside, rest = dict(whole), {}
        if isinstance(scope, Published) and elsewhere:
            for figure, published in PUBLISHED_FIGURES.items():
                for (f, b), (n, a) in rest.items():
                    if f == published:
                        have = inside.get((figure, b), (0, 0))
                        inside[(figure, b)] = (have[0] + n, have[1] + a)
        return inside

    async def _tally(
        self, scope: TallyScope, figures: Iterable[str], *, year: int | None = None
    ) -> Sums:
        """(figure, bucket) → (n, fen) of ``figures`` over the rows ``scope`` reads."""
        wanted = set(figures)
        return {
            (f, b): v
            for (f, b), v in (await self._subtree(scope)).items()
            if f in wanted and (year is None or b == str(year))
        }

    async def _tally_by_district(
        self, scope: TallyScope, figures: Iterable[str], *, year: int | None = None
    ) -> dict[tuple[int, str, str], tuple[int, int]]:
        """(district id, figure, bucket) → (n, fen) per visible district, of the rows
        ``scope`` reads.

        A row counts in the outermost visible district on its organisation's path, when the
        caller sees that organisation (live, and in its scope or published) — as the
        aggregate over the records (:func:`hongfan.statistics.common.in_districts`) places
        it: the district's roll-up within the scope, less the tallies of its soft-deleted
        organisations, plus for a :class:`Published` scope the published rows of the
        published organisations outside the scope's subtree (a public row hosted by an
        unpublished organisation is counted by kind only, never placed).
        """
        wanted = set(figures)
        districts = await self.districts()
        found: dict[tuple[int, str, str], tuple[int, int]] = {}

        def add(district: District | None, figure: str, bucket: str, n: int, a: int) -> None:
            if (
                district is None
                or figure not in wanted
                or (year is not None and bucket != str(year))
            ):
                return
            have = found.get((district.id, figure, bucket), (0, 0))
            found[(district.id, figure, bucket)] = (have[0] + n, have[1] + a)

        path = scope.path if isinstance(scope, Published) else scope
        path = path if isinstance(path, str) else None
        for district in districts.values():
            if district_of(district.path, districts) == district:  # nested ones get nothing
                for (f, b), (n, a) in (
                    await self._subtree(scope, district, elsewhere=False)
                ).items():
                    add(district, f, b, n, a)
        for where, f, b, n, a in await self._deleted_tallies():
            inside = isinstance(scope, Everything) or (
                where is not None and path is not None and where.startswith(path)
            )
            if inside:  # a soft-deleted organisation's rows: in the roll-up, in no district
                add(district_of(where, districts), f, b, -n, -a)
        if isinstance(scope, Published):
            for district_id, f, b, n, a in await self._published_elsewhere(
                path, [p for own, p in PUBLISHED_FIGURES.items() if own in wanted]
            ):
                add(districts[district_id], OWN_FIGURE[f], b, n, a)
        return found

    async def _deleted_tallies(self) -> list[tuple[str | None, str, str, int, int]]:
        """(organisation path, figure, bucket, n, fen) of the tally rows of soft-deleted
        organisations: few, found by the tally's key."""

        async def compute() -> list[tuple[str | None, str, str, int, int]]:
            t, org = tally_table, organisations_table()
            statement = (
                sa.select(org.c.path, t.c.figure, t.c.bucket, t.c.n, t.c.amount)
                .select_from(t.join(org, org.c.id == t.c.organisation_id))
                .where(org.c.deleted_at.is_not(None), t.c.n != 0)
            )
            return [(p, f, b, int(n), int(a)) for p, f, b, n, a in await self._rows(statement)]

        return await self._memo("deleted_tallies", compute)

    async def _published_elsewhere(
        self, path: str | None, figures: list[str]
    ) -> list[tuple[int, str, str, int, int]]:
        """(district id, figure, bucket, n, fen) of the published ``figures`` of the live
        published organisations outside the subtree at ``path``, in their outermost visible
        district: one aggregate over those figures' tally rows (``ix_tally_figure``)."""
        districts = await self.districts()
        if not figures or not districts:
            return []

        async def compute() -> list[tuple[int, str, str, int, int]]:
            t, org = tally_table, organisations_table()
            # each organisation's district once (thousands of rows, one CASE each), kept
            # apart so that PostgreSQL does not take the CASE once per tally row
            member = (
                sa.select(org.c.id, district_case(districts.values(), org.c.path).label("d"))
                .where(
                    org.c.deleted_at.is_(None),
                    org.c.published.is_(True),
                    *([~org.c.path.startswith(path, autoescape=True)] if path else []),
                )
                .offset(0)
                .subquery()
            )
            statement = (
                sa.select(
                    member.c.d, t.c.figure, t.c.bucket, sa.func.sum(t.c.n), sa.func.sum(t.c.amount)
                )
                .select_from(t.join(member, member.c.id == t.c.organisation_id))
                .where(t.c.figure.in_(figures), member.c.d.is_not(None))
                .group_by(member.c.d, t.c.figure, t.c.bucket)
            )
            return [
                (int(d), f, b, int(n or 0), int(a or 0))
                for d, f, b, n, a in await self._rows(statement)
            ]

        return await self._memo(("published_elsewhere", path, tuple(figures)), compute)

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
