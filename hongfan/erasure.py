"""The data subject's right to erasure (#12.8): anonymise a person on request.

``anonymise`` replaces a scholarship student's name, ID number, phone and family category
with a tombstone, and removes those values from the record's history (the audit log's
before/after). What is not about the person stays: grants keep their amounts for the
statistics, internships their dates. Only those the policy lets ``ANONYMISE`` (org admins
of the person's organisation, under their row scope, and superadmins) may; the act is
audited, without the values.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import access, crud
from hongfan.errors import Forbidden, NotFound
from hongfan.policy import Op
from hongfan.principal import Principal
from models import pinyin
from models.audit import AuditEntry
from models.base import Record, utcnow
from models.sealed import ERASED

TOMBSTONE_NAME = "（已匿名化）"
# Per record type: its personal columns, and what each becomes.
PERSONAL: dict[str, dict[str, Any]] = {
    "ScholarshipStudent": {
        "name": TOMBSTONE_NAME,
        "id_number": ERASED,  # + the id: a unique tombstone, as ID numbers are unique
        "phone": None,
        "family_category": ERASED,
    },
    "Enrolment": {"name": TOMBSTONE_NAME, "phone": None},
    "Volunteer": {"name": TOMBSTONE_NAME, "phone": None},
}


async def anonymise(session: AsyncSession, model: type[Record], record_id: int) -> Record:
    principal: Principal = session.info["principal"]
    lang = principal.language
    type_name = model.__entity__.type_name
    if type_name not in PERSONAL or not access.can_write(principal, model, Op.ANONYMISE):
        raise Forbidden.of("id", "forbidden", lang)
    key: Any = model.id
    statement = (
        sa.select(model).where(key == record_id).execution_options(**{access.INCLUDE_DELETED: True})
    )
    record = (await session.execute(statement)).scalar_one_or_none()  # under row scope
    if record is None:
        raise NotFound.of("id", "not_found", lang)
    values = {
        c: (f"{v}{record_id}" if c == "id_number" else v) for c, v in PERSONAL[type_name].items()
    }
    table = model.__table__  # type: ignore[attr-defined]
    await session.execute(
        sa.update(table)
        .where(table.c.id == record_id)
        .values(
            **values,
            **pinyin.derived_values(model, values),
            version=record.version + 1,
            updated_at=utcnow(),
            updated_by=principal.user_id,
        )
    )
    scrubbed = await _scrub_history(session, type_name, record_id, set(values))
    session.add(
        AuditEntry(
            actor=principal.actor[:200],
            action="anonymise",
            entity=type_name,
            record_id=record_id,
            changes={"fields": sorted(values), "history_entries_scrubbed": scrubbed},
            request_id=session.info.get("request_id"),
            organisation_id=crud.audit_organisation(record),
        )
    )
    session.expunge(record)
    return (await session.execute(statement)).scalar_one()


async def _scrub_history(
    session: AsyncSession, type_name: str, record_id: int, columns: set[str]
) -> int:
    """Blank ``columns`` in the before/after of every audit entry about the record."""
    audit = AuditEntry.__table__  # type: ignore[attr-defined]
    rows = (
        await session.execute(
            sa.select(audit.c.id, audit.c.changes).where(
                audit.c.entity == type_name, audit.c.record_id == record_id
            )
        )
    ).all()
    scrubbed = 0
    for entry_id, changes in rows:
        if not isinstance(changes, dict) or not columns & set(changes):
            continue
        cleaned = {
            k: ([None, None] if k in columns and isinstance(v, list) else v)
            for k, v in changes.items()
        }
        await session.execute(
            sa.update(audit).where(audit.c.id == entry_id).values(changes=cleaned)
        )
        scrubbed += 1
    return scrubbed


async def person_export(
    session: AsyncSession, model: type[Record], record_id: int
) -> dict[str, Any]:
    """Everything held about one person, for a subject access request (JSON-able), audited.

    The record in clear, its related records (grants, internships) and its history;
    for those the policy lets exercise the person's rights (``Op.ANONYMISE``).
    """
    from models.base import ENTITIES, ToMany

    principal: Principal = session.info["principal"]
    lang = principal.language
    type_name = model.__entity__.type_name
    if type_name not in PERSONAL or not access.can_write(principal, model, Op.ANONYMISE):
        raise Forbidden.of("id", "forbidden", lang)
    key: Any = model.id
    statement = (
        sa.select(model).where(key == record_id).execution_options(**{access.INCLUDE_DELETED: True})
    )
    record = (await session.execute(statement)).scalar_one_or_none()
    if record is None:
        raise NotFound.of("id", "not_found", lang)
    related: dict[str, list[dict[str, Any]]] = {}
    for relation in model.__entity__.relations:
        if isinstance(relation, ToMany):
            target = ENTITIES[relation.target]
            rows = (
                await session.execute(
                    sa.select(target).where(getattr(target, relation.fk) == record_id)
                )
            ).scalars()
            related[relation.name] = [_plain(r) for r in rows]
    audit = AuditEntry.__table__  # type: ignore[attr-defined]
    history = (
        await session.execute(
            sa.select(audit.c.at, audit.c.action, audit.c.changes)
            .where(audit.c.entity == type_name, audit.c.record_id == record_id)
            .order_by(audit.c.id)
        )
    ).all()
    from hongfan import redaction

    session.add(
        AuditEntry(
            actor=principal.actor[:200],
            action="export_person",
            entity=type_name,
            record_id=record_id,
            changes={"related": {k: len(v) for k, v in related.items()}, "history": len(history)},
            request_id=session.info.get("request_id"),
            organisation_id=crud.audit_organisation(record),
        )
    )
    return {
        "type": type_name,
        "record": _plain(record),
        **related,
        "history": [
            {
                "at": at.isoformat(),
                "action": action,
                "changes": {
                    k: [redaction.open_change(model, k, x) for x in v]
                    if isinstance(v, list) and k in model.__table__.c  # type: ignore[attr-defined]
                    else v
                    for k, v in (changes or {}).items()
                },
            }
            for at, action, changes in history
        ],
    }


def _plain(record: Record) -> dict[str, Any]:
    from models import pinyin as derived

    table = record.__table__  # type: ignore[attr-defined]
    return {
        c.name: crud._jsonable(getattr(record, c.name))
        for c in table.columns
        if not derived.derived_from(c)
    }


async def past_retention(
    session: AsyncSession, years: int, this_year: int
) -> list[tuple[int, int]]:
    """(id, graduation year) of students kept past ``years`` after graduating, not yet anonymised."""
    from models.base import ENTITIES

    model: Any = ENTITIES["ScholarshipStudent"]
    statement = (
        sa.select(model.id, model.graduation_year)
        .where(model.graduation_year + years < this_year, model.name != TOMBSTONE_NAME)
        .order_by(model.id)
        .execution_options(**{access.INCLUDE_DELETED: True})
    )
    return [(int(i), int(y)) for i, y in (await session.execute(statement)).all()]
