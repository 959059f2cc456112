"""The one write path, for GraphQL, the admin UI and imports alike.

authorise → coerce and validate → check references and scope → check the
version → write → audit. Every step raises a :mod:`hongfan.errors` error with
field-level messages in the caller's language; nothing is written on error
(the caller's transaction rolls back).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import access, integrity, redaction, row_scope
from hongfan.db import WRITE_SENT
from hongfan.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from hongfan.levels import check_levels
from hongfan.policy import Op, Rows
from hongfan.uniqueness import check_unique
from hongfan.write_steps import (
    _audit,
    _authorise,
    _check_record,
    _clean,
    _derive_scope,
    _jsonable,
    _lang,
    _principal,
    _resolve_references,
    _unique_as_field_error,
    audit_organisation,
    snapshot,
    writable_columns,
)
from models import pinyin
from models.audit import AuditEntry
from models.base import ENTITIES, Record, utcnow
from models.messages import message

P = ParamSpec("P")


def _in_scope(
    write: Callable[Concatenate[AsyncSession, P], Awaitable[Record]],
) -> Callable[Concatenate[AsyncSession, P], Awaitable[Record]]:
    """Every read a write makes sees only the rows the caller may change (its scope), not the
    published rows it may also read: a record outside it is read-only, a reference to one
    is invalid."""

    @functools.wraps(write)
    async def scoped(session: AsyncSession, *args: P.args, **kwargs: P.kwargs) -> Record:
        with row_scope.own_scope(session):
            return await write(session, *args, **kwargs)

    return scoped


@_in_scope
async def create(session: AsyncSession, model: type[Record], data: dict[str, Any]) -> Record:
    lang = _lang(session)
    _authorise(session, model, Op.CREATE)
    row = _clean(session, model, data, lang, partial=False)
    refs = await _resolve_references(session, model, row, lang)
    _derive_scope(session, model, row, refs, lang)
    _check_record(model, row, lang)
    await check_levels(session, model, row, refs, None, lang)
    await check_unique(session, model, row, None, lang)
    author = _principal(session).user_id  # a user reference; null when the system writes
    record = model(**row, created_by=author, updated_by=author)
    session.add(record)
    async with _unique_as_field_error(model, lang):
        await session.flush()
    if model.__entity__.scope == "path":
        parent = refs.get("parent_id")
        record.path = f"{parent.path if parent else '/'}{record.id}/"  # type: ignore[attr-defined]
        await session.flush()
    _audit(session, "create", record, {k: [None, _jsonable(v)] for k, v in row.items()})
    return record


@functools.cache
def _by_id(model: type[Record], *, deleted: bool, readable: bool) -> Any:
    """``model``'s record by id (bound as ``record_id``), built once per type and kind: the row
    scope is added per caller (hongfan.row_scope, ``REUSED``). ``readable``: every row the
    caller may read, not only those it may change."""
    options: dict[str, Any] = {access.REUSED: True}
    if deleted:
        options[access.INCLUDE_DELETED] = True
    if readable:
        options[access.OWN_SCOPE] = False
    statement = sa.select(model).where(model.id == sa.bindparam("record_id"))  # type: ignore[arg-type]
    return statement.execution_options(**options)


async def _load_for_write(
    session: AsyncSession, model: type[Record], record_id: int, *, deleted: bool = False
) -> Record:
    """The record, if the caller may change it; one it may only read is refused as read-only."""
    by_id = {"record_id": record_id}
    record = (
        await session.execute(_by_id(model, deleted=deleted, readable=False), by_id)
    ).scalar_one_or_none()
    if record is None:
        readable = _by_id(model, deleted=deleted, readable=True)
        if (await session.execute(readable, by_id)).scalar_one_or_none() is not None:
            # A published record outside the caller's scope: it may read it, not change it.
            raise Forbidden.of("id", "read_only", _lang(session))
        raise NotFound.of("id", "not_found", _lang(session))
    return record


def _check_version(session: AsyncSession, record: Record, version: int | None) -> None:
    if version is not None and version != record.version:
        lang = _lang(session)
        error = FieldError(
            "version",
            "conflict.version",
            message("conflict.version", lang, current=record.version, given=version),
        )
        raise Conflict([error], current=record)


async def _write_versioned(
    session: AsyncSession,
    model: type[Record],
    record: Record,
    values: dict[str, Any],
    action: str,
    changes: dict[str, Any],
) -> None:
    """UPDATE … WHERE version = read version, and its audit entry: a concurrent writer makes
    this a conflict. On PostgreSQL the entry is inserted by the same statement (one round
    trip: ``WITH changed AS (UPDATE … RETURNING id) INSERT INTO audit_log … SELECT … FROM
    changed``), so an update is its read, this statement, and the transaction's ends."""
    read_version = record.version
    derived = pinyin.derived_values(model, values)  # a changed name's sort key and search text
    values = {
        **values,
        "version": read_version + 1,
        "updated_at": utcnow(),
        "updated_by": _principal(session).user_id,
    }
    combined = session.get_bind().dialect.name == "postgresql"
    columns = {**values, **derived}
    params = {f"v_{name}": value for name, value in columns.items()}
    params.update(record_id=record.id, read_version=read_version)
    if combined:
        entry = _audit_values(session, model, record, values, action, changes)
        params.update({f"a_{name}": value for name, value in entry.items()})
    statement = _versioned_statement(model, tuple(sorted(columns)), combined)
    session.info[WRITE_SENT] = True  # without a transaction, this statement is the commit
    async with _unique_as_field_error(model, _lang(session)):
        result = await session.execute(statement, params)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        lang = _lang(session)
        raise Conflict(
            [
                FieldError(
                    "version",
                    "conflict.version",
                    message("conflict.version", lang, current="?", given=read_version),
                )
            ]
        )
    session.expunge(record)
    for name, value in values.items():
        setattr(record, name, value)
    pinyin.store(record, derived)
    if not combined:
        _audit(session, action, record, changes)


