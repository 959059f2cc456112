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

One module per concern: ``common`` (value types, scope, district SQL), ``base`` (memo and
tally reads), ``records`` (totals, sites, internships), ``grants``, ``instructors``, ``activities``
(activities by kind, district and year; volunteer hours by district).
"""

from __future__ import annotations

import sqlalchemy as sa

from hongfan.statistics.activities import ActivityCount, ActivityFigures, VolunteerHours
from hongfan.statistics.common import (
    INSTRUCTORS_PER_COMMUNITY,
    TOTALS,
    Community,
    District,
    Execute,
    GrantFigure,
    fen_to_yuan,
    path_ids,
    tally_scope,
)
from hongfan.statistics.grants import GrantFigures
from hongfan.statistics.instructors import InstructorFigures
from hongfan.statistics.records import RecordFigures


class Figures(RecordFigures, GrantFigures, InstructorFigures, ActivityFigures):
    """The figures ``principal`` may see, read through ``execute`` (the caller's scoped session)."""


async def rebuild(execute: Execute, dialect: str) -> None:
    """Recompute every tally and its roll-up from the records (after a load that bypassed
    the triggers); ``dialect``: the database's, "postgresql" or "sqlite"."""
    from models.tallies import rebuild as statements

    for statement in statements(dialect):
        await execute(sa.text(statement))


__all__ = [
    "INSTRUCTORS_PER_COMMUNITY",
    "TOTALS",
    "ActivityCount",
    "Community",
    "District",
    "Figures",
    "GrantFigure",
    "VolunteerHours",
    "fen_to_yuan",
    "path_ids",
    "rebuild",
    "tally_scope",
]
