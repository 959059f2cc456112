"""Bulk writes: one action on many records in the caller's transaction, all or nothing,
each record through :mod:`hongfan.crud`'s single-record path (authorisation, scope,
validation, its own audit entry) plus one entry for the operation itself."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import crud
from hongfan.errors import FieldError, HongfanError, Invalid
from models.audit import AuditEntry
from models.base import Record, column_meta

BULK_ACTIONS = {"update", "delete", "restore"}


async def bulk(
    session: AsyncSession,
    model: type[Record],
    action: str,
    ids: list[int],
    data: dict[str, Any] | None = None,
) -> list[Record]:
    """Apply one action to many records in the caller's transaction: all or nothing.

    ``action`` is ``"update"`` (with ``data``, the same values for every record),
    ``"delete"`` or ``"restore"``. Each record goes through the single-record function
    of :mod:`hongfan.crud` — authorisation, scope, validation, its own audit entry with its changes — and
    one more entry, ``bulk_<action>``, records the operation itself (the ids, the values
    set). All entries share one request id. Every record's problems are collected; if any
    record fails, :class:`Invalid` lists them all, fields named ``<id>.<field>``, and the
    caller's transaction rolls back, so nothing is written.
    """
    if action not in BULK_ACTIONS:
        raise Invalid.of("action", "invalid_choice", crud._lang(session))
    session.info.setdefault("request_id", f"bulk-{uuid.uuid4().hex[:16]}")
    done: list[Record] = []
    errors: list[FieldError] = []
    for record_id in ids:
        try:
            if action == "update":
                record = await crud.update(session, model, record_id, None, dict(data or {}))
            elif action == "delete":
                record = await crud.delete(session, model, record_id)
            else:
                record = await crud.restore(session, model, record_id)
        except HongfanError as error:
            errors.extend(
                FieldError(f"{record_id}.{e.field}", e.code, e.message) for e in error.errors
            )
            continue
        done.append(record)
    if errors:
        raise Invalid(errors)
    principal = crud._principal(session)
    session.add(
        AuditEntry(
            actor=principal.actor,
            action=f"bulk_{action}",
            entity=model.__entity__.type_name,
            record_id=0,  # many records: each has its own entry under the same request id
            changes={
                "ids": list(ids),
                **({"values": _summary_values(model, data)} if data else {}),
            },
            request_id=session.info.get("request_id"),
            organisation_id=principal.organisation_id,
        )
    )
    return done


def _summary_values(model: type[Record], data: dict[str, Any]) -> dict[str, Any]:
    """The values a bulk update set, personal data masked (the per-record entries hold them)."""
    table = model.__table__  # type: ignore[attr-defined]
    return {
        k: "***" if k in table.c and column_meta(model, k).sensitive else crud._jsonable(v)
        for k, v in data.items()
    }
