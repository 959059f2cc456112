"""Referential integrity on soft delete and restore, from the relations' declarations.

Each to-one relation says what deleting the record it points at means for the record
holding it (``ToOne.on_delete``):

- ``"cascade"``: the record is part of the one pointed at (a student's grants and
  internships, a course's sessions and enrolments). It is deleted with it, in the same
  operation, and restored with it.
- ``"restrict"``: deleting the record pointed at is refused while the holder is live,
  with a field error that counts what still hangs off it (3 service sites, 2 students…) —
  unless the caller deletes an organisation *with everything below it*, when the whole
  subtree (organisations and every record of theirs, and their parts) goes in one
  operation. A restrict holder outside the set being deleted still refuses it.

Everything deleted together carries the same ``deleted_at``; restoring the record the
operation started from restores exactly those rows. A record whose parent is deleted
cannot be restored (restore the parent first). Applied by :mod:`hongfan.crud`, so every
surface — GraphQL, the admin UI, bulk actions, imports — behaves alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import access
from hongfan.errors import FieldError, Forbidden, Invalid
from hongfan.policy import Op
from hongfan.principal import Principal
from models.base import ENTITIES, Record, ToOne
from models.messages import message

Rows = dict[str, set[int]]  # type name → ids


def _holders(type_name: str) -> Iterable[tuple[type[Record], ToOne]]:
    """Every to-one relation (and the type holding it) that points at ``type_name``."""
    for model in ENTITIES.values():
        for relation in model.__entity__.relations:
            if isinstance(relation, ToOne) and relation.target == type_name:
                yield model, relation


def _table(model: type[Record]) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


async def _ids(session: AsyncSession, statement: Any) -> set[int]:
    # Core statements on the tables: integrity holds over every row, visible to the caller or not.
    return {int(pk) for pk in (await session.execute(statement)).scalars().all()}


async def _subtree(session: AsyncSession, organisation: Record, when: datetime | None) -> Rows:
    """The organisation's subtree and every record of its organisations, live (or deleted at ``when``)."""
    organisations = _table(ENTITIES["Organisation"])

    def state(table: sa.Table) -> Any:
        return table.c.deleted_at.is_(None) if when is None else table.c.deleted_at == when

    path = organisation.path  # type: ignore[attr-defined]
    every = sa.select(organisations.c.id).where(organisations.c.path.like(path + "%"))
    rows: Rows = {"Organisation": await _ids(session, every.where(state(organisations)))}
    for model in ENTITIES.values():
        table = _table(model)
        if model.__entity__.scope == "organisation" and "organisation_id" in table.c:
            found = await _ids(
                session,
                sa.select(table.c.id).where(table.c.organisation_id.in_(every), state(table)),
            )
            if found:
                rows[model.__entity__.type_name] = found
    return rows


async def _with_parts(session: AsyncSession, rows: Rows, when: datetime | None) -> Rows:
    """``rows`` and, repeatedly, the live (or deleted at ``when``) parts of any of them."""
    pending = dict(rows)
    while pending:
        added: Rows = {}
        for type_name, ids in pending.items():
            for model, relation in _holders(type_name):
                if relation.on_delete != "cascade":
                    continue
                table = _table(model)
                state = table.c.deleted_at.is_(None) if when is None else table.c.deleted_at == when
                found = await _ids(
                    session, sa.select(table.c.id).where(table.c[relation.fk].in_(ids), state)
                )
                new = found - rows.get(model.__entity__.type_name, set())
                if new:
                    rows.setdefault(model.__entity__.type_name, set()).update(new)
                    added.setdefault(model.__entity__.type_name, set()).update(new)
        pending = added
    return rows


def _describe(counts: dict[type[Record], int], lang: str) -> str:
    parts = [
        message(
            "dependents.count",
            lang,
            label=model.__entity__.label_en if lang == "en" else model.__entity__.label_zh,
            count=count,
        )
        for model, count in counts.items()
    ]
    return message("dependents.separator", lang).join(parts)


