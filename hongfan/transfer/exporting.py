"""Spreadsheet export: every row of the caller's own part, as it may see them, in constant memory.

Rows are read under the caller's row scope a keyset page at a time (ORM column
selects: scoped, no objects built) and written out as they come — never collected,
never cut short. Columns the caller may not read are left out and sensitive values
are shown as :func:`hongfan.access.present` returns them (masked for editors and
viewers). Every value is written the way :mod:`hongfan.transfer.importing` reads it
back — choices as labels, relations as an organisation's path of names, a company's
name, a course's title, a student's ID number — so for a user with full access an
export re-imports without changing anything.

Each export writes **one** audit entry (action ``export``): the record type, how many
rows, the filter, the format and which sensitive fields were in clear.

OWN_PART: an export is the caller's own part of the network (its scope,
:data:`hongfan.access.OWN_SCOPE`), not the published rows elsewhere it may also read
through GraphQL and the admin lists: what it exports it may edit and import back. Where
that is less than the list, :mod:`hongfan.transfer.reach` counts the difference so the
surfaces say it before an export starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import IO, Any, Literal

import sqlalchemy as sa

from hongfan import access
from hongfan.db import Database
from hongfan.principal import Principal
from hongfan.redaction import mask_note
from hongfan.transfer.cells import csv_cell
from hongfan.transfer.columns import (
    column_label,
    importable_columns,
    relation_targets,
    resolve_type,
)
from hongfan.transfer.rendering import Relations, render_value, renderer
from hongfan.transfer.values import is_code_column
from hongfan.transfer.writing import Kind, XlsxStream, csv_lines
from models.audit import AuditEntry
from models.base import Record
from models.rules import python_type

Format = Literal["csv", "xlsx"]
PAGE_SIZE = 5000
Progress = Callable[[int], Awaitable[None]]


def export_columns(principal: Principal, model: type[Record]) -> list[str]:
    """The importable columns the caller may read (in clear or masked)."""
    columns = []
    for column in importable_columns(model):
        if not access.visibility(principal, model, column).readable:
            continue  # hidden, or a masked choice (always blank)
        columns.append(column)
    return columns


def export_headers(principal: Principal, type_name: str, lang: str = "zh") -> list[str]:
    model = resolve_type(type_name)
    return [column_label(model, c, lang) for c in export_columns(principal, model)]


def column_kinds(principal: Principal, model: type[Record]) -> list[Kind]:
    """How each exported column is typed in an XLSX file."""
    targets = relation_targets(model)
    kinds: list[Kind] = []
    for column in export_columns(principal, model):
        target = python_type(model, column)
        if column in targets or target is bool:
            kinds.append("digits" if targets.get(column) == "ScholarshipStudent" else "text")
        elif target is Decimal:
            kinds.append("money")
        elif target is date:
            kinds.append("date")
        elif target is int:
            kinds.append("int")
        elif is_code_column(model, column) or column in ("phone", "contact_phone"):
            kinds.append("digits")
        else:
            kinds.append("text")
    return kinds


async def iter_export(
    db: Database,
    principal: Principal,
    type_name: str,
    *,
    where: sa.ColumnElement[bool] | None = None,
    lang: str = "zh",
    typed: bool = False,
    filter_note: dict[str, Any] | None = None,
    fmt: str = "rows",
    page_size: int = PAGE_SIZE,
    progress: Progress | None = None,
) -> AsyncIterator[list[Any]]:
    """The export's rows, one keyset page at a time (headers: :func:`export_headers`).

    Writes one ``export`` audit entry when the rows have been read (or the reader stopped).
    """
    model = resolve_type(type_name)
    columns = export_columns(principal, model)
    targets = relation_targets(model)
    clear = sorted(c for c in columns if access.sensitive_in_clear(principal, model, c))
    produced = 0
    try:
        async with db.session(principal) as session:
            session.info[access.OWN_SCOPE] = True  # the caller's own part: OWN_PART above
            relations = Relations(session, principal)
            await relations.load({targets[c] for c in columns if c in targets})
            if relations.clear_ids and any(
                targets[c] == "ScholarshipStudent" for c in columns if c in targets
            ):
                clear.append("student.id_number")
            selected = [model.id, *(getattr(model, c) for c in columns)]  # type: ignore[attr-defined]
            renderers = [
                (i, renderer(principal, model, c, targets, relations, lang, typed))
                for i, c in enumerate(columns, start=1)
            ]
            student_fks = [
                i for i, c in enumerate(columns, start=1) if targets.get(c) == "ScholarshipStudent"
            ]

            def page_after(last: int | None) -> Any:
                statement = sa.select(*selected).order_by(model.id).limit(page_size)  # type: ignore[arg-type]
                if where is not None:
                    statement = statement.where(where)
                if last is not None:
                    statement = statement.where(model.id > last)  # type: ignore[operator,arg-type]
                return session.execute(statement)

            # The next page is asked for before this one is written out, so the database
            # reads it while Python renders: never two statements at once on the session
            # (the next one is awaited before the session is used again).
            pending: asyncio.Future[Any] | None = None
            try:
                page = (await page_after(None)).all()
                while page:
                    if student_fks:
                        await relations.prepare(
                            {row[i] for row in page for i in student_fks if row[i] is not None}
                        )
                    if len(page) == page_size:
                        pending = asyncio.ensure_future(page_after(int(page[-1][0])))
                        await asyncio.sleep(0)  # let it send the statement
                    for n, row in enumerate(page, start=1):
                        produced += 1  # counted as handed out, should the reader stop here
                        yield [render(row[index]) for index, render in renderers]
                        if pending is not None and n % 250 == 0:
                            # let the driver take in the next page as it arrives: a server
                            # left waiting to send it would count that against the
                            # statement's timeout (an XLSX writer renders slowly)
                            await asyncio.sleep(0)
                    if progress is not None:
                        await progress(produced)
                    page = (await pending).all() if pending is not None else []
                    pending = None
            finally:
                if pending is not None:  # the reader stopped early: drop the next page
                    pending.cancel()
                    with contextlib.suppress(BaseException):
                        await pending
    finally:
        await _audit(db, principal, model, produced, filter_note, fmt, clear)


async def _audit(
    db: Database,
    principal: Principal,
    model: type[Record],
    count: int,
    filter_note: dict[str, Any] | None,
    fmt: str,
    clear: list[str],
) -> None:
    # The filter may hold what was searched: a number in any spelling is masked here, for
    # every surface that exports (admin list, CLI, background job).
    changes = {
        "count": count,
        "filter": mask_note(filter_note or {}),
        "format": fmt,
        "fields_in_clear": clear,
    }
    async with db.transaction(principal) as session:
        session.add(
            AuditEntry(
                actor=principal.actor,
                action="export",
                entity=model.__entity__.type_name,
                record_id=0,
                changes=changes,
                request_id=f"export:{uuid.uuid4().hex}",
                organisation_id=principal.organisation_id,
            )
        )


async def count_export(
    db: Database, principal: Principal, type_name: str, where: sa.ColumnElement[bool] | None = None
) -> int:
    """How many rows an export would hold (the caller's visible rows matching ``where``)."""
    model = resolve_type(type_name)
    statement = sa.select(sa.func.count(model.id))  # type: ignore[arg-type]
    if where is not None:
        statement = statement.where(where)
    async with db.session(principal) as session:
        session.info[access.OWN_SCOPE] = True  # the caller's own part: OWN_PART above
        return int((await session.execute(statement)).scalar_one())


async def export_rows(
    db: Database,
    principal: Principal,
    type_name: str,
    *,
    where: sa.ColumnElement[bool] | None = None,
    lang: str = "zh",
) -> tuple[list[str], list[list[Any]]]:
    """Headers (labels in ``lang``) and every row the caller may see, as text (small exports, tests)."""
    headers = export_headers(principal, type_name, lang)
    rows = [row async for row in iter_export(db, principal, type_name, where=where, lang=lang)]
    return headers, rows


async def stream_csv(
    db: Database,
    principal: Principal,
    type_name: str,
    *,
    where: sa.ColumnElement[bool] | None = None,
    lang: str = "zh",
    filter_note: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> AsyncIterator[bytes]:
    """The CSV file in pieces of a few hundred rows: constant memory however many rows."""
    headers = export_headers(principal, type_name, lang)
    chunk: list[list[Any]] = []
    yield csv_lines([headers], header=True)
    async for row in iter_export(
        db,
        principal,
        type_name,
        where=where,
        lang=lang,
        typed=True,
        filter_note=filter_note,
        fmt="csv",
        progress=progress,
    ):
        chunk.append(row)
        if len(chunk) >= 500:
            yield csv_lines(chunk)
            chunk = []
    if chunk:
        yield csv_lines(chunk)


async def write_export(
    db: Database,
    principal: Principal,
    type_name: str,
    fmt: Format,
    target: IO[bytes],
    *,
    where: sa.ColumnElement[bool] | None = None,
    lang: str = "zh",
    filter_note: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> None:
    """The export written to ``target`` (a file): CSV streamed, XLSX in constant memory."""
    if fmt == "csv":
        async for piece in stream_csv(
            db,
            principal,
            type_name,
            where=where,
            lang=lang,
            filter_note=filter_note,
            progress=progress,
        ):
            target.write(piece)
        return
    model = resolve_type(type_name)
    meta = model.__entity__
    with XlsxStream(
        target,
        export_headers(principal, type_name, lang),
        column_kinds(principal, model),
        meta.label_en if lang == "en" else meta.label_zh,
    ) as stream:
        async for row in iter_export(
            db,
            principal,
            type_name,
            where=where,
            lang=lang,
            typed=True,
            filter_note=filter_note,
            fmt="xlsx",
            progress=progress,
        ):
            stream.add(row)


async def export_file(
    db: Database,
    principal: Principal,
    type_name: str,
    fmt: Format = "csv",
    *,
    where: sa.ColumnElement[bool] | None = None,
    lang: str = "zh",
    filter_note: dict[str, Any] | None = None,
) -> bytes:
    """The export as bytes (small exports; large ones go to a file with :func:`write_export`)."""
    import io

    buffer = io.BytesIO()
    await write_export(
        db, principal, type_name, fmt, buffer, where=where, lang=lang, filter_note=filter_note
    )
    return buffer.getvalue()


def export_filename(type_name: str, fmt: Format = "csv", lang: str = "zh") -> str:
    meta = resolve_type(type_name).__entity__
    stamp = date.today().strftime("%Y%m%d")
    return f"{meta.label_en.replace(' ', '_') if lang == 'en' else meta.label_zh}_{stamp}.{fmt}"


__all__ = [
    "column_kinds",
    "count_export",
    "csv_cell",
    "export_columns",
    "export_file",
    "export_filename",
    "export_headers",
    "export_rows",
    "iter_export",
    "render_value",
    "stream_csv",
    "write_export",
]
