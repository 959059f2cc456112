"""The work of import and export jobs (run by :class:`hongfan.transfer.jobs.JobRunner`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hongfan.transfer.columns import recogniser, resolve_type
from hongfan.transfer.exporting import Format, count_export, write_export
from hongfan.transfer.importing import commit_import, preview_import
from hongfan.transfer.jobs import JobContext, Work, update_job
from hongfan.transfer.limits import Limits
from hongfan.transfer.report import ImportPreview, write_error_file
from hongfan.transfer.sheets import Table, locate_header, read_sheet


def _table(context: JobContext) -> Table:
    """The upload, read within the limits, its header located."""
    data = context.path("upload").read_bytes()
    limits = Limits.from_settings(context.db.settings)
    model = resolve_type(context.job.type_name)
    return locate_header(
        read_sheet(data, context.job.filename, limits),
        recogniser(model),
        limits.header_scan,
        limits.max_rows,
    )


async def check_work(context: JobContext) -> dict[str, Any]:
    table = _table(context)
    await update_job(context.db, context.job.id, total=len(table.rows))

    async def progress(done: int, total: int) -> None:
        await context.progress(checked=done, total=total)

    report = await preview_import(
        context.db, context.principal, context.job.type_name, table, progress
    )
    await update_job(context.db, context.job.id, checked=len(table.rows))
    _error_file(context, table, report)
    return report.summary()


def _error_file(context: JobContext, table: Table, report: ImportPreview) -> None:
    if report.failed:
        write_error_file(
            context.path("errors.xlsx"),
            table.headers,
            table.rows,
            table.row_numbers,
            report.rows,
            context.job.language,
        )


async def commit_work(context: JobContext) -> dict[str, Any]:
    table = _table(context)
    db = context.db

    async def checked(done: int, total: int) -> None:
        await context.progress(checked=done, total=total)

    async def written(done: int, total: int) -> None:
        # On SQLite the write lock is this import's while it writes: another connection
        # could not write the counter, so it is written once the lock is released.
        if db.dialect != "sqlite":
            await context.progress(written=done)

    result = await commit_import(
        db,
        context.principal,
        context.job.type_name,
        table,
        checked,
        written=written,
        request_id=f"import:{context.job.id}",
    )
    await update_job(
        db,
        context.job.id,
        checked=len(table.rows),
        written=result.created + result.updated if result.committed else 0,
    )
    _error_file(context, table, result)
    if result.committed:
        context.path("upload").unlink(missing_ok=True)
    return result.summary()


def export_work(
    fmt: Format, where: sa.ColumnElement[bool] | None, filter_note: dict[str, Any]
) -> Work:
    """An export job's work: count, then write the file row by row with progress."""

    async def work(context: JobContext) -> dict[str, Any]:
        db = context.db
        total = await count_export(db, context.principal, context.job.type_name, where)
        await update_job(db, context.job.id, total=total)

        async def progress(done: int) -> None:
            await context.progress(written=done)

        with open(context.path(f"export.{fmt}"), "wb") as target:
            await write_export(
                db,
                context.principal,
                context.job.type_name,
                fmt,
                target,
                where=where,
                lang=context.job.language,
                filter_note=filter_note,
                progress=progress,
            )
        await update_job(db, context.job.id, written=total)
        return {"format": fmt, "rows": total}

    return work


__all__ = ["check_work", "commit_work", "export_work"]
