"""Activity and volunteer figures (活动与志愿服务统计): ``Query.activityStatistics``.

Activities by kind, by district and by year, and 金色阳光 volunteer hours by district,
over exactly the rows the caller could list: every statement selects from ORM entities,
so ``hongfan.access`` adds the caller's row scope and soft delete to each table (the
anonymous public counts published activities and no volunteer hours at all). A fixed
number of grouped statements per figure, whatever the data's size.

Districts as in ``graph.statistics``: a row belongs to the district organisation whose
subtree holds its organisation; rows of the city itself are in the totals only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import strawberry
from sqlmodel import col as sql_col

from graph.enums import gql_enum
from models.activities import Activity, ActivityKind
from models.base import CENT, choice_label
from models.organisations import Organisation, OrganisationLevel
from models.volunteers import VolunteerService

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


async def _rows(info: strawberry.Info, statement: Any) -> list[Any]:
    return list((await info.context.execute(statement)).all())


async def _districts(info: strawberry.Info) -> dict[int, tuple[str, str]]:
    """The district organisations the caller can see: id → (name, path)."""
    statement = (
        sa.select(sql_col(Organisation.id), sql_col(Organisation.name), sql_col(Organisation.path))
        .where(sql_col(Organisation.level) == OrganisationLevel.DISTRICT)
        .order_by(sql_col(Organisation.path))
    )
    return {int(i): (name, path) for i, name, path in await _rows(info, statement)}


def _district_of(districts: dict[int, tuple[str, str]]) -> sa.ColumnElement[Any]:
    return sa.case(
        *[
            (sql_col(Organisation.path).startswith(path), sa.literal(i))
            for i, (_n, path) in districts.items()
        ],
        else_=sa.null(),
    )


def _participants() -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(sql_col(Activity.participants)), 0)


def _hours(hundredths: Any) -> Decimal:
    """A sum of the Money-typed hours column, stored in hundredths, as exact hours."""
    return (Decimal(int(hundredths or 0)) / 100).quantize(CENT)


@strawberry.type(
    description="Activities and volunteer hours over the records you may see (活动与志愿服务统计)"
)
class ActivityStatistics:
    @strawberry.field(
        description="Activities per kind, every kind listed, most first (各类活动数量)"
    )
    async def by_kind(self, info: strawberry.Info) -> list[ActivityKindCount]:
        statement = sa.select(
            sql_col(Activity.kind), sa.func.count(sql_col(Activity.id)), _participants()
        ).group_by(sql_col(Activity.kind))
        found = {ActivityKind(k): (int(n), int(p)) for k, n, p in await _rows(info, statement)}
        lang = "en" if getattr(info.context, "language", "zh") == "en" else "zh"
        counts = [
            ActivityKindCount(
                kind=k,
                label=choice_label(k, lang),
                count=found.get(k, (0, 0))[0],
                participants=found.get(k, (0, 0))[1],
            )
            for k in ActivityKind
        ]
        return sorted(counts, key=lambda c: -c.count)

    @strawberry.field(
        description="Activities by the organiser's district, most first (各区活动数量)"
    )
    async def by_district(self, info: strawberry.Info) -> list[ActivityDistrictStat]:
        districts = await _districts(info)
        if not districts:
            return []
        inner = (
            sa.select(
                _district_of(districts).label("district_id"),
                sql_col(Activity.id).label("activity_id"),
                sql_col(Activity.participants).label("participants"),
            )
            .select_from(Activity)
            .join(Organisation, sql_col(Organisation.id) == sql_col(Activity.organisation_id))
            .subquery()
        )
        statement = (
            sa.select(
                inner.c.district_id,
                sa.func.count(inner.c.activity_id),
                sa.func.coalesce(sa.func.sum(inner.c.participants), 0),
            )
            .where(inner.c.district_id.is_not(None))
            .group_by(inner.c.district_id)
        )
        found = {int(d): (int(n), int(p)) for d, n, p in await _rows(info, statement)}
        stats = [
            ActivityDistrictStat(
                district_id=i,
                district_name=name,
                count=found.get(i, (0, 0))[0],
                participants=found.get(i, (0, 0))[1],
            )
            for i, (name, _path) in districts.items()
        ]
        return sorted(stats, key=lambda s: (-s.count, s.district_name))

    @strawberry.field(description="Activities per year held, oldest first (年度活动数量)")
    async def by_year(self, info: strawberry.Info) -> list[ActivityYearStat]:
        year = sa.extract("year", sql_col(Activity.held_on))
        statement = (
            sa.select(year, sa.func.count(sql_col(Activity.id)), _participants())
            .group_by(year)
            .order_by(year)
        )
        return [
            ActivityYearStat(year=int(y), count=int(n), participants=int(p))
            for y, n, p in await _rows(info, statement)
        ]

    @strawberry.field(
        description="Volunteer hours by the volunteers' district, most hours first (各区志愿服务时长)"
    )
    async def volunteer_hours_by_district(
        self, info: strawberry.Info
    ) -> list[VolunteerHoursDistrictStat]:
        districts = await _districts(info)
        if not districts:
            return []
        inner = (
            sa.select(
                _district_of(districts).label("district_id"),
                sql_col(VolunteerService.volunteer_id).label("volunteer_id"),
                sql_col(VolunteerService.id).label("service_id"),
                sa.type_coerce(sql_col(VolunteerService.hours), sa.BigInteger()).label("hours"),
            )
            .select_from(VolunteerService)
            .join(
                Organisation, sql_col(Organisation.id) == sql_col(VolunteerService.organisation_id)
            )
            .subquery()
        )
        statement = (
            sa.select(
                inner.c.district_id,
                sa.func.count(sa.distinct(inner.c.volunteer_id)),
                sa.func.count(inner.c.service_id),
                sa.func.sum(inner.c.hours, type_=sa.BigInteger()),
            )
            .where(inner.c.district_id.is_not(None))
            .group_by(inner.c.district_id)
        )
        found = {int(d): (int(v), int(s), h) for d, v, s, h in await _rows(info, statement)}
        stats = [
            VolunteerHoursDistrictStat(
                district_id=i,
                district_name=name,
                volunteers=found.get(i, (0, 0, 0))[0],
                services=found.get(i, (0, 0, 0))[1],
                hours=_hours(found.get(i, (0, 0, 0))[2]),
            )
            for i, (name, _path) in districts.items()
        ]
        return sorted(stats, key=lambda s: (-s.hours, s.district_name))


async def resolve_activity_statistics(info: strawberry.Info) -> ActivityStatistics:
    """``Query.activityStatistics``: each figure computed only when selected."""
    return ActivityStatistics()


__all__ = [
    "ActivityDistrictStat",
    "ActivityKindCount",
    "ActivityStatistics",
    "ActivityYearStat",
    "VolunteerHoursDistrictStat",
    "resolve_activity_statistics",
]
