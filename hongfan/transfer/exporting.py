"""Spreadsheet export: the caller's visible rows, as the caller may see them.

Rows are read through ``db.session(principal)`` (so the row scope applies) a
keyset page at a time; columns the caller may not read are left out and
sensitive values are shown as :func:`hongfan.access.present` returns them
(masked for editors and viewers). Every value is written the way
:mod:`hongfan.imports` reads it back — choices as labels, dates ISO, money as
``1500.50``, relations as an organisation's path of names, a company's name, a
course's title, a student's ID number — so for a user with full access an
export re-imports without changing anything. Reads of sensitive values in
clear are written to the audit log, as on every other path.
"""

from __future__ import annotations

import enum
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import access
from hongfan.db import Database
from hongfan.imports import (
    OrganisationIndex,
    column_label,
    importable_columns,
    relation_targets,
    resolve_type,
)
from hongfan.pagination import Direction, SortKey
from hongfan.policy import Fields
from hongfan.principal import Principal
from hongfan.reads import by_ids, fetch_page
from hongfan.spreadsheets import write_csv, write_xlsx
from models.audit import AuditEntry
from models.base import ENTITIES, Record, choice_label, column_meta
from models.rules import python_type

Format = Literal["csv", "xlsx"]
PAGE_SIZE = 500
_KEYS = [SortKey("id", Direction.ASC)]


def export_columns(principal: Principal, model: type[Record]) -> list[str]:
    """The importable columns the caller may read (in clear or masked)."""
    narrowed = access.readable_columns(principal, model)
    columns = []
    for column in importable_columns(model):
        if narrowed is not None and column not in narrowed:
            continue
        if column_meta(model, column).sensitive:
            mode = access.field_mode(principal, model)
            if mode is Fields.HIDDEN:
                continue
            target = python_type(model, column)
            if mode is not Fields.FULL and isinstance(target, type) and issubclass(target, enum.Enum):
                continue  # a masked choice is always blank
        columns.append(column)
    return columns


def export_headers(principal: Principal, type_name: str, lang: str = "zh") -> list[str]:
    model = resolve_type(type_name)
    return [column_label(model, c, lang) for c in export_columns(principal, model)]


