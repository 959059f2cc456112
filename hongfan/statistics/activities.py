"""Activity and volunteer figures (活动与志愿服务统计): the issue's "activities by kind,
district and year, and volunteer hours by district".

Over exactly the rows the caller could list: every statement selects from ORM entities
through the caller's scoped session, so ``hongfan.access`` adds the row scope and soft
delete to each table (the public counts published activities). Activities and services
are the network's events, thousands not millions: aggregates over the records, no tallies.
A fixed number of grouped statements per figure, whatever the data's size.

Districts as for the other figures: a row belongs to the district whose subtree holds its
organisation (the organiser's for an activity, the volunteer's for a service); rows of
the city itself count in the totals only.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import col as sql_col

from hongfan import access
from hongfan.statistics.base import FiguresBase
from hongfan.statistics.common import District, in_districts
from models.activities import Activity, ActivityKind
from models.base import CENT
from models.volunteers import Volunteer, VolunteerService


@dataclasses.dataclass(frozen=True)
class ActivityCount:
    """Activities held and the participants they counted (参与人次)."""

    count: int = 0
    participants: int = 0


@dataclasses.dataclass(frozen=True)
class VolunteerHours:
    """Volunteers who served, their service records, and the hours, exact to the hundredth."""

    volunteers: int = 0
    services: int = 0
    hours: Decimal = Decimal("0.00")


def hundredths_to_hours(value: Any) -> Decimal:
    """A sum of the Money-typed hours column (stored in hundredths) as exact hours."""
    return (Decimal(int(value or 0)) / 100).quantize(CENT)


def _participants(column: Any) -> sa.ColumnElement[Any]:
    return sa.func.coalesce(sa.func.sum(column), 0)


class ActivityFigures(FiguresBase):
    """Activities by kind, district and year; volunteers and their hours by district."""

    def knows_volunteer_hours(self) -> bool:
        """Whether the caller may be told volunteer figures (``FIGURE_SOURCES``): volunteers
        are people, so the public and partners get null, never a zero that reads as "none"."""
        return access.sees_figure(self.principal, "volunteer_hours")

    async def activity_totals(self) -> dict[str, int]:
        """Visible activities, volunteers and service records."""

        async def compute() -> dict[str, int]:
            counts = {
                name: sa.select(sa.func.count(sql_col(model.id))).scalar_subquery().label(name)
                for name, model in (
                    ("activities", Activity),
                    ("volunteers", Volunteer),
                    ("volunteer_services", VolunteerService),
                )
            }
            row = (await self._rows(sa.select(*counts.values())))[0]
            return {name: int(row._mapping[name]) for name in counts}

        return await self._memo("activity_totals", compute)

    async def activities_by_kind(self) -> dict[ActivityKind, ActivityCount]:
        """Every kind, in declaration order, with its activities (zero when none)."""

        async def compute() -> dict[ActivityKind, ActivityCount]:
            statement = sa.select(
                sql_col(Activity.kind),
                sa.func.count(sql_col(Activity.id)),
                _participants(sql_col(Activity.participants)),
            ).group_by(sql_col(Activity.kind))
            found = {
                ActivityKind(k): ActivityCount(int(n), int(p))
                for k, n, p in await self._rows(statement)
            }
            return {kind: found.get(kind, ActivityCount()) for kind in ActivityKind}

        return await self._memo("activities_by_kind", compute)

    async def activities_by_district(self) -> dict[District, ActivityCount]:
        """Every visible district with the activities its subtree's organisations held."""

        async def compute() -> dict[District, ActivityCount]:
            districts = await self.districts()
            if not districts:
                return {}
            inner = in_districts(
                districts.values(),
                Activity,
                sql_col(Activity.id).label("activity_id"),
                sql_col(Activity.participants).label("participants"),
            ).subquery()
            statement = (
                sa.select(
                    inner.c.district_id,
                    sa.func.count(inner.c.activity_id),
                    _participants(inner.c.participants),
                )
                .where(inner.c.district_id.is_not(None))
                .group_by(inner.c.district_id)
            )
            found = {
                int(d): ActivityCount(int(n), int(p)) for d, n, p in await self._rows(statement)
            }
            return {d: found.get(i, ActivityCount()) for i, d in districts.items()}

        return await self._memo("activities_by_district", compute)

    async def activities_by_year(self) -> dict[int, ActivityCount]:
        """Years that held visible activities, oldest first."""

        async def compute() -> dict[int, ActivityCount]:
            year = sa.extract("year", sql_col(Activity.held_on))
            statement = (
                sa.select(
                    year,
                    sa.func.count(sql_col(Activity.id)),
                    _participants(sql_col(Activity.participants)),
                )
                .group_by(year)
                .order_by(year)
            )
            return {
                int(y): ActivityCount(int(n), int(p)) for y, n, p in await self._rows(statement)
            }

        return await self._memo("activities_by_year", compute)

    async def volunteer_hours_by_district(self) -> dict[District, VolunteerHours]:
        """Every district of the caller's own scope with its volunteers' service (where they
        belong, wherever the activity was); a district it reads only for its published
        records is left out, not shown as a zero."""

        async def compute() -> dict[District, VolunteerHours]:
            districts = await self.districts(own=True)
            if not districts:
                return {}
            inner = in_districts(
                districts.values(),
                VolunteerService,
                sql_col(VolunteerService.volunteer_id).label("volunteer_id"),
                sql_col(VolunteerService.id).label("service_id"),
                sa.type_coerce(sql_col(VolunteerService.hours), sa.BigInteger()).label("hours"),
            ).subquery()
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
            found = {
                int(d): VolunteerHours(int(v), int(s), hundredths_to_hours(h))
                for d, v, s, h in await self._rows(statement)
            }
            return {d: found.get(i, VolunteerHours()) for i, d in districts.items()}

        return await self._memo("volunteer_hours_by_district", compute)


__all__ = ["ActivityCount", "ActivityFigures", "VolunteerHours", "hundredths_to_hours"]
