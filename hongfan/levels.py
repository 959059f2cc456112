"""An organisation's level lies below every level above it and above every level below it.

City → district → street → community (``OrganisationLevel``, declared top first; levels may
be skipped; a level may be left blank). The district figures and the dashboard place a row
in the outermost district on its organisation's path: a district inside another (or a
street over a district) would count a subtree in one and show the other empty — an outside
tester moved 海沧区 under 湖里区, then under a blank-level organisation under a community,
and every dashboard showed 海沧区 with 0 sites while its list had 9. So the rule is checked
against the nearest levelled organisation above (the parent, or the first of its ancestors
with a level) and every levelled one below, blanks in between notwithstanding. (Any level
may stand at the top — a superadmin's choice; its rows then count in no district.)

The rule itself is :func:`out_of_order`, a pure function over (level, levels above, levels
below): :func:`check_levels` feeds it from the database for crud and the import's write,
:mod:`hongfan.transfer.levelcheck` from the file and the tree in memory for the import's
check, so a preview refuses what the commit would.

Concurrent writes (PostgreSQL, READ COMMITTED): a write changing an organisation's level or
parent locks that row ``FOR UPDATE`` before it reads the levels below it, and a write
placing an organisation under a parent locks every organisation on the parent's path
``FOR SHARE``, top down, as it reads their levels. Whichever comes second waits for the
first to commit and then reads what it wrote: re-levelling a blank-level organisation to a
community while someone creates a street under it lets one of the two through, never both.
(SQLite has one writer at a time; SQLAlchemy leaves the locking clauses out there.)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan.errors import Invalid
from models.base import Record
from models.coltypes import choice_label

UNDER_PARENT = "level_under_parent"
OVER_CHILDREN = "level_over_children"


@dataclass(frozen=True)
class OutOfOrder:
    """What is in the way: the organisation (by name) and its level, above or below."""

    code: str  # UNDER_PARENT or OVER_CHILDREN (the message keys, models.messages)
    name: str
    level: enum.Enum

    def params(self, lang: str) -> dict[str, str]:
        """The message parameters, the level by its label (区, 街道/镇 …) in ``lang``."""
        who = "parent" if self.code == UNDER_PARENT else "child"
        return {who: self.name, "level": choice_label(self.level, lang)}


def out_of_order(
    kind: type[enum.Enum],
    level: Any,
    above: Iterable[tuple[str, Any]],
    below: Iterable[tuple[str, Any]],
) -> OutOfOrder | None:
    """The rule: ``level`` (a member or value of ``kind``, or blank) among the (name, level)
    of the organisations above it — top first, blanks allowed — and below it (any order).

    A level must lie strictly below the deepest level above it and strictly above the
    highest level below it; a blank-level one passes its subtree's highest level on
    upwards. None when in order, else what is in the way (of several at one level: the
    nearest above, the first by name below)."""
    rank = {member.value: i for i, member in enumerate(kind)}
    own = _value(level)
    own = own if own in rank else None
    levelled_below = [(name, _value(v)) for name, v in below if _value(v) in rank]
    if levelled_below:
        child, highest = min(levelled_below, key=lambda item: (rank[item[1]], item[0]))
        if own is not None and rank[highest] <= rank[own]:
            return OutOfOrder(OVER_CHILDREN, child, kind(highest))
    top = own if own is not None else (highest if levelled_below else None)
    if top is None:
        return None
    deepest: tuple[str, Any] | None = None
    for name, value in above:  # top first: of equal levels, the nearest wins
        value = _value(value)
        if value in rank and (deepest is None or rank[value] >= rank[deepest[1]]):
            deepest = (name, value)
    if deepest is not None and rank[deepest[1]] >= rank[top]:
        return OutOfOrder(UNDER_PARENT, deepest[0], kind(deepest[1]))
    return None


def level_kind(model: type[Record]) -> type[enum.Enum] | None:
    """The enumeration of ``model.level`` (its annotation is ``Level | None``), or None when
    the levels of ``model`` are not ordered (not a tree, or no level column)."""
    if model.__entity__.scope != "path" or "level" not in model.__table__.c:  # type: ignore[attr-defined]
        return None
    annotation = model.model_fields["level"].annotation
    members = getattr(annotation, "__args__", (annotation,))
    return next(a for a in members if isinstance(a, type) and issubclass(a, enum.Enum))


def _value(level: Any) -> Any:
    return level.value if isinstance(level, enum.Enum) else level


def _ids(path: str | None) -> list[int]:
    return [int(part) for part in (path or "").split("/") if part]


async def check_levels(
    session: AsyncSession,
    model: type[Record],
    row: dict[str, Any],
    refs: dict[str, Record],
    record_id: int | None,
    lang: str,
) -> None:
    """Refuse ``row`` (an organisation being created, moved or re-levelled) when its level,
    or the levels of its subtree, would not lie strictly below the nearest levelled
    organisation above its parent's path. Raises :class:`Invalid` on ``parent_id`` (when that was given)
    or ``level``, in ``lang``, naming the organisation in the way.

    ``record_id`` (an existing organisation whose level or parent changes): its row is locked
    ``FOR UPDATE`` before the levels below it are read; the parent's path is locked
    ``FOR SHARE`` as its levels are read (see the module's note on concurrent writes)."""
    kind = level_kind(model)
    if kind is None:
        return
    table = model.__table__  # type: ignore[attr-defined]
    field = "parent_id" if "parent_id" in refs else "level"
    own_path = row.get("path") or None
    parent = refs.get("parent_id")
    if parent is None and row.get("parent_id") is not None:
        found = await session.execute(sa.select(table.c.path).where(table.c.id == row["parent_id"]))
        parent_path = found.scalar_one_or_none()
    else:
        parent_path = getattr(parent, "path", None)
    if parent_path and own_path and str(parent_path).startswith(own_path):
        return  # a parent below itself: the move's own check says so ("cycle")

    below: list[tuple[str, Any]] = []
    if record_id is not None and own_path:
        # Locked first: a write placing an organisation below it waits until this one
        # commits (or has committed, and what it placed is read next).
        locked = await session.execute(
            sa.select(table.c.path).where(table.c.id == record_id).with_for_update()
        )
        own_path = locked.scalar_one_or_none() or own_path
        rows = await session.execute(
            sa.select(sa.func.min(table.c.name), table.c.level)
            .where(
                table.c.path.like(own_path + "%"),
                table.c.id != record_id,
                table.c.level.is_not(None),
            )
            .group_by(table.c.level)
        )
        below = [(name, level) for name, level in rows.all()]
    if _value(row.get("level")) not in {m.value for m in kind} and not below:
        return  # no level here or below: nothing above to compare with
    above: list[tuple[str, Any]] = []
    if parent_path:
        # Every organisation on the parent's path, blank-level ones too (one of them may be
        # re-levelled meanwhile), locked top down: the order every such write takes them in.
        found = await session.execute(
            sa.select(table.c.name, table.c.level)
            .where(table.c.id.in_(_ids(str(parent_path))))
            .order_by(sa.func.length(table.c.path))
            .with_for_update(read=True)
        )
        above = [(name, level) for name, level in found.all()]
    problem = out_of_order(kind, row.get("level"), above, below)
    if problem is None:
        return
    where = "level" if problem.code == OVER_CHILDREN else field
    raise Invalid.of(where, problem.code, lang, **problem.params(lang))


__all__ = [
    "OVER_CHILDREN",
    "UNDER_PARENT",
    "OutOfOrder",
    "check_levels",
    "level_kind",
    "out_of_order",
]
