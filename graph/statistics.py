"""Network statistics (统计) in GraphQL: ``Query.statistics``, a view of ``hongfan.statistics``.

The figures themselves — which rows count for whom, maintained tallies for staff and
scoped aggregates for everyone else — live in the kernel (:class:`hongfan.statistics.Figures`),
which the admin dashboard reads too. Each field here computes only what it is asked:
``studentsFunded { year students totalAmount }`` never runs the per-district breakdown.

Districts: an organisation belongs to the district organisation (level ``district``)
whose id appears in its materialised path (``/1/7/12/`` → 7). Per-district breakdowns
list only district organisations the caller can see, so a caller bound below district
level gets empty per-district lists while the per-kind, per-year and total figures still
cover their rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import strawberry

from graph.activity_statistics import (
    ActivityDistrictStat,
    ActivityKindCount,
    ActivityYearStat,
    VolunteerHoursDistrictStat,
    activity_districts,
    activity_kinds,
    activity_years,
    volunteer_hours,
)
from graph.enums import gql_enum
from hongfan.statistics import INSTRUCTORS_PER_COMMUNITY, Community, Figures, fen_to_yuan, path_ids
from models.base import choice_label
from models.practice import InternshipStatus
from models.sites import SiteKind

gql_enum(SiteKind)
gql_enum(InternshipStatus)


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
    figures: strawberry.Private[Figures]
    year_filter: strawberry.Private[int | None]

    @strawberry.field(
        description=(
            "The year's figures per district organisation the caller can see, by district "
            "name; grants of students outside any such district count only in the year's "
            "totals (分区统计)"
        )
    )
    async def by_district(self) -> list[GrantDistrictStat]:
        by_year = await self.figures.students_funded_by_district(self.year_filter)
        return [
            GrantDistrictStat(
                district_id=district.id,
                district_name=district.name,
                students=figure.students,
                total_amount=figure.amount,
            )
            for district, figure in by_year.get(self.year, [])
        ]


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
    activities: int = strawberry.field(description="Activities (活动场次)")
    volunteers: int = strawberry.field(description="Golden Sunshine volunteers (金色阳光志愿者数)")


@strawberry.type(
    description=(
        "Figures about the network, computed over the records the caller may see; "
        "soft-deleted records are never counted (统计数据)"
    )
)
class Statistics:
    figures: strawberry.Private[Figures]

    @strawberry.field(
        description=(
            "Service sites per kind, every kind listed, most numerous first (各类服务阵地数量)"
        )
    )
    async def sites_by_kind(self, info: strawberry.Info) -> list[SiteKindCount]:
        return _kind_counts(await self.figures.sites_by_kind(), _language(info))

    @strawberry.field(
        description=(
            "Service sites by district and kind: for each district organisation the caller "
            "can see, the sites hosted anywhere in its subtree; most sites first, then by "
            "name (各区服务阵地数量)"
        )
    )
    async def sites_by_district(self, info: strawberry.Info) -> list[DistrictSitesStat]:
        language = _language(info)
        stats = [
            DistrictSitesStat(
                district_id=d.id,
                district_name=d.name,
                total=sum(counts.values()),
                by_kind=_kind_counts(counts, language),
            )
            for d, counts in (await self.figures.sites_by_district()).items()
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
        year: Annotated[
            int | None, strawberry.argument(description="Only this year (只看某一年度)")
        ] = None,
    ) -> list[GrantYearStat]:
        return [
            GrantYearStat(
                year=figure.year,
                students=figure.students,
                total_amount=figure.amount,
                figures=self.figures,
                year_filter=year,
            )
            for figure in await self.figures.students_funded(year)
        ]

    @strawberry.field(
        description=(
            "Internships per status, every status listed, most numerous first (各状态见习数量)"
        )
    )
    async def internships_by_status(self, info: strawberry.Info) -> list[InternshipStatusCount]:
        counts = await self.figures.internships_by_status()
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
            "(各社区家庭健康指导员人数); null for callers who may not see enrolments"
        )
    )
    async def instructors_per_community(
        self,
        only_lacking: Annotated[
            bool,
            strawberry.argument(
                description=(
                    f"Only communities with fewer than {INSTRUCTORS_PER_COMMUNITY} instructors "
                    "(只看指导员不足的社区)"
                )
            ),
        ] = False,
    ) -> list[CommunityInstructorsStat] | None:
        if not self.figures.knows_instructors():
            return None
        if only_lacking:
            return [_community(c) for c in await self.figures.lacking_communities()]
        return [_community(c) for c in await self.figures.communities()]

    @strawberry.field(
        description=(
            f"Communities or villages the caller can see with fewer than "
            f"{INSTRUCTORS_PER_COMMUNITY} qualified family health instructors "
            "(指导员不足的社区数); null for callers who may not see enrolments"
        )
    )
    async def communities_lacking_instructors(self) -> int | None:
        if not self.figures.knows_instructors():
            return None
        return len(await self.figures.lacking_communities())

    @strawberry.field(
        description="Communities or villages in the caller's own part of the network, whose "
        "instructors it may count: the denominator of communitiesLackingInstructors, not every "
        "published community it can list (本单位范围内的社区/村总数)"
    )
    async def communities_total(self) -> int:
        return await self.figures.communities_total()

    @strawberry.field(description="Numbers of records visible to the caller (记录总数)")
    async def totals(self) -> StatisticsTotals:
        activity_totals = await self.figures.activity_totals()
        return StatisticsTotals(
            **await self.figures.totals(),
            activities=activity_totals["activities"],
            volunteers=activity_totals["volunteers"],
        )

    @strawberry.field(
        description="Activities per kind, every kind listed, most first (各类活动数量)"
    )
    async def activities_by_kind(self, info: strawberry.Info) -> list[ActivityKindCount]:
        return activity_kinds(await self.figures.activities_by_kind(), _language(info))

    @strawberry.field(
        description=(
            "Activities by the organiser's district, every district the caller can see, "
            "most first (各区活动数量)"
        )
    )
    async def activities_by_district(self) -> list[ActivityDistrictStat]:
        return activity_districts(await self.figures.activities_by_district())

    @strawberry.field(description="Activities per year held, oldest first (年度活动数量)")
    async def activities_by_year(self) -> list[ActivityYearStat]:
        return activity_years(await self.figures.activities_by_year())

    @strawberry.field(
        description=(
            "Volunteer hours by the volunteers' district, most hours first (各区志愿服务时长); "
            "null for callers who may not see volunteers"
        )
    )
    async def volunteer_hours_by_district(self) -> list[VolunteerHoursDistrictStat] | None:
        if not self.figures.knows_volunteer_hours():
            return None
        return volunteer_hours(await self.figures.volunteer_hours_by_district())


def _community(c: Community) -> CommunityInstructorsStat:
    return CommunityInstructorsStat(
        organisation_id=c.id,
        name=c.name,
        district_id=c.district.id if c.district else None,
        district_name=c.district.name if c.district else None,
        qualified=c.qualified,
        lacking=c.lacking,
    )


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
    return Statistics(figures=Figures(info.context.principal, info.context.execute))


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