def render_value(value: Any, lang: str) -> Any:
    """A stored value as a spreadsheet cell: labels, ISO dates, money with two decimals."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return choice_label(value, lang)
    if isinstance(value, bool):
        return ("Yes" if value else "No") if lang == "en" else ("是" if value else "否")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


class _SensitiveReads:
    """Records read with sensitive values in clear, for the audit log."""

    def __init__(self) -> None:
        self.reads: dict[tuple[str, int], tuple[int | None, set[str]]] = {}

    def note(self, type_name: str, record_id: int, organisation_id: int | None, column: str) -> None:
        _, fields = self.reads.setdefault((type_name, record_id), (organisation_id, set()))
        fields.add(column)

    async def flush(self, db: Database, principal: Principal, request_id: str) -> None:
        reads, self.reads = self.reads, {}
        if not reads:
            return
        async with db.transaction(principal) as session:
            session.add_all(
                [
                    AuditEntry(
                        actor=principal.actor,
                        action="read_sensitive",
                        entity=type_name,
                        record_id=record_id,
                        changes={"fields": sorted(fields)},
                        request_id=request_id,
                        organisation_id=organisation_id,
                    )
                    for (type_name, record_id), (organisation_id, fields) in reads.items()
                ]
            )


class _Relations:
    """Renders foreign keys the way imports accept them."""

    def __init__(self, session: AsyncSession, principal: Principal, reads: _SensitiveReads) -> None:
        self.session = session
        self.principal = principal
        self.reads = reads
        self.organisations = OrganisationIndex()
        self.labels: dict[str, dict[int, str]] = {}
        self.students: dict[int, Any] = {}

    async def load(self, targets: set[str]) -> None:
        self.organisations = await OrganisationIndex.load(self.session, self.principal)
        if "Company" in targets:
            model: Any = ENTITIES["Company"]
            rows = (await self.session.execute(sa.select(model.id, model.name, model.credit_code))).all()
            names = Counter(name for _id, name, _code in rows)
            self.labels["Company"] = {i: (name if names[name] == 1 else code) for i, name, code in rows}
        for target, attribute in (("Course", "title"), ("ServiceSite", "name")):
            if target not in targets:
                continue
            source: Any = ENTITIES[target]
            rows = (
                await self.session.execute(sa.select(source.id, getattr(source, attribute), source.organisation_id))
            ).all()
            names = Counter(name for _id, name, _org in rows)
            self.labels[target] = {
                i: (name if names[name] == 1 else f"{name}（{self.organisations.render(org) or org}）")
                for i, name, org in rows
            }

    async def prepare(self, model: type[Record], records: list[Record]) -> None:
        """Load the students this page refers to (there may be too many to load all)."""
        fks = [fk for fk, target in relation_targets(model).items() if target == "ScholarshipStudent"]
        ids = sorted({getattr(r, fk) for r in records for fk in fks} - {None} - set(self.students))
        if ids:
            found = await by_ids(self.session.execute, ENTITIES["ScholarshipStudent"], ids)
            self.students.update(found)

    def render(self, target: str, record_id: int | None) -> str | None:
        if record_id is None:
            return None
        if target == "Organisation":
            return self.organisations.render(record_id)
        if target == "ScholarshipStudent":
            student = self.students.get(record_id)
            if student is None:
                return None
            model = ENTITIES["ScholarshipStudent"]
            if access.can_read_column(self.principal, model, "id_number"):
                self.reads.note("ScholarshipStudent", record_id, student.organisation_id, "id_number")
                return str(student.id_number)
            return str(access.present(self.principal, model, "name", student.name) or "")
        labels = self.labels.get(target)
        if labels is not None:
            return labels.get(record_id)
        return str(record_id)


async def iter_export(
    db: Database,
    principal: Principal,
    type_name: str,
    *,
    where: sa.ColumnElement[bool] | None = None,
    lang: str = "zh",
    limit: int = 100_000,
    page_size: int = PAGE_SIZE,
) -> AsyncIterator[list[Any]]:
    """The export's rows, one keyset page at a time (headers: :func:`export_headers`)."""
    model = resolve_type(type_name)
    columns = export_columns(principal, model)
    targets = relation_targets(model)
    sensitive = {c for c in columns if column_meta(model, c).sensitive}
    in_clear = access.field_mode(principal, model) is Fields.FULL
    request_id = f"export:{uuid.uuid4().hex}"
    reads = _SensitiveReads()
    produced = 0
    async with db.session(principal) as session:
        relations = _Relations(session, principal, reads)
        await relations.load({targets[c] for c in columns if c in targets})
        after: list[Any] | None = None
        while produced < limit:
            first = min(page_size, limit - produced)
            page = await fetch_page(session.execute, model, where=where, keys=_KEYS, first=first, after=after)
            more = len(page) > first
            page = page[:first]
            await relations.prepare(model, page)
            rows = []
            for record in page:
                row = []
                for column in columns:
                    value = getattr(record, column)
                    if column in targets:
                        row.append(relations.render(targets[column], value))
                        continue
                    shown = access.present(principal, model, column, value)
                    if column in sensitive and in_clear and value is not None:
                        reads.note(model.__entity__.type_name, record.id or 0, _organisation_of(record), column)
                    row.append(render_value(shown, lang))
                rows.append(row)
            await reads.flush(db, principal, request_id)
            for row in rows:
                yield row
            produced += len(rows)
            if not more or not page:
                break
            after = [page[-1].id]
            session.expunge_all()


def _organisation_of(record: Record) -> int | None:
    if record.__entity__.scope == "path":
        return record.id
    return getattr(record, "organisation_id", None)


async def export_rows(
    db: Database,
    principal: Principal,
    type_name: str,
    *,
    where: sa.ColumnElement[bool] | None = None,
    lang: str = "zh",
    limit: int = 100_000,
) -> tuple[list[str], list[list[Any]]]:
    """Headers (labels in ``lang``) and the rows the caller may see, ready for a spreadsheet."""
    headers = export_headers(principal, type_name, lang)
    rows = [row async for row in iter_export(db, principal, type_name, where=where, lang=lang, limit=limit)]
    return headers, rows


async def export_file(
    db: Database,
    principal: Principal,
    type_name: str,
    fmt: Format = "csv",
    *,
    where: sa.ColumnElement[bool] | None = None,
    lang: str = "zh",
    limit: int = 100_000,
) -> bytes:
    """The export as a CSV (UTF-8 with BOM) or XLSX file."""
    headers, rows = await export_rows(db, principal, type_name, where=where, lang=lang, limit=limit)
    if fmt == "xlsx":
        meta = resolve_type(type_name).__entity__
        return write_xlsx(headers, rows, meta.label_en if lang == "en" else meta.label_zh)
    return write_csv(headers, rows)


def export_filename(type_name: str, fmt: Format = "csv", lang: str = "zh") -> str:
    meta = resolve_type(type_name).__entity__
    stamp = date.today().strftime("%Y%m%d")
    return f"{meta.label_en.replace(' ', '_') if lang == 'en' else meta.label_zh}_{stamp}.{fmt}"


__all__ = [
    "export_columns",
    "export_file",
    "export_filename",
    "export_headers",
    "export_rows",
    "iter_export",
    "render_value",
]
