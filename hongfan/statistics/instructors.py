"""Instructor figures: qualified instructors per community ("at least two in each").

Known only to callers who may see enrolments (``access.sees_figure``); for anyone else the
surfaces answer null rather than a misleading zero.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col as sql_col

from hongfan import access
from hongfan.statistics.base import FiguresBase
from hongfan.statistics.common import (
    INSTRUCTORS_PER_COMMUNITY,
    Community,
    Published,
    district_of,
    within,
)
from models.organisations import Organisation, OrganisationLevel
from models.tallies import roster_table
from models.training import Course, CourseCategory, Enrolment, EnrolmentStatus


class InstructorFigures(FiguresBase):
    """Communities with their qualified instructors."""

    def knows_instructors(self) -> bool:
        """Whether the caller may be told instructor figures at all (``FIGURE_SOURCES``).

        A caller who cannot see enrolments would count zero instructors everywhere: the
        figures are unknown to them, not zero, so the surfaces answer null.
        """
        return access.sees_figure(self.principal, "instructors")

    async def communities(self) -> list[Community]:
        """Visible communities with their qualified instructors, fewest first."""

        async def compute() -> list[Community]:
            rows = await self._community_rows()
            qualified = await self._qualified()
            districts = await self.districts()
            communities = [
                Community(int(i), name, district_of(path, districts), qualified.get(int(i), 0))
                for i, name, path in rows
            ]
            communities.sort(
                key=lambda c: (c.qualified, c.district.name if c.district else "", c.name, c.id)
            )
            return communities

        return await self._memo("communities", compute)

    async def lacking_communities(self) -> list[Community]:
        """The communities of :meth:`communities` lacking instructors, in the same order.

        Reads, per community, only whether it has none, one or more qualified people (the
        first and last name in order: two differ exactly when two or more people qualify),
        not how many: no distinct count over every community's roster."""

        async def compute() -> list[Community]:
            rows = await self._community_rows()
            # capped at two: exact for the threshold of two (a higher one needs the count)
            qualified = await self._qualified(capped=INSTRUCTORS_PER_COMMUNITY <= 2)
            districts = await self.districts()
            lacking = [
                Community(int(i), name, district_of(path, districts), qualified.get(int(i), 0))
                for i, name, path in rows
                if qualified.get(int(i), 0) < INSTRUCTORS_PER_COMMUNITY
            ]
            lacking.sort(
                key=lambda c: (c.qualified, c.district.name if c.district else "", c.name, c.id)
            )
            return lacking

        return await self._memo("lacking_communities", compute)

    async def communities_total(self) -> int:
        """How many communities :meth:`communities` lists, without counting instructors."""
        return len(await self._community_rows())

    async def _community_rows(self) -> list[Any]:
        async def compute() -> list[Any]:
            # Communities whose people the caller may see (its own scope): a published
            # community elsewhere would read as lacking instructors it may well have.
            return await self._rows(
                sa.select(
                    sql_col(Organisation.id), sql_col(Organisation.name), sql_col(Organisation.path)
                )
                .where(sql_col(Organisation.level) == OrganisationLevel.COMMUNITY)
                .execution_options(**{access.OWN_SCOPE: True})
            )

        return await self._memo("community_rows", compute)

    async def _qualified(self, *, capped: bool = False) -> dict[int, int]:
        """Organisation id → its qualified people (by name); ``capped``: 0, 1, or 2 for two
        or more (exact below :data:`INSTRUCTORS_PER_COMMUNITY`)."""
        scope = self._scope([Enrolment, Course])
        if scope is not None:
            r = roster_table
            # Its people, in the courses it may see: its own, or published ones elsewhere.
            courses = within(r.c.course_organisation_id, scope)
            if isinstance(scope, Published):
                courses = [sa.or_(*courses, r.c.course_published.is_(True))]
            statement = (
                sa.select(r.c.organisation_id, *_people(r.c.name, capped))
                .where(r.c.n > 0, *within(r.c.organisation_id, scope), *courses)
                .group_by(r.c.organisation_id)
            )
        else:
            statement = (
                sa.select(
                    sql_col(Enrolment.organisation_id), *_people(sql_col(Enrolment.name), capped)
                )
                .select_from(Enrolment)
                .join(Course, sql_col(Course.id) == sql_col(Enrolment.course_id))
                .where(
                    sql_col(Enrolment.status) == EnrolmentStatus.QUALIFIED,
                    sql_col(Course.category) == CourseCategory.INSTRUCTOR_TRAINING,
                )
                .group_by(sql_col(Enrolment.organisation_id))
            )
        if capped:
            return {
                int(o): 1 if first == last else 2 for o, first, last in await self._rows(statement)
            }
        return {int(o): int(n) for o, n in await self._rows(statement)}


def _people(name: Any, capped: bool) -> list[sa.ColumnElement[Any]]:
    """How many distinct names (``capped``: the first and the last one, which differ exactly
    when there are two or more — a hash aggregate instead of a sort per organisation)."""
    if capped:
        return [sa.func.min(name), sa.func.max(name)]
    return [sa.func.count(sa.distinct(name))]
