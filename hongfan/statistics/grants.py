"""Golden Autumn (金秋助学) grant figures: students funded and the amounts, per year and district.

Students are counted once per year however many grants they hold; amounts are exact sums of
fen (:func:`hongfan.statistics.common.fen_to_yuan`).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col as sql_col

from hongfan.statistics.base import FiguresBase
from hongfan.statistics.common import District, GrantFigure, fen_to_yuan, in_districts
from models.scholarships import Grant


class GrantFigures(FiguresBase):
    """Students funded, in total and per district."""

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
                        tallied.get(("grant_amount", str(y)), (0, 0))[0],
                    )
                    for y in years
                ]
            else:
                statement = sa.select(
                    sql_col(Grant.year),
                    sa.func.count(sa.distinct(sql_col(Grant.student_id))),
                    sa.func.sum(sql_col(Grant.amount), type_=sa.BigInteger()),
                    sa.func.count(),
                ).group_by(sql_col(Grant.year))
                if year is not None:
                    statement = statement.where(sql_col(Grant.year) == year)
                figures = [
                    GrantFigure(int(y), int(s), fen_to_yuan(f), int(n))
                    for y, s, f, n in await self._rows(statement)
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
            # The districts are only where the grants are shown: the grants' scope decides.
            scope = self._scope([Grant])
            if scope is not None:
                tallied = await self._tally_by_district(
                    scope, ["grant_students", "grant_amount"], year=year
                )
                for (district_id, figure, bucket), (n, fen) in tallied.items():
                    cell = cells.setdefault((int(bucket), district_id), [0, 0, 0])
                    if figure == "grant_students":
                        cell[0] = n
                    else:
                        cell[1], cell[2] = fen, n
                found = {key: (s, fen) for key, (s, fen, grants) in cells.items() if grants}
            else:
                inner = in_districts(
                    districts.values(),
                    Grant,
                    sql_col(Grant.year).label("year"),
                    sql_col(Grant.student_id).label("student_id"),
                    sql_col(Grant.amount).label("amount"),
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