_AUDIT_COLUMNS = (
    "at",
    "actor",
    "action",
    "entity",
    "record_id",
    "changes",
    "request_id",
    "organisation_id",
)


@functools.lru_cache(maxsize=512)
def _versioned_statement(model: type[Record], columns: tuple[str, ...], combined: bool) -> Any:
    """``UPDATE … SET columns WHERE id = :record_id AND version = :read_version`` — with, when
    ``combined`` (PostgreSQL), the insert of its audit entry — built once per type and set of
    columns: the values are bound at execution (``v_<column>``, ``a_<audit column>``), so
    SQLAlchemy neither builds nor keys the statement again for every write."""
    table = model.__table__  # type: ignore[attr-defined]
    statement: Any = (
        sa.update(table)
        .where(
            table.c.id == sa.bindparam("record_id"),
            table.c.version == sa.bindparam("read_version"),
        )
        .values({name: sa.bindparam(f"v_{name}", type_=table.c[name].type) for name in columns})
    )
    if combined:
        audit = AuditEntry.__table__  # type: ignore[attr-defined]
        changed = statement.returning(table.c.id).cte("changed")
        row = sa.select(*(sa.bindparam(f"a_{k}", type_=audit.c[k].type) for k in _AUDIT_COLUMNS))
        statement = sa.insert(audit).from_select(list(_AUDIT_COLUMNS), row.select_from(changed))
    return statement.execution_options(**{access.REUSED: True})


def _audit_values(
    session: AsyncSession,
    model: type[Record],
    record: Record,
    values: dict[str, Any],
    action: str,
    changes: dict[str, Any],
) -> dict[str, Any]:
    """The audit entry of a versioned write, as column values (what ``_audit`` adds)."""
    if model.__entity__.scope == "path":
        organisation = record.id
    else:
        organisation = values.get("organisation_id", getattr(record, "organisation_id", None))
    return {
        "at": utcnow(),
        "actor": _principal(session).actor,
        "action": action,
        "entity": model.__entity__.type_name,
        "record_id": record.id or 0,
        "changes": redaction.seal_changes(model, changes),
        "request_id": session.info.get("request_id"),
        "organisation_id": organisation,
    }


def writes_one_statement(model: type[Record], data: dict[str, Any]) -> bool:
    """True when :func:`update` of ``model`` with ``data`` changes the database by one
    statement at most — the versioned UPDATE with its audit entry (on PostgreSQL) — so it
    may run without a transaction (``Database.write(one_statement=True)``). Not when it may
    move a subtree or carry an organisation to the records below (statements of their own),
    nor when it re-levels an organisation: the level rule locks its row before it reads the
    levels below (hongfan.levels), a lock that must last until the write commits."""
    meta = model.__entity__
    if "organisation_id" in data:
        return False
    if meta.scope == "path" and ("parent_id" in data or "level" in data):
        return False
    return meta.scope_parent is None or meta.scope_parent[0] not in data


