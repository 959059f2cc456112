"""The one write path, for GraphQL, the admin UI and imports alike.

authorise → coerce and validate → check references and scope → check the
version → write → audit. Every step raises a :mod:`hongfan.errors` error with
field-level messages in the caller's language; nothing is written on error
(the caller's transaction rolls back).
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import access, integrity, redaction
from hongfan.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from hongfan.policy import Op, Rows
from hongfan.principal import Principal
from hongfan.uniqueness import check_unique
from models import pinyin
from models.audit import AuditEntry
from models.base import ENTITIES, Record, ToOne, column_meta, utcnow
from models.messages import message
from models.rules import Invalid as InvalidValue
from models.rules import check_column, check_record, coerce


def _principal(session: AsyncSession) -> Principal:
    principal: Principal = session.info["principal"]
    return principal


def _lang(session: AsyncSession) -> str:
    return _principal(session).language


def _fk_targets(model: type[Record]) -> dict[str, type[Record]]:
    """Foreign-key column → the record type it points at."""
    targets: dict[str, type[Record]] = {}
    for relation in model.__entity__.relations:
        if isinstance(relation, ToOne):
            targets[relation.fk] = ENTITIES[relation.target]
    return targets


def writable_columns(model: type[Record]) -> list[str]:
    return [
        c.name
        for c in model.__table__.columns  # type: ignore[attr-defined]
        if column_meta(model, c.name).writable
    ]


def _authorise(session: AsyncSession, model: type[Record], op: Op) -> None:
    if not access.can_write(_principal(session), model, op):
        raise Forbidden.of("id", "forbidden", _lang(session))


def _clean(
    session: AsyncSession, model: type[Record], data: dict[str, Any], lang: str, *, partial: bool
) -> dict[str, Any]:
    """Coerce and check the given values; raise Invalid with every problem at once."""
    allowed = set(writable_columns(model)) & access.writable_columns(_principal(session), model)
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    for name, raw in data.items():
        if name not in allowed:
            errors.append(FieldError(name, "not_writable", message("not_writable", lang)))
            continue
        try:
            value = coerce(model, name, raw)
        except InvalidValue as problem:
            errors.append(
                FieldError(name, problem.code, message(problem.code, lang, **problem.params))
            )
            continue
        value, issue = check_column(model, name, value)
        if issue is not None:
            field, code, params = issue
            errors.append(FieldError(field, code, message(code, lang, **params)))
            continue
        cleaned[name] = value
    if not partial:
        for name in allowed:
            if name in data:
                continue
            column = model.__table__.c[name]  # type: ignore[attr-defined]
            derived = name == "organisation_id" and model.__entity__.scope_parent is not None
            if not column.nullable and model.model_fields[name].is_required() and not derived:
                errors.append(FieldError(name, "required", message("required", lang)))
    if errors:
        raise Invalid(errors)
    return cleaned


def _check_record(model: type[Record], row: dict[str, Any], lang: str) -> None:
    problems = check_record(model, row)
    if problems:
        raise Invalid([FieldError(f, c, message(c, lang, **p)) for f, c, p in problems])


async def _load_visible(
    session: AsyncSession, model: type[Record], record_id: int
) -> Record | None:
    result = await session.execute(sa.select(model).where(model.id == record_id))  # type: ignore[arg-type]
    return result.scalar_one_or_none()


async def _resolve_references(
    session: AsyncSession, model: type[Record], values: dict[str, Any], lang: str
) -> dict[str, Record]:
    """Load every referenced record under the caller's scope: invisible means invalid."""
    found: dict[str, Record] = {}
    errors: list[FieldError] = []
    for fk, target in _fk_targets(model).items():
        if fk not in values or values[fk] is None:
            continue
        record = await _load_visible(session, target, int(values[fk]))
        if record is None:
            errors.append(FieldError(fk, "invalid_reference", message("invalid_reference", lang)))
        else:
            found[fk] = record
    if errors:
        raise Invalid(errors)
    return found


def _derive_scope(
    session: AsyncSession,
    model: type[Record],
    row: dict[str, Any],
    refs: dict[str, Record],
    lang: str,
) -> None:
    """Fill organisation_id from the parent record and keep writes inside the caller's subtree."""
    meta = model.__entity__
    if meta.scope_parent is not None:
        fk, _parent = meta.scope_parent
        if fk in refs:
            row["organisation_id"] = refs[fk].organisation_id  # type: ignore[attr-defined]
    principal = _principal(session)
    if meta.scope == "path" and row.get("parent_id") is None:
        if access.row_rule(principal, model) is not Rows.ALL:
            raise Forbidden.of("parent_id", "root_forbidden", lang)


