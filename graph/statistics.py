"""Network statistics (统计): the figures the association reports, over what the caller may see.

Mounted by the schema as ``Query.statistics`` (see :func:`resolve_statistics`).
Every figure is computed lazily, only when asked for, with a constant number
of SQL statements however large the data; rows come back grouped, never one
per site, grant or enrolment.

Row scope: every statement selects from ORM entities (never ``__table__``
and never ``aliased()`` entities), so the session hook in ``hongfan.access``
adds the caller's row criteria and soft delete to every table involved,
subqueries included. A figure therefore counts exactly the rows the caller
could list, and a hidden row cannot be inferred from it.

Districts: an organisation belongs to the district organisation (level
``district``) whose id appears in its materialised path (``/1/7/12/`` → 7).
Per-district breakdowns list only district organisations the caller can see,
so a caller bound below district level gets empty per-district lists while
the per-kind, per-year and total figures still cover their rows.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
import strawberry
from sqlmodel import col as sql_col

from graph.enums import gql_enum
from models.base import CENT, Record, choice_label
from models.organisations import Organisation, OrganisationLevel
from models.practice import Company, Internship, InternshipStatus
from models.scholarships import Grant, ScholarshipStudent
from models.sites import ServiceSite, SiteKind
from models.training import Course, CourseCategory, Enrolment, EnrolmentStatus

gql_enum(SiteKind)
gql_enum(InternshipStatus)

# "each community should end up with at least two qualified instructors"
INSTRUCTORS_PER_COMMUNITY = 2

T = TypeVar("T")


# -- helpers --------------------------------------------------------------------------


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
class _District:
    id: int
    name: str
    path: str


def _district_of(path: str | None, districts: dict[int, _District]) -> _District | None:
    for organisation_id in path_ids(path):
        district = districts.get(organisation_id)
        if district is not None:
            return district
    return None


def _district_case(districts: Iterable[_District]) -> sa.ColumnElement[Any]:
    """SQL for the id of the district whose subtree holds ``Organisation.path``, else NULL."""
    return sa.case(
        *[(sql_col(Organisation.path).startswith(d.path), sa.literal(d.id)) for d in districts],
        else_=sa.null(),
    )


class _Memo:
    """Per-request results shared by sibling fields (resolved concurrently) of one Statistics."""

    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, key: str, compute: Callable[[], Awaitable[T]]) -> T:
        # One lock per key: a computation may itself use another key's value.
        async with self._locks.setdefault(key, asyncio.Lock()):
            if key not in self._values:
                self._values[key] = await compute()
            return self._values[key]  # type: ignore[no-any-return]


async def _rows(info: strawberry.Info, statement: Any) -> list[Any]:
    result = await info.context.execute(statement)
    return list(result.all())


def _language(info: strawberry.Info) -> str:
    return "en" if getattr(info.context, "language", "zh") == "en" else "zh"


# -- GraphQL types --------------------------------------------------------------------


@strawberry.type(description="Number of service sites of one kind (某类服务阵地数量)")
class SiteKindCount:
    kind: SiteKind = strawberry.field(description="Kind of site (阵地类型)")
    label: str = strawberry.field(
        description="The kind's display label in the caller's language (类型名称)"
    )
    count: int = strawberry.field(description="Number of sites (阵地数量)")


@strawberry.type(
    description=(
        "Service sites hosted anywhere in one district's subtree, by kind (各区服务阵地数量)"
    )
)
class DistrictSitesStat:
    district_id: int = strawberry.field(
        description="Database id of the district organisation (区组织编号)"
    )
    district_name: str = strawberry.field(description="Name of the district organisation (区名称)")
    total: int = strawberry.field(description="Number of sites in the district (阵地总数)")
    by_kind: list[SiteKindCount] = strawberry.field(
        description=(
            "Sites of each kind in the district, every kind listed, most numerous first "
            "(分类型数量)"
        )
    )


@strawberry.type(
    description="Scholarship grants of one year in one district (某区某年度金秋助学发放情况)"
)
class GrantDistrictStat:
    district_id: int = strawberry.field(
        description="Database id of the district organisation (区组织编号)"
    )
    district_name: str = strawberry.field(description="Name of the district organisation (区名称)")
    students: int = strawberry.field(
        description="Distinct students with at least one grant (受助学生人数)"
    )
    total_amount: Decimal = strawberry.field(
        description="Sum of the grants in yuan, exact to the fen (发放总额（元）)"
    )


@strawberry.type(
    description="Scholarship students funded in one year (某年度金秋助学受助学生与金额)"
)
class GrantYearStat:
    year: int = strawberry.field(description="Year paid (发放年度)")
    students: int = strawberry.field(
        description="Distinct students with at least one grant in the year (受助学生人数)"
    )
    total_amount: Decimal = strawberry.field(
        description="Sum of the year's grants in yuan, exact to the fen (发放总额（元）)"
    )
    by_district: list[GrantDistrictStat] = strawberry.field(
        description=(
            "The year's figures per district organisation the caller can see, by district "
            "name; grants of students outside any such district count only in the year's "
            "totals (分区统计)"
        )
    )


@strawberry.type(description="Number of internships in one status (某状态见习数量)")
class InternshipStatusCount:
    status: InternshipStatus = strawberry.field(description="Placement status (见习状态)")
    label: str = strawberry.field(
        description="The status's display label in the caller's language (状态名称)"
    )
    count: int = strawberry.field(description="Number of internships (见习数量)")


@strawberry.type(
    description=(
        "Qualified family health instructors living in one community or village "
        "(社区家庭健康指导员人数)"
    )
)
class CommunityInstructorsStat:
    organisation_id: int = strawberry.field(
        description="Database id of the community organisation (社区组织编号)"
    )
    name: str = strawberry.field(description="Name of the community or village (社区/村名称)")
    district_id: int | None = strawberry.field(
        description=(
            "Database id of its district organisation; null when the caller cannot see "
            "that district (所属区编号)"
        )
    )
    district_name: str | None = strawberry.field(
        description=(
            "Name of its district organisation; null when the caller cannot see that "
            "district (所属区)"
        )
    )
    qualified: int = strawberry.field(
        description=(
            "Distinct people (by name) with a qualified enrolment in a family health "
            "instructor training course (合格指导员人数)"
        )
    )
    lacking: bool = strawberry.field(
        description=(
            f"True when the community has fewer than {INSTRUCTORS_PER_COMMUNITY} qualified "
            "instructors (指导员不足)"
        )
    )


@strawberry.type(description="Numbers of records visible to the caller (记录总数)")
class StatisticsTotals:
    organisations: int = strawberry.field(description="Organisations (组织数)")
    service_sites: int = strawberry.field(description="Service sites (服务阵地数)")
    courses: int = strawberry.field(description="Training courses (培训课程数)")
    scholarship_students: int = strawberry.field(
        description="Golden Autumn scholarship students (金秋助学学生数)"
    )
    companies: int = strawberry.field(description="Practice-base companies (实践基地企业数)")
    internships: int = strawberry.field(description="Internships (见习数)")


@dataclasses.dataclass(frozen=True)
class _InstructorFigures:
    communities: list[CommunityInstructorsStat]

    @property
    def lacking(self) -> int:
        return sum(1 for c in self.communities if c.lacking)


@strawberry.type(
    description=(
        "Figures about the network, computed over the records the caller may see; "
        "soft-deleted records are never counted (统计数据)"
    )
)
class Statistics:
    memo: strawberry.Private[_Memo] = dataclasses.field(default_factory=_Memo)

    @strawberry.field(
        description=(
            "Service sites per kind, every kind listed, most numerous first (各类服务阵地数量)"
        )
    )
    async def sites_by_kind(self, info: strawberry.Info) -> list[SiteKindCount]:
        statement = sa.select(
            sql_col(ServiceSite.kind), sa.func.count(sql_col(ServiceSite.id))
        ).group_by(sql_col(ServiceSite.kind))
        counts = {kind: int(n) for kind, n in await _rows(info, statement)}
        return _kind_counts(counts, _language(info))

    @strawberry.field(
        description=(
            "Service sites by district and kind: for each district organisation the caller "
            "can see, the sites hosted anywhere in its subtree; most sites first, then by "
            "name (各区服务阵地数量)"
        )
    )
    async def sites_by_district(self, info: strawberry.Info) -> list[DistrictSitesStat]:
        districts = await self._districts(info)
        if not districts:
            return []
        inner = (
            sa.select(
                _district_case(districts.values()).label("district_id"),
                sql_col(ServiceSite.kind).label("kind"),
                sql_col(ServiceSite.id).label("site_id"),
            )
            .select_from(ServiceSite)
            .join(Organisation, sql_col(Organisation.id) == sql_col(ServiceSite.organisation_id))
            .subquery()
        )
        statement = (
            sa.select(inner.c.district_id, inner.c.kind, sa.func.count(inner.c.site_id))
            .where(inner.c.district_id.is_not(None))
            .group_by(inner.c.district_id, inner.c.kind)
        )
        counts: dict[int, dict[SiteKind, int]] = {d: {} for d in districts}
        for district_id, kind, n in await _rows(info, statement):
            counts[int(district_id)][kind] = int(n)
        language = _language(info)
        stats = [
            DistrictSitesStat(
                district_id=d.id,
                district_name=d.name,
                total=sum(counts[d.id].values()),
                by_kind=_kind_counts(counts[d.id], language),
            )
            for d in districts.values()
        ]
        stats.sort(key=lambda s: (-s.total, s.district_name, s.district_id))
        return stats

    @strawberry.field(
        description=(
            "Scholarship students funded and grant totals per year, latest year first, "
            "with a per-district breakdown (金秋助学受助学生人数与金额)"
        )
    )
    async def students_funded(
        self,
        info: strawberry.Info,
        year: Annotated[
            int | None, strawberry.argument(description="Only this year (只看某一年度)")
        ] = None,
    ) -> list[GrantYearStat]:
        totals_statement = sa.select(
            sql_col(Grant.year),
            sa.func.count(sa.distinct(sql_col(Grant.student_id))),
            sa.func.sum(sql_col(Grant.amount), type_=sa.BigInteger()),  # fen, not the Money type
        ).group_by(sql_col(Grant.year))
        if year is not None:
            totals_statement = totals_statement.where(sql_col(Grant.year) == year)
        totals = await _rows(info, totals_statement)
        if not totals:
            return []

        districts = await self._districts(info)
        by_year: dict[int, list[GrantDistrictStat]] = {int(row[0]): [] for row in totals}
        if districts:
            inner = (
                sa.select(
                    _district_case(districts.values()).label("district_id"),
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
            for row_year, district_id, students, fen in await _rows(info, statement):
                district = districts[int(district_id)]
                by_year.setdefault(int(row_year), []).append(
                    GrantDistrictStat(
                        district_id=district.id,
                        district_name=district.name,
                        students=int(students),
                        total_amount=fen_to_yuan(fen),
                    )
                )
        stats = [
            GrantYearStat(
                year=int(row_year),
                students=int(students),
                total_amount=fen_to_yuan(fen),
                by_district=sorted(
                    by_year.get(int(row_year), []), key=lambda s: (s.district_name, s.district_id)
                ),
            )
            for row_year, students, fen in totals
        ]
        stats.sort(key=lambda s: -s.year)
        return stats

    @strawberry.field(
        description=(
            "Internships per status, every status listed, most numerous first (各状态见习数量)"
        )
    )
    async def internships_by_status(self, info: strawberry.Info) -> list[InternshipStatusCount]:
        statement = sa.select(
            sql_col(Internship.status), sa.func.count(sql_col(Internship.id))
        ).group_by(sql_col(Internship.status))
        counts = {status: int(n) for status, n in await _rows(info, statement)}
        language = _language(info)
        order = {status: i for i, status in enumerate(InternshipStatus)}
        stats = [
            InternshipStatusCount(
                status=status, label=choice_label(status, language), count=counts.get(status, 0)
            )
            for status in InternshipStatus
        ]
        stats.sort(key=lambda s: (-s.count, order[s.status]))
        return stats

    @strawberry.field(
        description=(
            "Qualified family health instructors per community or village the caller can "
            f"see, communities with none included; each community should have at least "
            f"{INSTRUCTORS_PER_COMMUNITY}. Fewest first, then by district and name "
            "(各社区家庭健康指导员人数)"
        )
    )
    async def instructors_per_community(
        self,
        info: strawberry.Info,
        only_lacking: Annotated[
            bool,
            strawberry.argument(
                description=(
                    f"Only communities with fewer than {INSTRUCTORS_PER_COMMUNITY} instructors "
                    "(只看指导员不足的社区)"
                )
            ),
        ] = False,
    ) -> list[CommunityInstructorsStat]:
        figures = await self._instructors(info)
        if only_lacking:
            return [c for c in figures.communities if c.lacking]
        return list(figures.communities)

    @strawberry.field(
        description=(
            f"Communities or villages the caller can see with fewer than "
            f"{INSTRUCTORS_PER_COMMUNITY} qualified family health instructors "
            "(指导员不足的社区数)"
        )
    )
    async def communities_lacking_instructors(self, info: strawberry.Info) -> int:
        return (await self._instructors(info)).lacking

    @strawberry.field(description="Communities or villages the caller can see (社区/村总数)")
    async def communities_total(self, info: strawberry.Info) -> int:
        return len((await self._instructors(info)).communities)

    @strawberry.field(description="Numbers of records visible to the caller (记录总数)")
    async def totals(self, info: strawberry.Info) -> StatisticsTotals:
        models: dict[str, type[Record]] = {
            "organisations": Organisation,
            "service_sites": ServiceSite,
            "courses": Course,
            "scholarship_students": ScholarshipStudent,
            "companies": Company,
            "internships": Internship,
        }
        # One statement of scalar subqueries; the hook scopes each of them.
        statement = sa.select(
            *[
                sa.select(sa.func.count(sql_col(model.id))).scalar_subquery().label(name)
                for name, model in models.items()
            ]
        )
        row = (await _rows(info, statement))[0]
        return StatisticsTotals(**{name: int(row._mapping[name]) for name in models})

    # -- shared per-request lookups ---------------------------------------------------

    async def _districts(self, info: strawberry.Info) -> dict[int, _District]:
        async def compute() -> dict[int, _District]:
            statement = (
                sa.select(
                    sql_col(Organisation.id), sql_col(Organisation.name), sql_col(Organisation.path)
                )
                .where(sql_col(Organisation.level) == OrganisationLevel.DISTRICT)
                .order_by(sql_col(Organisation.path), sql_col(Organisation.id))
            )
            return {
                int(i): _District(id=int(i), name=name, path=path)
                for i, name, path in await _rows(info, statement)
            }

        return await self.memo.get("districts", compute)

    async def _instructors(self, info: strawberry.Info) -> _InstructorFigures:
        async def compute() -> _InstructorFigures:
            communities = await _rows(
                info,
                sa.select(
                    sql_col(Organisation.id), sql_col(Organisation.name), sql_col(Organisation.path)
                ).where(sql_col(Organisation.level) == OrganisationLevel.COMMUNITY),
            )
            qualified_statement = (
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
            qualified = {int(o): int(n) for o, n in await _rows(info, qualified_statement)}
            districts = await self._districts(info)
            stats = []
            for organisation_id, name, path in communities:
                district = _district_of(path, districts)
                count = qualified.get(int(organisation_id), 0)
                stats.append(
                    CommunityInstructorsStat(
                        organisation_id=int(organisation_id),
                        name=name,
                        district_id=district.id if district else None,
                        district_name=district.name if district else None,
                        qualified=count,
                        lacking=count < INSTRUCTORS_PER_COMMUNITY,
                    )
                )
            stats.sort(
                key=lambda s: (s.qualified, s.district_name or "", s.name, s.organisation_id)
            )
            return _InstructorFigures(communities=stats)

        return await self.memo.get("instructors", compute)


def _kind_counts(counts: dict[SiteKind, int], language: str) -> list[SiteKindCount]:
    order = {kind: i for i, kind in enumerate(SiteKind)}
    stats = [
        SiteKindCount(kind=kind, label=choice_label(kind, language), count=counts.get(kind, 0))
        for kind in SiteKind
    ]
    stats.sort(key=lambda s: (-s.count, order[s.kind]))
    return stats


async def resolve_statistics(info: strawberry.Info) -> Statistics:
    """``Query.statistics``: figures are computed only for the fields the query selects."""
    return Statistics()


__all__ = [
    "INSTRUCTORS_PER_COMMUNITY",
    "CommunityInstructorsStat",
    "DistrictSitesStat",
    "GrantDistrictStat",
    "GrantYearStat",
    "InternshipStatusCount",
    "SiteKindCount",
    "Statistics",
    "StatisticsTotals",
    "fen_to_yuan",
    "path_ids",
    "resolve_statistics",
]
