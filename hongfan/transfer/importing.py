"""Spreadsheet import: the records staff keep in Excel, checked in full, written all or nothing.

:func:`preview_import` says row by row what a file would do and writes nothing;
:func:`commit_import` checks the file again and writes it only when every row is
valid, in one transaction. Checking reads (a read session, no write lock is held
while thousands of rows are checked); writing is batched and version-checked, so
the write lock is held for as short a time as the writes take.

A :class:`~hongfan.transfer.sheets.Sheet` passed in has its header located with the
record type's column names (title rows and group-label rows are skipped); a
:class:`~hongfan.transfer.sheets.Table` is taken as it is.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError, IntegrityError

from hongfan import row_scope
from hongfan.db import Database
from hongfan.errors import Conflict, HongfanError
from hongfan.principal import Principal
from hongfan.transfer.bulk import RowRefused, WriteConflict, write_checked
from hongfan.transfer.checking import Checked
from hongfan.transfer.columns import plan, recogniser, resolve_type
from hongfan.transfer.filecheck import check_table
from hongfan.transfer.references import References
from hongfan.transfer.report import ImportPreview, ImportResult, RowError, RowOutcome
from hongfan.transfer.sheets import Sheet, Table, locate_header
from hongfan.transfer.templates import example_texts
from models.base import Record
from models.messages import message

Progress = Callable[[int, int], Awaitable[None]]


def as_table(model: type[Record], source: Table | Sheet) -> Table:
    """The table of a sheet, its header found by the type's column names; the template's example row left out."""
    table = source if isinstance(source, Table) else locate_header(source, recogniser(model))
    mapping = plan(model, table.headers, "zh")
    examples = example_texts(model)
    keep = [
        i
        for i, cells in enumerate(table.rows)
        if not any(
            all(cells[index] == example.get(column) for column, index, _h in mapping.columns)
            for example in examples
        )
    ]
    if len(keep) == len(table.rows):
        return table
    return Table(
        table.headers,
        [table.rows[i] for i in keep],
        [table.row_numbers[i] for i in keep],
        table.header_row,
        table.group_row,
    )


async def check_import(
    db: Database,
    principal: Principal,
    type_name: str,
    source: Table | Sheet,
    progress: Progress | None = None,
) -> tuple[Checked, Table]:
    """Check every row (a read session: nothing is written)."""
    model = resolve_type(type_name)
    table = as_table(model, source)
    mapping = plan(model, table.headers, principal.language)
    # An import writes: its names resolve among the rows the caller may change, not the
    # published ones it may only read.
    async with db.session(principal) as session:
        with row_scope.own_scope(session):
            references = await References.load(session, principal)
            checked = await check_table(session, principal, mapping, table, references, progress)
    if checked.probes:  # personal values found taken: audited like any existence check (#12.6)
        async with db.transaction(principal) as session:
            session.add_all(checked.probes)
    return checked, table


async def preview_import(
    db: Database,
    principal: Principal,
    type_name: str,
    source: Table | Sheet,
    progress: Progress | None = None,
) -> ImportPreview:
    """What importing ``source`` would do, row by row; never writes anything."""
    checked, _table = await check_import(db, principal, type_name, source, progress)
    report = checked.report
    return ImportPreview(
        type_name=report.type_name,
        rows=report.rows,
        ignored_headers=report.ignored_headers,
        header_row=report.header_row,
        group_row=report.group_row,
    )


async def commit_import(
    db: Database,
    principal: Principal,
    type_name: str,
    source: Table | Sheet,
    progress: Progress | None = None,
    *,
    written: Progress | None = None,
    request_id: str | None = None,
) -> ImportResult:
    """Import ``source`` all or nothing: written only when every row is valid.

    ``progress(done, total)`` follows the check, ``written(done, total)`` the write.
    """
    checked, table = await check_import(db, principal, type_name, source, progress)
    report = checked.report
    if not report.ok:
        return report
    model = resolve_type(type_name)
    request_id = request_id or f"import:{uuid.uuid4().hex}"
    try:
        async with db.transaction(principal) as session:
            session.info["request_id"] = request_id
            with row_scope.own_scope(session):
                created = await write_checked(
                    session, model, checked, request_id=request_id, progress=written
                )
    except RowRefused as error:  # found only now (the database changed since the check)
        refusal = error.errors[0]
        header = plan(model, table.headers, principal.language).header(refusal.field)
        return _failed(report, refusal.code, principal.language, refusal.message, error.row, header)
    except (WriteConflict, Conflict, IntegrityError):
        return _failed(report, "import.changed_meanwhile", principal.language)
    except HongfanError as error:
        first = error.errors[0] if error.errors else None
        return _failed(
            report,
            first.code if first else "import.database",
            principal.language,
            first.message if first else None,
        )
    except DBAPIError:
        return _failed(report, "import.database", principal.language)
    for outcome in report.rows:
        if outcome.row in created:
            outcome.record_id = created[outcome.row]
    report.committed = True
    return report


def _failed(
    report: ImportResult,
    code: str,
    lang: str,
    text: str | None = None,
    row: int | None = None,
    column: str = "",
) -> ImportResult:
    """Nothing was written: every row that would have been keeps its outcome, plus one error —
    on ``row`` (in ``column``, the file's header) when the write refused that row, else a
    file-level one on the first row."""
    error = RowError(column, code, text or message(code, lang))
    at = next((o for o in report.rows if o.row == row), None) if row is not None else None
    if at is None:
        at = report.rows[0] if report.rows else RowOutcome(report.header_row + 1, "create")
    at.errors.append(error)
    for outcome in report.rows:
        if outcome.action == "create":
            outcome.record_id = None
    report.committed = False
    return report


__all__ = ["as_table", "check_import", "commit_import", "preview_import"]