async def _live_holders(session: AsyncSession, rows: Rows) -> dict[type[Record], int]:
    """Live records outside ``rows`` whose restrict relation points into ``rows``, counted by type."""
    counts: dict[type[Record], int] = {}
    for type_name, ids in rows.items():
        for model, relation in _holders(type_name):
            if relation.on_delete != "restrict":
                continue
            table = _table(model)
            statement = sa.select(sa.func.count()).where(
                table.c[relation.fk].in_(ids),
                table.c.deleted_at.is_(None),
                table.c.id.not_in(rows.get(model.__entity__.type_name, set())),
            )
            count = int((await session.execute(statement)).scalar_one())
            if count:
                counts[model] = counts.get(model, 0) + count
    return counts


async def plan_delete(session: AsyncSession, record: Record, *, subtree: bool) -> Rows:
    """What deleting ``record`` deletes besides it (its parts; with ``subtree``, everything below).

    Raises :class:`Invalid` when live records would be left pointing at a deleted one, and
    :class:`Forbidden` when the caller may not delete one of the types involved.
    """
    principal: Principal = session.info["principal"]
    lang = principal.language
    model = type(record)
    type_name = model.__entity__.type_name
    rows: Rows = {type_name: {int(record.id or 0)}}
    if subtree and model.__entity__.scope == "path":
        rows = await _subtree(session, record, None)
        rows.setdefault(type_name, set()).add(int(record.id or 0))
    rows = await _with_parts(session, rows, None)
    for name, ids in rows.items():
        if ids and not access.can_write(principal, ENTITIES[name], Op.DELETE):
            raise Forbidden.of("id", "forbidden", lang)
    holders = await _live_holders(session, rows)
    if holders:
        code = "has_dependents" if not subtree else "has_dependents.elsewhere"
        raise Invalid([FieldError("id", code, message(code, lang, what=_describe(holders, lang)))])
    rows[type_name].discard(int(record.id or 0))
    return {name: ids for name, ids in rows.items() if ids}


async def plan_restore(session: AsyncSession, record: Record) -> Rows:
    """What restoring ``record`` restores besides it: what was deleted with it, at the same moment.

    Raises :class:`Invalid` when a record it belongs to is deleted.
    """
    principal: Principal = session.info["principal"]
    lang = principal.language
    model = type(record)
    for relation in model.__entity__.relations:
        if not isinstance(relation, ToOne) or getattr(record, relation.fk, None) is None:
            continue
        parent = _table(ENTITIES[relation.target])
        statement = sa.select(parent.c.deleted_at).where(
            parent.c.id == getattr(record, relation.fk)
        )
        if (await session.execute(statement)).scalar_one_or_none() is not None:
            raise Invalid(
                [FieldError(relation.fk, "parent_deleted", message("parent_deleted", lang))]
            )
    when = record.deleted_at
    type_name = model.__entity__.type_name
    rows: Rows = {type_name: {int(record.id or 0)}}
    if model.__entity__.scope == "path":
        rows = await _subtree(session, record, when)
        rows.setdefault(type_name, set()).add(int(record.id or 0))
    rows = await _with_parts(session, rows, when)
    for name, ids in rows.items():
        if ids and not access.can_write(principal, ENTITIES[name], Op.RESTORE):
            raise Forbidden.of("id", "forbidden", lang)
    rows[type_name].discard(int(record.id or 0))
    return {name: ids for name, ids in rows.items() if ids}


async def apply(
    session: AsyncSession, rows: Rows, deleted_at: datetime | None, author: int | None
) -> None:
    """Set ``deleted_at`` on ``rows`` (one statement per type), each row's version moving on."""
    from models.base import utcnow

    for type_name, ids in rows.items():
        table = _table(ENTITIES[type_name])
        await session.execute(
            sa.update(table)
            .where(table.c.id.in_(sorted(ids)))
            .values(
                deleted_at=deleted_at,
                version=table.c.version + 1,
                updated_at=utcnow(),
                updated_by=author,
            )
        )


def summary(rows: Rows) -> dict[str, list[int]]:
    """What went along, for the audit entry of the operation."""
    return {name: sorted(ids) for name, ids in sorted(rows.items())}
