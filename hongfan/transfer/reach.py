"""What an export holds compared with the list it is started from, told before a user decides.

An export is the caller's own part of the network (:mod:`hongfan.transfer.exporting`,
OWN_PART: what it exports it may edit and import back). A list of a public record type
(organisations, service sites, courses, companies, activities) shows more: the caller's
own rows *and* the rows other units published. :func:`export_reach` counts both with the
same scopes the export and the list use, so the list, the bulk confirmation and the export
itself can say "9 of yours; the 79 published by others are not in the file" instead of
delivering 9 rows under a heading of 88, or a header-only file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hongfan import access, reads
from hongfan.db import Database
from hongfan.principal import Principal
from hongfan.transfer.columns import resolve_type


@dataclass(frozen=True)
class Reach:
    """How many rows an export holds and how many of the list's it leaves out.

    ``exported``: the caller's own rows matching the filter (at most ``cap`` when capped;
    ``exact`` False then). ``left_out``: the other units' published rows the list shows and
    the export does not — 0 when the caller reads nothing beyond its own part (the export is
    the list), None when past the cap (not counted exactly).
    """

    exported: int
    left_out: int | None
    exact: bool = True

    @property
    def nothing_own(self) -> bool:
        """True when the list shows rows but none of them would be exported."""
        return self.exported == 0 and self.left_out != 0


async def export_reach(
    db: Database,
    principal: Principal,
    type_name: str,
    where: sa.ColumnElement[bool] | None = None,
    *,
    cap: int | None = None,
) -> Reach:
    """Count the export's rows (own part) and the list's rows it leaves out, under ``where``.

    ``cap``: count at most this many + 1 rows of each (a list's capped count: no full scan
    of a large table); None counts exactly. One or two counting statements.
    """
    model = resolve_type(type_name)
    beyond = access.reads_beyond_scope(principal, model)
    async with db.session(principal) as session:

        async def count(own: bool) -> tuple[int, bool]:
            async def execute(statement: Any) -> Any:
                return await session.execute(statement.execution_options(**{access.OWN_SCOPE: own}))

            if cap is not None:
                return await reads.count_up_to(execute, model, where, cap)
            statement = sa.select(sa.func.count(model.id))  # type: ignore[arg-type]
            if where is not None:
                statement = statement.where(where)
            return int((await execute(statement)).scalar_one()), True

        exported, exact = await count(True)
        if not beyond:
            return Reach(exported, 0, exact)
        visible, visible_exact = await count(False)
    left_out = visible - exported if exact and visible_exact else None
    return Reach(exported, left_out, exact)


__all__ = ["Reach", "export_reach"]