@_in_scope
async def update(
    session: AsyncSession,
    model: type[Record],
    record_id: int,
    version: int | None,
    data: dict[str, Any],
) -> Record:
    lang = _lang(session)
    _authorise(session, model, Op.UPDATE)
    record = await _load_for_write(session, model, record_id)
    _check_version(session, record, version)
    values = _clean(session, model, data, lang, partial=True)
    before = snapshot(record)
    row = {**before, **values}
    refs = await _resolve_references(session, model, values, lang)
    if model.__entity__.scope_parent is not None and model.__entity__.scope_parent[0] in values:
        _derive_scope(session, model, row, refs, lang)
        values["organisation_id"] = row["organisation_id"]
    _check_record(model, row, lang)
    # A field the caller may not read in clear is written whatever it held: were an equal
    # value skipped, whether the version moved would tell the caller a masked phone or a
    # hidden family category it guessed (outside tester, through the admin edit form).
    principal = _principal(session)
    changed = {
        k: v
        for k, v in values.items()
        if before.get(k) != v or not access.can_read_column(principal, model, k)
    }
    if "level" in changed or "parent_id" in changed:
        await check_levels(session, model, row, refs, record.id, lang)
    await check_unique(session, model, row, record.id, lang, changed=changed)
    if model.__entity__.scope == "path" and "parent_id" in changed:
        await _move_subtree(session, record, refs.get("parent_id"), lang)
        changed["path"] = record.path  # type: ignore[attr-defined]
    if changed:
        changes = {k: [_jsonable(before.get(k)), _jsonable(v)] for k, v in changed.items()}
        await _write_versioned(session, model, record, changed, "update", changes)
        if "organisation_id" in changed:
            await _propagate_organisation(
                session, model, record.id or 0, changed["organisation_id"]
            )
    return record


async def _move_subtree(
    session: AsyncSession, record: Record, parent: Record | None, lang: str
) -> None:
    old_path: str = record.path  # type: ignore[attr-defined]
    if parent is None:
        if access.row_rule(_principal(session), type(record)) is not Rows.ALL:
            raise Forbidden.of("parent_id", "root_forbidden", lang)
        new_path = f"/{record.id}/"
    else:
        parent_path: str = parent.path  # type: ignore[attr-defined]
        if parent_path.startswith(old_path):
            raise Invalid.of("parent_id", "cycle", lang)
        new_path = f"{parent_path}{record.id}/"
    table = type(record).__table__  # type: ignore[attr-defined]
    await session.execute(
        sa.update(table)
        .where(table.c.path.like(old_path + "%"), table.c.id != record.id)
        .values(path=sa.literal(new_path) + sa.func.substr(table.c.path, len(old_path) + 1))
    )
    record.path = new_path  # type: ignore[attr-defined]


async def _propagate_organisation(
    session: AsyncSession, model: type[Record], record_id: int, organisation_id: int
) -> None:
    """Children that copy organisation_id from this record follow it."""
    for child in ENTITIES.values():
        scope_parent = child.__entity__.scope_parent
        if scope_parent and scope_parent[1] == model.__entity__.type_name:
            table = child.__table__  # type: ignore[attr-defined]
            await session.execute(
                sa.update(table)
                .where(table.c[scope_parent[0]] == record_id)
                .values(organisation_id=organisation_id)
            )


@_in_scope
async def delete(
    session: AsyncSession,
    model: type[Record],
    record_id: int,
    version: int | None = None,
    *,
    subtree: bool = False,
) -> Record:
    """Soft-delete a record and its parts (hongfan.integrity); refused while live records depend on it.

    ``subtree`` (organisations): delete it with everything below it, in one operation.
    """
    _authorise(session, model, Op.DELETE)
    record = await _load_for_write(session, model, record_id)
    _check_version(session, record, version)
    along = await integrity.plan_delete(session, record, subtree=subtree)
    now = utcnow()
    changes: dict[str, Any] = {"deleted_at": [None, _jsonable(now)]}
    if along:
        changes["deleted_with_it"] = integrity.summary(along)
    await _write_versioned(session, model, record, {"deleted_at": now}, "delete", changes)
    await integrity.apply(session, along, now, _principal(session).user_id)
    return record


@_in_scope
async def restore(
    session: AsyncSession, model: type[Record], record_id: int, version: int | None = None
) -> Record:
    """Bring back a soft-deleted record and what was deleted with it; refused under a deleted parent."""
    lang = _lang(session)
    _authorise(session, model, Op.RESTORE)
    record = await _load_for_write(session, model, record_id, deleted=True)
    if record.deleted_at is None:
        raise Invalid.of("id", "not_deleted", lang)
    _check_version(session, record, version)
    before = record.deleted_at
    along = await integrity.plan_restore(session, record)
    changes: dict[str, Any] = {"deleted_at": [_jsonable(before), None]}
    if along:
        changes["restored_with_it"] = integrity.summary(along)
    await _write_versioned(session, model, record, {"deleted_at": None}, "restore", changes)
    await integrity.apply(session, along, None, _principal(session).user_id)
    return record


__all__ = [
    "audit_organisation",
    "create",
    "delete",
    "restore",
    "snapshot",
    "update",
    "writable_columns",
    "writes_one_statement",
]
