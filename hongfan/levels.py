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
"""

from __future__ import annotations

import enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan.errors import Invalid
from models.base import Record
from models.coltypes import choice_label


def _value(level: Any) -> Any:
    return level.value if isinstance(level, enum.Enum) else level


def _level_enum(model: type[Record]) -> type[enum.Enum]:
    """The enumeration of ``model.level`` (its annotation is ``Level | None``)."""
    annotation = model.model_fields["level"].annotation
    members = getattr(annotation, "__args__", (annotation,))
    return next(a for a in members if isinstance(a, type) and issubclass(a, enum.Enum))


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
    or ``level``, in ``lang``, naming the organisation in the way."""
    if model.__entity__.scope != "path" or "level" not in model.__table__.c:  # type: ignore[attr-defined]
        return
    kind = _level_enum(model)
    rank = {member.value: i for i, member in enumerate(kind)}
    table = model.__table__  # type: ignore[attr-defined]
    level = _value(row.get("level"))
    level = level if level in rank else None
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

    def label(value: Any) -> str:
        return choice_label(kind(value), lang)

    # the levels from here down: its own and its levelled descendants' (names for the message)
    below: dict[str, str] = {}
    if record_id is not None and own_path:
        rows = await session.execute(
            sa.select(table.c.level, sa.func.min(table.c.name))
            .where(
                table.c.path.like(own_path + "%"),
                table.c.id != record_id,
                table.c.level.is_not(None),
            )
            .group_by(table.c.level)
        )
        below = {_value(v): name for v, name in rows.all() if _value(v) in rank}
    highest_below = min(below, key=rank.__getitem__) if below else None
    if level is not None and highest_below is not None and rank[highest_below] <= rank[level]:
        raise Invalid.of(
            "level",
            "level_over_children",
            lang,
            child=below[highest_below],
            level=label(highest_below),
        )
    top = level if level is not None else highest_below
    if top is None:
        return
    if not parent_path:  # at the top: nothing above to compare with
        return
    above = await session.execute(
        sa.select(table.c.name, table.c.level).where(
            table.c.id.in_(_ids(str(parent_path))), table.c.level.is_not(None)
        )
    )
    levelled = [(name, _value(v)) for name, v in above.all() if _value(v) in rank]
    if not levelled:
        return
    name, nearest = max(levelled, key=lambda item: rank[item[1]])
    if rank[nearest] >= rank[top]:
        raise Invalid.of(field, "level_under_parent", lang, parent=name, level=label(nearest))
