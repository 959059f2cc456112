"""Network statistics (统计) in the kernel: the figures the association reports, per caller.

For staff (rows: everything, or their organisation's subtree) the figures are sums over
``tally`` and ``instructor_roster`` (``models.tallies``: kept by triggers in the same
transaction as every write) for the organisations the caller may see — a handful of rows
per organisation however many students there are, still exact and scoped: the subtree
test is the very one the row scope uses (``hongfan.access.subtree_ids``). For any other
row rule (partners, anonymous callers: published or own-company rows) the figures are
aggregates over the records themselves through the scoped session, which are small sets.

:class:`Figures` computes each figure only when asked, once per instance; siblings that
share a lookup (the districts) compute it once. Both surfaces read it: GraphQL
(``graph.statistics``) and the admin dashboard.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import col as sql_col

from hongfan import access
from hongfan.policy import Rows
from hongfan.principal import Principal
from models.base import CENT, Record
from models.organisations import Organisation, OrganisationLevel
from models.practice import Company, Internship, InternshipStatus
from models.scholarships import Grant, ScholarshipStudent
from models.sites import ServiceSite, SiteKind
from models.tallies import roster_table, tally_table
from models.training import Course, CourseCategory, Enrolment, EnrolmentStatus

# "each community should end up with at least two qualified instructors"
INSTRUCTORS_PER_COMMUNITY = 2

TOTALS: dict[str, type[Record]] = {
    "organisations": Organisation,
    "service_sites": ServiceSite,
    "courses": Course,
    "scholarship_students": ScholarshipStudent,
    "companies": Company,
    "internships": Internship,
}

Execute = Callable[[Any], Awaitable[Any]]
T = TypeVar("T")


def fen_to_yuan(value: int | Decimal | str | None) -> Decimal:
    """A sum of fen (an int on SQLite, a Decimal on PostgreSQL, None over no rows) in yuan.

    Exact: never passes through a float. ``350050`` → ``Decimal("3500.50")``.
    """
    if value is None:
        return Decimal("0.00")
    fen = Decimal(value) if not isinstance(value, Decimal) else value
    if fen != fen.to_integral_value():
        raise ValueError(f"a sum of fen must be whole, got {value!r}")
    return (fen / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def path_ids(path: str | None) -> list[int]:
    """The ids of a materialised path, root first: ``/1/7/12/`` → ``[1, 7, 12]``."""
    return [int(part) for part in (path or "").split("/") if part]


@dataclasses.dataclass(frozen=True)
class District:
    id: int
    name: str
    path: str


@dataclasses.dataclass(frozen=True)
class GrantFigure:
    year: int
    students: int
    amount: Decimal


@dataclasses.dataclass(frozen=True)
class Community:
    id: int
    name: str
    district: District | None
    qualified: int

    @property
    def lacking(self) -> bool:
        return self.qualified < INSTRUCTORS_PER_COMMUNITY


@dataclasses.dataclass(frozen=True)
class _Everything:
    """Tallies of every organisation count (superadmins, the system)."""


TallyScope = _Everything | str  # or the caller's organisation path


def tally_scope(principal: Principal, models: Iterable[type[Record]]) -> TallyScope | None:
    """How the tallies answer for ``principal`` over ``models``; None: they cannot."""
    rules = {access.row_rule(principal, model) for model in models}
    if rules == {Rows.ALL}:
        return _Everything()
    if rules == {Rows.SUBTREE} and principal.organisation_path:
        return principal.organisation_path
    return None


def _within(column: Any, scope: TallyScope) -> list[sa.ColumnElement[bool]]:
    if isinstance(scope, str):
        return [column.in_(access.subtree_ids(scope))]
    return []


def _district_case(districts: Iterable[District], path: Any) -> sa.ColumnElement[Any]:
    """SQL for the id of the district whose subtree holds ``path``, else NULL."""
    return sa.case(
        *[(path.startswith(d.path), sa.literal(d.id)) for d in districts], else_=sa.null()
    )


_DISTRICT_FIGURES = ["site_kind", "grant_students", "grant_amount"]


def _organisations() -> sa.Table:
    return Organisation.__table__  # type: ignore[attr-defined,no-any-return]


class Figures:
    """The figures ``principal`` may see, read through ``execute`` (the caller's scoped session)."""

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

    async def _tally(
        self, scope: TallyScope, figures: Iterable[str], *, year: int | None = None
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(figure, bucket) → (n, fen) summed over the organisations in ``scope``.

        One statement per request reads every figure's sums (a single pass over the
        scope's tally rows costs less than one pass per figure); callers pick theirs.
        """

        async def compute() -> dict[tuple[str, str], tuple[int, int]]:
            t = tally_table
            statement = (
                sa.select(t.c.figure, t.c.bucket, sa.func.sum(t.c.n), sa.func.sum(t.c.amount))
                .where(*_within(t.c.organisation_id, scope))
                .group_by(t.c.figure, t.c.bucket)
            )
            return {
                (f, b): (int(n or 0), int(a or 0)) for f, b, n, a in await self._rows(statement)
            }

        every = await self._memo(("tally", scope), compute)
        wanted = set(figures)
        return {
            (f, b): v
            for (f, b), v in every.items()
            if f in wanted and (year is None or b == str(year))
        }

    async def _tally_by_district(
        self, figures: Iterable[str], *, year: int | None = None
    ) -> dict[tuple[int, str, str], tuple[int, int]]:
        """(district id, figure, bucket) → (n, fen) over the visible districts' subtrees.

        Like the row-level figures these join live organisations only: rows held by a
        soft-deleted organisation count in the totals but in no district. One statement
        per request for every per-district figure.
        """

        async def compute() -> dict[tuple[int, str, str], tuple[int, int]]:
            districts = await self.districts()
            if not districts:
                return {}
            t, org = tally_table, _organisations()
            # Each live organisation's district first (thousands of rows, one CASE each),
            # then the tally rows joined to it (a hash join, no CASE per tally row).
            member = (
                sa.select(
                    org.c.id, _district_case(districts.values(), org.c.path).label("district_id")
                )
                .where(
                    org.c.deleted_at.is_(None),
                    sa.or_(*[org.c.path.startswith(d.path) for d in districts.values()]),
                )
                .subquery()
            )
            statement = (
                sa.select(
                    member.c.district_id,
                    t.c.figure,
                    t.c.bucket,
                    sa.func.sum(t.c.n),
                    sa.func.sum(t.c.amount),
                )
                .select_from(t.join(member, member.c.id == t.c.organisation_id))
                .where(t.c.figure.in_(_DISTRICT_FIGURES))
                .group_by(member.c.district_id, t.c.figure, t.c.bucket)
            )
            return {
                (int(d), f, b): (int(n or 0), int(a or 0))
                for d, f, b, n, a in await self._rows(statement)
            }

        every = await self._memo("tally_by_district", compute)
        wanted = set(figures)
        return {
            (d, f, b): v
            for (d, f, b), v in every.items()
            if f in wanted and (year is None or b == str(year))
        }

    # -- the figures -------------------------------------------------------------------

    async def totals(self) -> dict[str, int]:
        """Visible records per kind: keys of :data:`TOTALS`."""

        async def compute() -> dict[str, int]:
            scope = self._scope(TOTALS.values())
            if scope is not None:
                tallied = await self._tally(scope, ["rows"])
                tables = {name: str(model.__table__.name) for name, model in TOTALS.items()}  # type: ignore[attr-defined]
                return {
                    name: tallied.get(("rows", table), (0, 0))[0] for name, table in tables.items()
                }
            statement = sa.select(
                *[
                    sa.select(sa.func.count(sql_col(model.id))).scalar_subquery().label(name)
                    for name, model in TOTALS.items()
                ]
            )
            row = (await self._rows(statement))[0]
            return {name: int(row._mapping[name]) for name in TOTALS}

        return await self._memo("totals", compute)

    async def sites_by_kind(self) -> dict[SiteKind, int]:
        scope = self._scope([ServiceSite])
        if scope is not None:
            tallied = await self._tally(scope, ["site_kind"])
            return {SiteKind(b): n for (_f, b), (n, _a) in tallied.items() if n}
        statement = sa.select(
            sql_col(ServiceSite.kind), sa.func.count(sql_col(ServiceSite.id))
        ).group_by(sql_col(ServiceSite.kind))
        return {kind: int(n) for kind, n in await self._rows(statement)}

    async def sites_by_district(self) -> dict[District, dict[SiteKind, int]]:
        """Every visible district, with its subtree's live sites per kind."""
        districts = await self.districts()
        counts: dict[int, dict[SiteKind, int]] = {d: {} for d in districts}
        if not districts:
            return {}
        if self._scope([ServiceSite, Organisation]) is not None:
            for (district_id, _f, bucket), (n, _a) in (
                await self._tally_by_district(["site_kind"])
            ).items():
                if n:
                    counts[district_id][SiteKind(bucket)] = n
        else:
            inner = (
                sa.select(
                    _district_case(districts.values(), sql_col(Organisation.path)).label(
                        "district_id"
                    ),
                    sql_col(ServiceSite.kind).label("kind"),
                    sql_col(ServiceSite.id).label("site_id"),
                )
                .select_from(ServiceSite)
                .join(
                    Organisation, sql_col(Organisation.id) == sql_col(ServiceSite.organisation_id)
                )
                .subquery()
            )
            statement = (
                sa.select(inner.c.district_id, inner.c.kind, sa.func.count(inner.c.site_id))
                .where(inner.c.district_id.is_not(None))
                .group_by(inner.c.district_id, inner.c.kind)
            )
            for district_id, kind, n in await self._rows(statement):
                counts[int(district_id)][kind] = int(n)
        return {districts[d]: by_kind for d, by_kind in counts.items()}

    async def students_funded(self, year: int | None = None) -> list[GrantFigure]:
        """Per year (latest first): distinct students with a live grant, and the sum."""

        async def compute() -> list[GrantFigure]:
            scope = self._scope([Grant])
            if scope is not None:
                tallied = await self._tally(scope, ["grant_students", "grant_amount"], year=year)
                years = {int(b) for (_f, b), (n, _a) in tallied.items() if n}
                figures = [
                    GrantFigure(
                        y,
                        tallied.get(("grant_students", str(y)), (0, 0))[0],
                        fen_to_yuan(tallied.get(("grant_amount", str(y)), (0, 0))[1]),
                    )
                    for y in years
                ]
            else:
                statement = sa.select(
                    sql_col(Grant.year),
                    sa.func.count(sa.distinct(sql_col(Grant.student_id))),
                    sa.func.sum(sql_col(Grant.amount), type_=sa.BigInteger()),
                ).group_by(sql_col(Grant.year))
                if year is not None:
                    statement = statement.where(sql_col(Grant.year) == year)
                figures = [
                    GrantFigure(int(y), int(s), fen_to_yuan(f))
                    for y, s, f in await self._rows(statement)
                ]
            return sorted(figures, key=lambda g: -g.year)

        return await self._memo(("students_funded", year), compute)

    async def students_funded_by_district(
        self, year: int | None = None
    ) -> dict[int, list[tuple[District, GrantFigure]]]:
        """Year → (district, figure) per visible district with grants that year."""

        async def compute() -> dict[int, list[tuple[District, GrantFigure]]]:
            districts = await self.districts()
            if not districts:
                return {}
            cells: dict[tuple[int, int], list[int]] = {}
            if self._scope([Grant, Organisation]) is not None:
                tallied = await self._tally_by_district(
                    ["grant_students", "grant_amount"], year=year
                )
                for (district_id, figure, bucket), (n, fen) in tallied.items():
                    cell = cells.setdefault((int(bucket), district_id), [0, 0, 0])
                    if figure == "grant_students":
                        cell[0] = n
                    else:
                        cell[1], cell[2] = fen, n
                found = {key: (s, fen) for key, (s, fen, grants) in cells.items() if grants}
            else:
                inner = (
                    sa.select(
                        _district_case(districts.values(), sql_col(Organisation.path)).label(
                            "district_id"
                        ),
                        sql_col(Grant.year).label("year"),
                        sql_col(Grant.student_id).label("student_id"),
                        sql_col(Grant.amount).label("amount"),
                    )
                    .select_from(Grant)
                    .join(Organisation, sql_col(Organisation.id) == sql_col(Grant.organisation_id))
                )
                if year is not None:
                    inner = inner.where(sql_col(Grant.year) == year)
                sub = inner.subquery()
                statement = (
                    sa.select(
                        sub.c.year,
                        sub.c.district_id,
                        sa.func.count(sa.distinct(sub.c.student_id)),
                        sa.func.sum(sub.c.amount, type_=sa.BigInteger()),
                    )
                    .where(sub.c.district_id.is_not(None))
                    .group_by(sub.c.year, sub.c.district_id)
                )
                found = {
                    (int(y), int(d)): (int(s), int(f or 0))
                    for y, d, s, f in await self._rows(statement)
                }
            by_year: dict[int, list[tuple[District, GrantFigure]]] = {}
            for (y, district_id), (students, fen) in found.items():
                district = districts[district_id]
                by_year.setdefault(y, []).append(
                    (district, GrantFigure(y, students, fen_to_yuan(fen)))
                )
            for rows in by_year.values():
                rows.sort(key=lambda r: (r[0].name, r[0].id))
            return by_year

        return await self._memo(("students_funded_by_district", year), compute)

    async def internships_by_status(self) -> dict[InternshipStatus, int]:
        scope = self._scope([Internship])
        if scope is not None:
            tallied = await self._tally(scope, ["internship_status"])
            return {InternshipStatus(b): n for (_f, b), (n, _a) in tallied.items() if n}
        statement = sa.select(
            sql_col(Internship.status), sa.func.count(sql_col(Internship.id))
        ).group_by(sql_col(Internship.status))
        return {status: int(n) for status, n in await self._rows(statement)}

    def knows_instructors(self) -> bool:
        """Whether the caller may be told instructor figures at all (``FIGURE_SOURCES``).

        A caller who cannot see enrolments would count zero instructors everywhere: the
        figures are unknown to them, not zero, so the surfaces answer null.
        """
        return access.sees_figure(self.principal, "instructors")

    async def communities(self) -> list[Community]:
        """Visible communities with their qualified instructors, fewest first."""

        async def compute() -> list[Community]:
            rows = await self._rows(
                sa.select(
                    sql_col(Organisation.id), sql_col(Organisation.name), sql_col(Organisation.path)
                ).where(sql_col(Organisation.level) == OrganisationLevel.COMMUNITY)
            )
            qualified = await self._qualified()
            districts = await self.districts()
            communities = [
                Community(int(i), name, _district_of(path, districts), qualified.get(int(i), 0))
                for i, name, path in rows
            ]
            communities.sort(
                key=lambda c: (c.qualified, c.district.name if c.district else "", c.name, c.id)
            )
            return communities

        return await self._memo("communities", compute)

    async def _qualified(self) -> dict[int, int]:
        scope = self._scope([Enrolment, Course])
        if scope is not None:
            r = roster_table
            statement = (
                sa.select(r.c.organisation_id, sa.func.count(sa.distinct(r.c.name)))
                .where(
                    r.c.n > 0,
                    *_within(r.c.organisation_id, scope),
                    *_within(r.c.course_organisation_id, scope),
                )
                .group_by(r.c.organisation_id)
            )
        else:
            statement = (
                sa.select(
                    sql_col(Enrolment.organisation_id),
                    sa.func.count(sa.distinct(sql_col(Enrolment.name))),
                )
                .select_from(Enrolment)
                .join(Course, sql_col(Course.id) == sql_col(Enrolment.course_id))
                .where(
                    sql_col(Enrolment.status) == EnrolmentStatus.QUALIFIED,
                    sql_col(Course.category) == CourseCategory.INSTRUCTOR_TRAINING,
                )
                .group_by(sql_col(Enrolment.organisation_id))
            )
        return {int(o): int(n) for o, n in await self._rows(statement)}

    async def districts(self) -> dict[int, District]:
        """The district organisations the caller can see, by id."""

        async def compute() -> dict[int, District]:
            statement = (
                sa.select(
                    sql_col(Organisation.id), sql_col(Organisation.name), sql_col(Organisation.path)
                )
                .where(sql_col(Organisation.level) == OrganisationLevel.DISTRICT)
                .order_by(sql_col(Organisation.path), sql_col(Organisation.id))
            )
            return {
                int(i): District(int(i), name, path)
                for i, name, path in await self._rows(statement)
            }

        return await self._memo("districts", compute)


def _district_of(path: str | None, districts: dict[int, District]) -> District | None:
    for organisation_id in path_ids(path):
        district = districts.get(organisation_id)
        if district is not None:
            return district
    return None


async def rebuild(execute: Execute) -> None:
    """Recompute every tally from the records (after a load that bypassed the triggers)."""
    from models.tallies import REBUILD

    for statement in REBUILD:
        await execute(sa.text(statement))


__all__ = [
    "INSTRUCTORS_PER_COMMUNITY",
    "TOTALS",
    "Community",
    "District",
    "Figures",
    "GrantFigure",
    "fen_to_yuan",
    "path_ids",
    "rebuild",
    "tally_scope",
]
