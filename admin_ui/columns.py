"""What the admin shows of a column or a record: labels, input kinds, display values, titles.

Every page builds on these; they read the record definitions in ``models`` and ask
``hongfan.access`` how the caller may see each value.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from admin_ui.i18n import format_value
from admin_ui.registry import BY_TYPE, AdminView
from admin_ui.web import Page
from hongfan import access, reads
from models.base import CHOICE_LABELS, ENTITIES, Record, ToOne, column_meta
from models.rules import python_type

PAGE_SIZE = 25
COUNT_CAP = 10_000
PICKER_LIMIT = 500
HIDDEN_IN_FORMS = {
    "id",
    "path",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "version",
    "deleted_at",
}


def label(model: type[Record], column: str, lang: str) -> str:
    meta = column_meta(model, column)
    return meta.label_en if lang == "en" else meta.label_zh


def type_label(model: type[Record], lang: str) -> str:
    meta = model.__entity__
    return meta.label_en if lang == "en" else meta.label_zh


def fk_target(model: type[Record], column: str) -> type[Record] | None:
    for relation in model.__entity__.relations:
        if isinstance(relation, ToOne) and relation.fk == column:
            return ENTITIES[relation.target]
    return None


def choice_options(model: type[Record], column: str, lang: str) -> list[tuple[str, str]]:
    enum_cls: Any = python_type(model, column)
    labels = CHOICE_LABELS.get(enum_cls, {})
    return [
        (m.value, labels.get(m, (m.value, m.value))[1 if lang == "en" else 0]) for m in enum_cls
    ]


def kind_of(model: type[Record], column: str) -> str:
    if fk_target(model, column) is not None:
        return "relation"
    target = python_type(model, column)
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return "choice"
    if target is bool:
        return "bool"
    if target is date:
        return "date"
    if target is int:
        return "int"
    if (getattr(model.__table__.c[column].type, "length", None) or 0) > 300:  # type: ignore[attr-defined]
        return "text"
    return "str"


def display(
    page: Page, model: type[Record], record: Record, column: str, refs: dict[str, dict[int, str]]
) -> Any:
    raw = getattr(record, column)
    value = access.present(page.principal, model, column, raw)
    if value is None:
        return (
            page.t("masked") if raw is not None and column_meta(model, column).sensitive else None
        )
    if column in refs:
        return refs[column].get(value, f"#{value}")
    if column_meta(model, column).person:
        return None  # an author's id is never shown; resolve_refs names it
    if isinstance(value, enum.Enum):
        labels = CHOICE_LABELS.get(type(value), {})
        zh, en = labels.get(value, (value.value, value.value))
        return en if page.lang == "en" else zh
    return value


async def record_titles(
    session: AsyncSession, model: type[Record], ids: set[int], lang: str
) -> dict[int, str]:
    """What each referenced record is called; organisations by their path below the city."""
    if not ids:
        return {}
    view = BY_TYPE.get(model.__entity__.type_name)
    found = await reads.by_ids(session.execute, model, sorted(ids))
    if model.__entity__.scope != "path":
        return {pk: title(r, view, lang) if view else f"#{pk}" for pk, r in found.items()}
    ancestors: set[int] = set()
    for record in found.values():
        ancestors.update(int(p) for p in str(record.path).strip("/").split("/") if p)  # type: ignore[attr-defined]
    names = {
        pk: str(r.name)  # type: ignore[attr-defined]
        for pk, r in (await reads.by_ids(session.execute, model, sorted(ancestors))).items()
    }  # type: ignore[attr-defined]
    titles = {}
    for pk, record in found.items():
        parts = [names.get(int(p), "…") for p in str(record.path).strip("/").split("/") if p]  # type: ignore[attr-defined]
        titles[pk] = " / ".join(parts[1:] or parts)
    return titles


async def resolve_refs(
    page: Page,
    session: AsyncSession,
    model: type[Record],
    records: list[Record],
    columns: list[str],
) -> dict[str, dict[int, str]]:
    refs: dict[str, dict[int, str]] = {}
    authors = [
        c
        for c in columns
        if column_meta(model, c).person and access.can_read_column(page.principal, model, c)
    ]
    if authors:
        ids = {getattr(r, c) for r in records for c in authors if getattr(r, c) is not None}
        found = await reads.people(session.execute, ids)
        for column in authors:
            refs[column] = {
                pk: access.person_label(page.principal, model, who) or ""
                for pk, who in found.items()
            }
    for column in columns:
        target = fk_target(model, column)
        if target is None or not access.can_read_column(page.principal, model, column):
            continue
        ids = {getattr(r, column) for r in records if getattr(r, column) is not None}
        refs[column] = await record_titles(session, target, ids, page.lang)
    return refs


async def load(
    session: AsyncSession, model: type[Record], pk: int, *, deleted: bool = True
) -> Record | None:
    statement = sa.select(model).where(model.id == pk)  # type: ignore[arg-type]
    if deleted:
        statement = statement.execution_options(**{access.INCLUDE_DELETED: True})
    return (await session.execute(statement)).scalar_one_or_none()


async def changeable(session: AsyncSession, model: type[Record], pk: int) -> bool:
    """Whether the record is in the caller's own scope: a published record outside it is
    shown (it is public) but offers no edit, delete or restore — crud would refuse them."""
    statement = (
        sa.select(model.id)  # type: ignore[call-overload]
        .where(model.id == pk)  # type: ignore[arg-type]
        .execution_options(**{access.INCLUDE_DELETED: True, access.OWN_SCOPE: True})
    )
    return (await session.execute(statement)).first() is not None


def title(record: Record, view: AdminView, lang: str = "zh") -> str:
    parts = []
    for column in (view.title_column, view.subtitle_column):
        if column is None:
            continue
        value = getattr(record, column, None)
        if isinstance(value, enum.Enum):
            zh, en = CHOICE_LABELS.get(type(value), {}).get(value, (value.value, value.value))
            value = en if lang == "en" else zh
        if value not in (None, ""):
            parts.append(format_value(value, lang))
    return " · ".join(parts) or f"#{record.id}"
