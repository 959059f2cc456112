"""Import and export pages: the spreadsheets association staff already keep.

An import is a background job (:mod:`hongfan.transfer.jobs`): the upload returns at
once and lands on the job's page, which shows the rows checked (and written) while the
check runs, then the preview — every row's problems in the user's language, warnings,
updates field by field, and an XLSX of the rows with an error column to fix and upload
again. Confirming starts the commit, all or nothing, also in the background. Both
survive a page reload: the job is a row in the database.

An export downloads at once when it is small (``HONGFAN_EXPORT_INLINE_ROWS``), streamed;
a larger one becomes a job with progress and a download when done. Never cut short.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from admin_ui.listquery import read_params
from admin_ui.records import build_list_query, type_label
from admin_ui.registry import BY_SLUG, AdminView
from admin_ui.transfer_words import WORDS
from admin_ui.web import Page, redirect
from hongfan import access
from hongfan.policy import Op
from hongfan.transfer import exporting
from hongfan.transfer.jobs import JobRunner, create_job, get_job, job_file, update_job, visible_to
from hongfan.transfer.limits import Limits
from hongfan.transfer.reach import export_reach
from hongfan.transfer.sheets import SpreadsheetError
from hongfan.transfer.tasks import check_work, commit_work, export_work
from hongfan.transfer.templates import build_template
from hongfan.transfer.writing import write_csv
from models.jobs import TransferJob
from models.messages import message

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def w(page: Page, key: str, **params: Any) -> str:
    zh, en = WORDS[key]
    return (en if page.lang == "en" else zh).format(**params)


def runner(request: Request) -> JobRunner:
    """This process's job runner (one thread; created with the first job)."""
    state = request.app.state
    found: JobRunner | None = getattr(state, "transfer_jobs", None)
    if found is None:
        found = state.transfer_jobs = JobRunner(state.settings)
    return found


