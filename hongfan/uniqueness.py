"""Duplicates refused the same way by every write: unique columns, the declared unique
groups and the natural key (``EntityMeta.unique_groups``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import probes
from hongfan.errors import FieldError, Invalid
from models.base import Record
from models.messages import message


async def check_unique(
    session: AsyncSession,
    model: type[Record],
    row: dict[str, Any],
    own_id: int | None,
    lang: str,
    *,
    changed: Collection[str] | None = None,
) -> None:
    """Refuse a row that repeats a unique column, a unique group or the natural key.

    The one duplicate check of every write (API, admin UI; imports check whole files the
    same way in ``hongfan.transfer.filecheck``), across every row, hidden or deleted.
    ``changed`` (an update): only the groups with a column among these are checked — a
    group the update leaves as it was cannot become a duplicate by it (and a personal
    value not written is not probed).
    """
    table = model.__table__  # type: ignore[attr-defined]
    errors: list[FieldError] = []
    audit: list[Any] = []
    principal = session.info["principal"]
    for columns in model.__entity__.unique_groups:
        if changed is not None and not any(c in changed for c in columns):
            continue
        if any(row.get(c) is None for c in columns if c != "parent_id"):
            continue
        personal = probes.guarded(model, columns)
        # Core query on the table: uniqueness holds across every row, hidden or deleted.
        query = sa.select(table.c.id).where(
            *[
                (table.c[c].is_(None) if row.get(c) is None else table.c[c] == row[c])
                for c in columns
            ]
        )
        if own_id is not None:
            query = query.where(table.c.id != own_id)
        found = (await session.execute(query.limit(1))).first()
        if found is not None and personal:
            # A hit tells the caller a person exists: limited per caller (#12.6); a value
            # not registered anywhere proceeds whatever the count.
            await probes.check_budget(session, principal, lang, columns[-1])
            error, entry = await probes.hit(
                session, principal, model, columns[-1], found[0], own_id, lang
            )
            errors.append(error)
            audit.append(entry)
        elif found is not None:
            errors.append(FieldError(columns[-1], "unique", message("unique", lang)))
    for column in table.columns:
        if (
            column.unique
            and (changed is None or column.name in changed)
            and row.get(column.name) is not None
            and (column.name,) not in model.__entity__.unique_groups
        ):
            query = sa.select(table.c.id).where(column == row[column.name])
            if own_id is not None:
                query = query.where(table.c.id != own_id)
            if (await session.execute(query.limit(1))).first() is not None:
                errors.append(FieldError(column.name, "unique", message("unique", lang)))
    if errors:
        refused = Invalid(errors)
        refused.after_rollback = audit  # the probes stay in the audit log (hongfan.db)
        raise refused


__all__ = ["check_unique"]
