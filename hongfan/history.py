"""A record's story from the audit log, for everyone who may see the record.

The audit log as a whole is for admins (``hongfan.access.audit_criteria``). A record's
own history is different: whoever may see the record may see how it came to be — an
editor sees the edits of the students in her district, including her own. So this
module first loads the record under the caller's row scope, and only if it is visible
reads that record's entries (by table, past the audit-log scope), a page at a time,
newest first. Values are returned as stored; surfaces mask them with
``hongfan.access.present`` as for any read.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import access
from models.audit import AuditEntry
from models.base import Record

# Entries about reading personal data rather than changing the record.
READ_ACTIONS = frozenset({"read_sensitive", "lookup_sensitive", "probe_unique"})
HISTORY_PAGE = 50


async def visible(session: AsyncSession, model: type[Record], pk: int) -> Record | None:
    """The record, deleted or not, when the session's principal may see it."""
    key: Any = model.id
    statement = (
        sa.select(model).where(key == pk).execution_options(**{access.INCLUDE_DELETED: True})
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def record_entries(
    session: AsyncSession,
    model: type[Record],
    pk: int,
    *,
    reads: bool = False,
    before: int | None = None,
    limit: int = HISTORY_PAGE,
    actions: frozenset[str] | None = None,
) -> list[AuditEntry] | None:
    """Up to ``limit`` + 1 entries of one record, newest first (the extra one says "more").

    ``reads`` picks the sensitive-read entries instead of the changes; ``before`` is the
    id of the last entry of the previous page. None when the record is not visible.
    """
    if await visible(session, model, pk) is None:
        return None
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    kinds = (
        table.c.action.in_(sorted(READ_ACTIONS))
        if reads
        else table.c.action.not_in(sorted(READ_ACTIONS))
    )
    statement = sa.select(table).where(
        table.c.entity == model.__entity__.type_name, table.c.record_id == pk, kinds
    )
    if actions is not None:
        statement = statement.where(table.c.action.in_(sorted(actions)))
    if before is not None:
        statement = statement.where(table.c.id < before)
    rows = (
        (await session.execute(statement.order_by(table.c.id.desc()).limit(limit + 1)))
        .mappings()
        .all()
    )
    return [AuditEntry(**dict(row)) for row in rows]


async def entries_since(
    session: AsyncSession, model: type[Record], pk: int, entry_id: int
) -> list[AuditEntry] | None:
    """Every update of one record from ``entry_id`` on, newest first (to put an older version back)."""
    if await visible(session, model, pk) is None:
        return None
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    statement = sa.select(table).where(
        table.c.entity == model.__entity__.type_name,
        table.c.record_id == pk,
        table.c.id >= entry_id,
        table.c.action == "update",
    )
    rows = (await session.execute(statement.order_by(table.c.id.desc()))).mappings().all()
    return [AuditEntry(**dict(row)) for row in rows]


def changed_pairs(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """(column, before, after) of a write entry."""
    return [
        (f, c[0], c[1]) for f, c in entry.changes.items() if isinstance(c, list) and len(c) == 2
    ]