def _download(content: bytes, filename: str, media_type: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(
        content,
        media_type=media_type,
        headers={"content-disposition": disposition, "cache-control": "no-store"},
    )


def _file(path: Any, filename: str, media_type: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return FileResponse(
        path,
        media_type=media_type,
        headers={"content-disposition": disposition, "cache-control": "no-store"},
    )


def _view(page: Page, request: Request, *, importing: bool = False) -> AdminView | Response:
    view = BY_SLUG.get(request.path_params["slug"])
    if view is None or view not in page.nav() or (importing and not view.importable):
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    if importing and not access.can_write(page.principal, view.model, Op.CREATE):
        return page.render("error.html", status_code=403, text=page.t("error.forbidden"))
    return view


async def _job(page: Page, request: Request, view: AdminView, kind: str) -> TransferJob | Response:
    job = await get_job(page.db, str(request.path_params["job"]))
    if (
        job is None
        or not visible_to(job, page.principal)
        or job.kind != kind
        or job.type_name != view.type_name
    ):
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    return job


# -- export ----------------------------------------------------------------------------


async def export_view(page: Page, request: Request) -> Response:
    view = _view(page, request)
    if isinstance(view, Response):
        return view
    fmt = request.path_params["fmt"]
    if fmt not in ("csv", "xlsx"):
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    # The rows the list shows: same search, filters, scope (a searched list exports by POST).
    query = build_list_query(page, view, await read_params(page))
    where = sa.and_(*query.where) if query.where else None
    # The list's filter and search for the audit entry; hongfan.transfer.exporting masks any
    # number in it (hongfan.redaction.mask_note), for every surface alike.
    note = dict(query.state)
    reach = await export_reach(page.db, page.principal, view.type_name, where)
    if reach.nothing_own:
        # The list shows only other units' published rows: say so, not a header-only file.
        return page.render(
            "error.html",
            status_code=422,
            text=page.t("export.nothing_own", label=type_label(view.model, page.lang)),
            # a searched list's question stays out of URLs (it was asked by POST)
            back=page.url(f"/{view.slug}", **({} if query.private else query.params)),
        )
    total = reach.exported
    filename = exporting.export_filename(view.type_name, fmt, page.lang)
    disposition = {
        "content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
        "cache-control": "no-store",
    }
    if total > page.settings.export_inline_rows:
        job = await create_job(
            page.db,
            page.principal,
            kind="export",
            type_name=view.type_name,
            phase="export",
            filename=filename,
        )
        runner(request).submit(job, page.principal, export_work(fmt, where, note))
        return redirect(f"/admin/{view.slug}/export/{job.id}")
    if fmt == "csv":
        body = exporting.stream_csv(
            page.db, page.principal, view.type_name, where=where, lang=page.lang, filter_note=note
        )
        return StreamingResponse(body, media_type="text/csv; charset=utf-8", headers=disposition)
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    await exporting.write_export(
        page.db,
        page.principal,
        view.type_name,
        "xlsx",
        spool,
        where=where,
        lang=page.lang,
        filter_note=note,
    )  # type: ignore[arg-type]
    spool.seek(0)

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while piece := spool.read(256 * 1024):
                yield piece
        finally:
            spool.close()

    return StreamingResponse(chunks(), media_type=XLSX, headers=disposition)


async def export_job_view(page: Page, request: Request) -> Response:
    view = _view(page, request)
    if isinstance(view, Response):
        return view
    job = await _job(page, request, view, "export")
    if isinstance(job, Response):
        return job
    return page.render(
        "job.html",
        view=view,
        job=job,
        w=lambda k, **p: w(page, k, **p),
        error_text=_error_text(page, job),
    )


async def export_download(page: Page, request: Request) -> Response:
    view = _view(page, request)
    if isinstance(view, Response):
        return view
    job = await _job(page, request, view, "export")
    if isinstance(job, Response):
        return job
    fmt = job.summary.get("format", "csv")
    path = job_file(page.settings, job.id, f"export.{fmt}")
    if job.state != "done" or not path.exists():
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    return _file(path, job.filename, "text/csv; charset=utf-8" if fmt == "csv" else XLSX)


# -- templates -------------------------------------------------------------------------


async def template_view(page: Page, request: Request) -> Response:
    view = _view(page, request, importing=True)
    if isinstance(view, Response):
        return view
    fmt = request.path_params["fmt"]
    name = f"{type_label(view.model, page.lang)}_template.{fmt}"
    if fmt == "xlsx":
        return _download(build_template(view.type_name, page.lang), name, XLSX)
    from hongfan.transfer.columns import template_headers

    return _download(
        write_csv(template_headers(view.type_name, page.lang), []), name, "text/csv; charset=utf-8"
    )


# -- import ------------------------------------------------------------------------------


async def import_view(page: Page, request: Request) -> Response:
    view = _view(page, request, importing=True)
    if isinstance(view, Response):
        return view
    limits = Limits.from_settings(page.settings)
    context: dict[str, Any] = {
        "view": view,
        "w": lambda k, **p: w(page, k, **p),
        "mb": limits.max_bytes // (1024 * 1024),
        "rows": limits.max_rows,
    }
    if request.method == "GET":
        return page.render("import.html", **context)
    form = await request.form(max_part_size=limits.max_bytes + 1)
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return page.render("import.html", status_code=400, error=page.t("form.errors"), **context)
    data = await upload.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        error = SpreadsheetError("import.too_large", max_mb=f"{limits.max_bytes / 1024 / 1024:g}")
        return page.render(
            "import.html", status_code=400, error=error.message(page.lang), **context
        )
    job = await create_job(
        page.db,
        page.principal,
        kind="import",
        type_name=view.type_name,
        phase="check",
        filename=upload.filename or "upload.csv",
        upload=data,
    )
    runner(request).submit(job, page.principal, check_work)
    return redirect(f"/admin/{view.slug}/import/{job.id}")


def _error_text(page: Page, job: TransferJob) -> str | None:
    code = job.summary.get("error")
    if not code:
        return None
    return message(str(code), page.lang, **(job.summary.get("params") or {}))


async def import_job_view(page: Page, request: Request) -> Response:
    view = _view(page, request, importing=True)
    if isinstance(view, Response):
        return view
    job = await _job(page, request, view, "import")
    if isinstance(job, Response):
        return job
    summary = job.summary
    status = 200
    if job.state == "done" and (
        summary.get("failed") or (job.phase == "commit" and not summary.get("committed"))
    ):
        status = 422
    elif job.state == "failed":
        status = 400
    return page.render(
        "job.html",
        status_code=status,
        view=view,
        job=job,
        report=summary if job.state == "done" else None,
        w=lambda k, **p: w(page, k, **p),
        error_text=_error_text(page, job),
    )


async def import_commit(page: Page, request: Request) -> Response:
    view = _view(page, request, importing=True)
    if isinstance(view, Response):
        return view
    job = await _job(page, request, view, "import")
    if isinstance(job, Response):
        return job
    form = await request.form()
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    ready = job.state == "done" and job.phase == "check" and not job.summary.get("failed")
    if not ready or not job_file(page.settings, job.id, "upload").exists():
        return redirect(f"/admin/{view.slug}/import/{job.id}")
    await update_job(page.db, job.id, phase="commit", state="queued", written=0)
    runner(request).submit(job, page.principal, commit_work)
    return redirect(f"/admin/{view.slug}/import/{job.id}")


async def import_errors(page: Page, request: Request) -> Response:
    view = _view(page, request, importing=True)
    if isinstance(view, Response):
        return view
    job = await _job(page, request, view, "import")
    if isinstance(job, Response):
        return job
    path = job_file(page.settings, job.id, "errors.xlsx")
    if not path.exists():
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    stem = job.filename.rsplit(".", 1)[0] or "import"
    return _file(path, f"{stem}_{'errors' if page.lang == 'en' else '错误'}.xlsx", XLSX)


async def job_status(page: Page, request: Request) -> Response:
    """The job's counters as JSON, for the progress bar."""
    job = await get_job(page.db, str(request.path_params["job"]))
    if job is None or not visible_to(job, page.principal):
        return JSONResponse({"error": "not found"}, status_code=404)
    body = {
        "state": job.state,
        "phase": job.phase,
        "total": job.total,
        "checked": job.checked,
        "written": job.written,
    }
    return JSONResponse(body, headers={"cache-control": "no-store"})


def routes(signed_in: Any) -> list[Route]:
    return [
        Route("/jobs/{job}.json", signed_in(job_status)),
        Route("/{slug}/export.{fmt}", signed_in(export_view), methods=["GET", "POST"]),
        Route("/{slug}/export/{job}", signed_in(export_job_view)),
        Route("/{slug}/export/{job}/download", signed_in(export_download)),
        Route("/{slug}/template.{fmt}", signed_in(template_view)),
        Route("/{slug}/import", signed_in(import_view), methods=["GET", "POST"]),
        Route("/{slug}/import/{job}", signed_in(import_job_view)),
        Route("/{slug}/import/{job}/commit", signed_in(import_commit), methods=["POST"]),
        Route("/{slug}/import/{job}/errors.xlsx", signed_in(import_errors)),
    ]
