"""The steps every write goes through (hongfan.crud): who may, clean values, references,
scope, duplicates, and the audit entry that records it."""

from __future__ import annotations

import contextlib
import enum
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import access, redaction
from hongfan.errors import FieldError, Forbidden, Invalid
from hongfan.policy import Op, Rows
from hongfan.principal import Principal
from models.audit import AuditEntry
from models.base import ENTITIES, Record, ToOne, column_meta
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