@contextlib.asynccontextmanager
async def _unique_as_field_error(model: type[Record], lang: str) -> AsyncIterator[None]:
    """A unique violation the checks above could not see (a concurrent writer) as a field error.

    The driver's message carries the value (PostgreSQL's DETAIL: Key (id_number)=(…));
    the error names the field only, and the exception is not chained to it.
    """
    try:
        yield
    except sa.exc.IntegrityError as error:
        column = redaction.unique_violation(model, error)
        if column is None:
            raise Invalid([FieldError("id", "integrity", message("integrity", lang))]) from None
        raise Invalid([FieldError(column, "unique", message("unique", lang))]) from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def audit_organisation(record: Record) -> int | None:
    """The organisation whose subtree a record's audit entries belong to."""
    if record.__entity__.scope == "path":
        return record.id
    return getattr(record, "organisation_id", None)


def _audit(session: AsyncSession, action: str, record: Record, changes: dict[str, Any]) -> None:
    principal = _principal(session)
    session.add(
        AuditEntry(
            actor=principal.actor,
            action=action,
            entity=record.__entity__.type_name,
            record_id=record.id or 0,
            changes=redaction.seal_changes(type(record), changes),
            request_id=session.info.get("request_id"),
            organisation_id=audit_organisation(record),
        )
    )


def snapshot(record: Record) -> dict[str, Any]:
    return {c.name: getattr(record, c.name) for c in record.__table__.columns}  # type: ignore[attr-defined]


async def create(session: AsyncSession, model: type[Record], data: dict[str, Any]) -> Record:
    lang = _lang(session)
    _authorise(session, model, Op.CREATE)
    row = _clean(session, model, data, lang, partial=False)
    refs = await _resolve_references(session, model, row, lang)
    _derive_scope(session, model, row, refs, lang)
    _check_record(model, row, lang)
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


async def _load_for_write(
    session: AsyncSession, model: type[Record], record_id: int, *, deleted: bool = False
) -> Record:
    statement = sa.select(model).where(model.id == record_id)  # type: ignore[arg-type]
    if deleted:
        statement = statement.execution_options(**{access.INCLUDE_DELETED: True})
    record = (await session.execute(statement)).scalar_one_or_none()
    if record is None:
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
    session: AsyncSession, model: type[Record], record: Record, values: dict[str, Any]
) -> None:
    """UPDATE … WHERE version = read version: a concurrent writer makes this a conflict."""
    table = model.__table__  # type: ignore[attr-defined]
    read_version = record.version
    derived = pinyin.derived_values(model, values)  # a changed name's sort key and search text
    values = {
        **values,
        "version": read_version + 1,
        "updated_at": utcnow(),
        "updated_by": _principal(session).user_id,
    }
    async with _unique_as_field_error(model, _lang(session)):
        result = await session.execute(
            sa.update(table)
            .where(table.c.id == record.id, table.c.version == read_version)
            .values(**values, **derived)
        )
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
    changed = {k: v for k, v in values.items() if before.get(k) != v}
    await check_unique(session, model, row, record.id, lang, changed=changed)
    if model.__entity__.scope == "path" and "parent_id" in changed:
        await _move_subtree(session, record, refs.get("parent_id"), lang)
        changed["path"] = record.path  # type: ignore[attr-defined]
    if changed:
        await _write_versioned(session, model, record, changed)
        if "organisation_id" in changed:
            await _propagate_organisation(
                session, model, record.id or 0, changed["organisation_id"]
            )
        _audit(
            session,
            "update",
            record,
            {k: [_jsonable(before.get(k)), _jsonable(v)] for k, v in changed.items()},
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
    await _write_versioned(session, model, record, {"deleted_at": now})
    await integrity.apply(session, along, now, _principal(session).user_id)
    changes: dict[str, Any] = {"deleted_at": [None, _jsonable(now)]}
    if along:
        changes["deleted_with_it"] = integrity.summary(along)
    _audit(session, "delete", record, changes)
    return record


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
    await _write_versioned(session, model, record, {"deleted_at": None})
    await integrity.apply(session, along, None, _principal(session).user_id)
    changes: dict[str, Any] = {"deleted_at": [_jsonable(before), None]}
    if along:
        changes["restored_with_it"] = integrity.summary(along)
    _audit(session, "restore", record, changes)
    return record
