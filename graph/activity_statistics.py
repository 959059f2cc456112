"""Activity and volunteer figures (活动与志愿服务统计) in GraphQL: their types, and
``Query.activityStatistics`` (deprecated: ``Query.statistics`` has the same figures).

Activities by kind, by district and by year, and 金色阳光 volunteer hours by district are
computed in the kernel (:class:`hongfan.statistics.activities.ActivityFigures`, over the
rows the caller could list), which the admin dashboard reads too; the functions here only
shape them for GraphQL, for ``statistics`` and ``activityStatistics`` alike.
"""

from __future__ import annotations

from decimal import Decimal

import strawberry

from graph.enums import gql_enum
from hongfan.statistics import ActivityCount, District, Figures, VolunteerHours
from models.activities import ActivityKind
from models.base import choice_label

gql_enum(ActivityKind)


@strawberry.type(description="Activities of one kind (某类活动数量)")
class ActivityKindCount:
    kind: ActivityKind = strawberry.field(description="Kind of activity (活动类型)")
    label: str = strawberry.field(
        description="The kind's label in the caller's language (类型名称)"
    )
    count: int = strawberry.field(description="Number of activities (活动场次)")
    participants: int = strawberry.field(description="Participants counted (参与人次)")


@strawberry.type(
    description="Activities organised anywhere in one district's subtree (各区活动数量)"
)
class ActivityDistrictStat:
    district_id: int = strawberry.field(
        description="Database id of the district organisation (区组织编号)"
    )
    district_name: str = strawberry.field(description="Name of the district organisation (区名称)")
    count: int = strawberry.field(description="Number of activities (活动场次)")
    participants: int = strawberry.field(description="Participants counted (参与人次)")


@strawberry.type(description="Activities held in one year (年度活动数量)")
class ActivityYearStat:
    year: int = strawberry.field(description="Year held (年度)")
    count: int = strawberry.field(description="Number of activities (活动场次)")
    participants: int = strawberry.field(description="Participants counted (参与人次)")


@strawberry.type(description="Volunteer hours of one district's volunteers (各区志愿服务时长)")
class VolunteerHoursDistrictStat:
    district_id: int = strawberry.field(
        description="Database id of the district organisation (区组织编号)"
    )
    district_name: str = strawberry.field(description="Name of the district organisation (区名称)")
    volunteers: int = strawberry.field(description="Volunteers who served (参与志愿者人数)")
    services: int = strawberry.field(description="Service records (服务人次)")
    hours: Decimal = strawberry.field(
        description="Hours served, exact to the hundredth (服务时长，小时)"
    )


def activity_kinds(
    counts: dict[ActivityKind, ActivityCount], language: str
) -> list[ActivityKindCount]:
    """Every kind with its figures, most activities first (then declaration order)."""
    stats = [
        ActivityKindCount(
            kind=kind,
            label=choice_label(kind, language),
            count=figure.count,
            participants=figure.participants,
        )
        for kind, figure in counts.items()
    ]
    return sorted(stats, key=lambda c: -c.count)


def activity_districts(counts: dict[District, ActivityCount]) -> list[ActivityDistrictStat]:
    """Every visible district with its activities, most first, then by name."""
    stats = [
        ActivityDistrictStat(
            district_id=d.id,
            district_name=d.name,
            count=figure.count,
            participants=figure.participants,
        )
        for d, figure in counts.items()
    ]
    return sorted(stats, key=lambda s: (-s.count, s.district_name))


def activity_years(counts: dict[int, ActivityCount]) -> list[ActivityYearStat]:
    """Years with activities, oldest first."""
    return [
        ActivityYearStat(year=y, count=figure.count, participants=figure.participants)
        for y, figure in sorted(counts.items())
    ]


def volunteer_hours(hours: dict[District, VolunteerHours]) -> list[VolunteerHoursDistrictStat]:
    """Every visible district with its volunteers' hours, most hours first, then by name."""
    stats = [
        VolunteerHoursDistrictStat(
            district_id=d.id,
            district_name=d.name,
            volunteers=figure.volunteers,
            services=figure.services,
            hours=figure.hours,
        )
        for d, figure in hours.items()
    ]
    return sorted(stats, key=lambda s: (-s.hours, s.district_name))


def _language(info: strawberry.Info) -> str:
    return "en" if getattr(info.context, "language", "zh") == "en" else "zh"


@strawberry.type(
    description="Activities and volunteer hours over the records you may see (活动与志愿服务统计)"
)
class ActivityStatistics:
    figures: strawberry.Private[Figures]

    @strawberry.field(
        description="Activities per kind, every kind listed, most first (各类活动数量)"
    )
    async def by_kind(self, info: strawberry.Info) -> list[ActivityKindCount]:
        return activity_kinds(await self.figures.activities_by_kind(), _language(info))

    @strawberry.field(
        description="Activities by the organiser's district, most first (各区活动数量)"
    )
    async def by_district(self) -> list[ActivityDistrictStat]:
        return activity_districts(await self.figures.activities_by_district())

    @strawberry.field(description="Activities per year held, oldest first (年度活动数量)")
    async def by_year(self) -> list[ActivityYearStat]:
        return activity_years(await self.figures.activities_by_year())

    @strawberry.field(
        description="Volunteer hours by the volunteers' district, most hours first (各区志愿服务时长)"
    )
    async def volunteer_hours_by_district(self) -> list[VolunteerHoursDistrictStat]:
        return volunteer_hours(await self.figures.volunteer_hours_by_district())


async def resolve_activity_statistics(info: strawberry.Info) -> ActivityStatistics:
    """``Query.activityStatistics``: each figure computed only when selected."""
    return ActivityStatistics(figures=Figures(info.context.principal, info.context.execute))


__all__ = [
    "ActivityDistrictStat",
    "ActivityKindCount",
    "ActivityStatistics",
    "ActivityYearStat",
    "VolunteerHoursDistrictStat",
    "activity_districts",
    "activity_kinds",
    "activity_years",
    "resolve_activity_statistics",
    "volunteer_hours",
]
