"""Duplicates refused the same way by every write: unique columns, the declared unique
groups and the natural key (``EntityMeta.unique_groups``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan.errors import FieldError, Invalid
from models.base import Record
from models.messages import message


async def check_unique(
    session: AsyncSession, model: type[Record], row: dict[str, Any], own_id: int | None, lang: str
) -> None:
    """Refuse a row that repeats a unique column, a unique group or the natural key.

    The one duplicate check of every write (API, admin UI; imports check whole files the
    same way in ``hongfan.transfer.filecheck``), across every row, hidden or deleted.
    """
    table = model.__table__  # type: ignore[attr-defined]
    errors: list[FieldError] = []
    for columns in model.__entity__.unique_groups:
        if any(row.get(c) is None for c in columns if c != "parent_id"):
            continue
        # Core query on the table: uniqueness holds across every row, hidden or deleted.
        query = sa.select(table.c.id).where(
            *[
                (table.c[c].is_(None) if row.get(c) is None else table.c[c] == row[c])
                for c in columns
            ]
        )
        if own_id is not None:
            query = query.where(table.c.id != own_id)
        if (await session.execute(query.limit(1))).first() is not None:
            errors.append(FieldError(columns[-1], "unique", message("unique", lang)))
    for column in table.columns:
        if (
            column.unique
            and row.get(column.name) is not None
            and (column.name,) not in model.__entity__.unique_groups
        ):
            query = sa.select(table.c.id).where(column == row[column.name])
            if own_id is not None:
                query = query.where(table.c.id != own_id)
            if (await session.execute(query.limit(1))).first() is not None:
                errors.append(FieldError(column.name, "unique", message("unique", lang)))
    if errors:
        raise Invalid(errors)


__all__ = ["check_unique"]
