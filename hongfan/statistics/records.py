"""Record counts: visible records per type, service sites per kind and district, internships.

Each figure sums the tallies when the caller's row scope allows (everything, or their
organisation's subtree), else aggregates the records through the scoped session.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col as sql_col

from hongfan.statistics.base import FiguresBase
from hongfan.statistics.common import TOTALS, District, in_districts
from models.organisations import Organisation
from models.practice import Internship, InternshipStatus
from models.sites import ServiceSite, SiteKind


class RecordFigures(FiguresBase):
    """Totals, sites and internships."""

    async def totals(self) -> dict[str, int]:
        """Visible records per kind: keys of :data:`TOTALS`."""

        async def compute() -> dict[str, int]:
            # Tallied where the caller's rows are its scope and the published rows (its
            # scope plus the published rows elsewhere, or only those); counted where they
            # are not (a partner's own company, the interns of it, its internships).
            scopes = {name: self._scope([model]) for name, model in TOTALS.items()}
            found: dict[str, int] = {}
            for name, scope in scopes.items():
                if scope is not None:  # one or two statements per distinct scope (memo)
                    tallied = await self._tally(scope, ["rows"])
                    table = str(TOTALS[name].__table__.name)  # type: ignore[attr-defined]
                    found[name] = tallied.get(("rows", table), (0, 0))[0]
            if "internships" not in found:
                # the same rows as the per-status figure: summed, not counted a second time
                # (a partner's interns are looked up one by one, thousands of them)
                found["internships"] = sum((await self.internships_by_status()).values())
            counted = [name for name in TOTALS if name not in found]
            if counted:
                statement = sa.select(
                    *[
                        sa.select(sa.func.count(sql_col(TOTALS[name].id)))
                        .scalar_subquery()
                        .label(name)
                        for name in counted
                    ]
                )
                row = (await self._rows(statement))[0]
                found.update({name: int(row._mapping[name]) for name in counted})
            return {name: found[name] for name in TOTALS}

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
        scope = self._scope([ServiceSite, Organisation])
        if scope is not None:
            for (district_id, _f, bucket), (n, _a) in (
                await self._tally_by_district(scope, ["site_kind"])
            ).items():
                if n:
                    counts[district_id][SiteKind(bucket)] = n
        else:
            inner = in_districts(
                districts.values(),
                ServiceSite,
                sql_col(ServiceSite.kind).label("kind"),
                sql_col(ServiceSite.id).label("site_id"),
            ).subquery()
            statement = (
                sa.select(inner.c.district_id, inner.c.kind, sa.func.count(inner.c.site_id))
                .where(inner.c.district_id.is_not(None))
                .group_by(inner.c.district_id, inner.c.kind)
            )
            for district_id, kind, n in await self._rows(statement):
                counts[int(district_id)][kind] = int(n)
        return {districts[d]: by_kind for d, by_kind in counts.items()}

    async def internships_by_status(self) -> dict[InternshipStatus, int]:
        async def compute() -> dict[InternshipStatus, int]:
            scope = self._scope([Internship])
            if scope is not None:
                tallied = await self._tally(scope, ["internship_status"])
                return {InternshipStatus(b): n for (_f, b), (n, _a) in tallied.items() if n}
            statement = sa.select(
                sql_col(Internship.status), sa.func.count(sql_col(Internship.id))
            ).group_by(sql_col(Internship.status))
            return {InternshipStatus(s): int(n) for s, n in await self._rows(statement)}

        return await self._memo("internships_by_status", compute)
