"""Existence checks on unique personal values (#12.6): audited, rate-limited, and vague.

Refusing a new student because the ID number is taken tells the caller the person is
known somewhere. Each such hit is written to the audit log (the field, never the value,
and whether the other record was one the caller may see), a caller gets at most
:data:`LIMIT` hits an hour (:data:`IMPORT_LIMIT` in an import file: an office file of
students who moved between districts is full of them), and when the other record is
outside the caller's scope the message does not say where it is.

Only hits are limited: a value not registered anywhere always proceeds, also past the
limit. Past it, a taken value is refused with "查重次数过多" instead of the usual answer,
so the caller learns no more than before (taken, not where), every further finding
still costs a real record written under the caller's name, and the audit log shows each.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan.errors import FieldError, Invalid
from hongfan.principal import Principal
from models.audit import AuditEntry
from models.base import Record, column_meta, utcnow
from models.messages import message

ACTION = "probe_unique"
LIMIT = 20
IMPORT_LIMIT = 200  # preview and commit of one file each count its hits
WINDOW = timedelta(hours=1)


def guarded(model: type[Record], columns: tuple[str, ...]) -> bool:
    """True when a uniqueness check over ``columns`` reveals personal data."""
    return any(column_meta(model, c).sensitive for c in columns)


async def used(session: AsyncSession, principal: Principal) -> int:
    """The caller's hits within :data:`WINDOW`."""
    table = AuditEntry.__table__  # type: ignore[attr-defined]
    since = utcnow() - WINDOW
    return int(
        (
            await session.execute(
                sa.select(sa.func.count())
                .select_from(table)
                .where(
                    table.c.action == ACTION, table.c.actor == principal.actor, table.c.at >= since
                )
            )
        ).scalar_one()
    )


async def check_budget(session: AsyncSession, principal: Principal, lang: str, column: str) -> None:
    """Refuse a hit once the caller has had :data:`LIMIT` hits within :data:`WINDOW`."""
    if principal.is_system:
        return
    if await used(session, principal) >= LIMIT:
        raise Invalid(
            [FieldError(column, "unique.too_many", message("unique.too_many", lang, minutes=60))]
        )


async def hit(
    session: AsyncSession,
    principal: Principal,
    model: type[Record],
    column: str,
    other_id: int,
    own_id: int | None,
    lang: str,
) -> tuple[FieldError, Any]:
    """The field error for a taken personal value, and the audit entry recording the probe."""
    key: Any = model.id
    visible = (
        await session.execute(sa.select(key).where(key == other_id))
    ).first() is not None  # row scope applies
    code = "unique" if visible else "unique.elsewhere"
    entry = AuditEntry(
        actor=principal.actor[:200],
        action=ACTION,
        entity=model.__entity__.type_name,
        record_id=own_id or 0,
        changes={"fields": [column], "visible": visible},
        organisation_id=principal.organisation_id,
    )
    return FieldError(column, code, message(code, lang)), entry
