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

import re
import tempfile
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from admin_ui.records import build_list_query, type_label
from admin_ui.registry import BY_SLUG, AdminView
from admin_ui.web import Page, redirect
from hongfan import access
from hongfan.policy import Op
from hongfan.transfer import exporting
from hongfan.transfer.jobs import JobRunner, create_job, get_job, job_file, visible_to
from hongfan.transfer.limits import Limits
from hongfan.transfer.sheets import SpreadsheetError
from hongfan.transfer.tasks import check_work, commit_work, export_work
from hongfan.transfer.templates import build_template
from hongfan.transfer.writing import write_csv
from models.jobs import TransferJob
from models.messages import message

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WORDS = {
    "title": ("导入{label}", "Import {label}"),
    "export_title": ("导出{label}", "Export {label}"),
    "choose": (
        "选择文件（CSV 或 Excel .xlsx，最大 {mb} MB，最多 {rows} 行；CSV 可为 UTF-8 或 GBK 编码；表头上方可以有标题行）",
        "Choose a file (CSV or Excel .xlsx, at most {mb} MB and {rows} rows; CSV in UTF-8 or GBK; a title row above the header is fine)",
    ),
    "upload": ("上传并检查", "Upload and check"),
    "template": ("下载导入模板", "Download the import template"),
    "queued": ("排队等候中…", "Waiting to start…"),
    "checking": (
        "正在检查：已检查 {done} / {total} 行",
        "Checking: {done} of {total} rows checked",
    ),
    "writing": ("正在写入：已写入 {done} / {total} 行", "Writing: {done} of {total} rows written"),
    "exporting": ("正在导出：已导出 {done} / {total} 行", "Exporting: {done} of {total} rows"),
    "reload": (
        "此页面会自动刷新；关闭或刷新页面不会中断任务。",
        "This page refreshes itself; closing or reloading it does not stop the job.",
    ),
    "preview": (
        "检查结果：共 {total} 行，新增 {created} 行，更新 {updated} 行，无变化 {unchanged} 行，有错误 {failed} 行",
        "Check: {total} rows, {created} new, {updated} changed, {unchanged} unchanged, {failed} with errors",
    ),
    "header_row": ("第 {row} 行为表头", "Row {row} is the header"),
    "group_row": ("（已合并第 {row} 行的分组标题）", " (with the group labels of row {row})"),
    "fix_first": (
        "文件中有错误，未写入任何数据。请下载出错行文件，改正后重新上传。",
        "The file has errors; nothing was written. Download the file with the errors, correct it and upload it again.",
    ),
    "error_file": (
        "下载标注错误的文件（Excel）",
        "Download the file with the errors marked (Excel)",
    ),
    "more_errors": ("另有 {n} 条错误，见下载的文件", "{n} more errors: see the downloaded file"),
    "ready": (
        "没有发现错误。确认后将一次性写入全部行。",
        "No errors found. Confirm to write all rows at once.",
    ),
    "commit": ("确认导入", "Import now"),
    "done": (
        "导入完成：新增 {created} 行，更新 {updated} 行，无变化 {unchanged} 行",
        "Imported: {created} new, {updated} changed, {unchanged} unchanged",
    ),
    "failed": (
        "导入未完成，未写入任何数据：{reason}",
        "The import did not finish and nothing was written: {reason}",
    ),
    "export_done": ("导出完成：共 {rows} 行", "Export finished: {rows} rows"),
    "download": ("下载文件", "Download the file"),
    "row": ("行号", "Row"),
    "column": ("列", "Column"),
    "problem": ("问题", "Problem"),
    "warnings": ("请留意", "Worth a look"),
    "changes": ("将更新的内容", "What the update changes"),
    "before": ("原值", "Before"),
    "after": ("新值", "After"),
    "ignored": (
        "以下列无法识别，已忽略：{cols}",
        "These columns were not recognised and are ignored: {cols}",
    ),
    "back": ("返回列表", "Back to the list"),
    "again": ("重新上传", "Upload another file"),
    "processing": ("正在上传…", "Uploading…"),
}


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


def filter_note(params: dict[str, str]) -> dict[str, str]:
    """The list's filter for the audit entry; digits in a search kept to their last four."""
    note = dict(params)
    if "q" in note:
        note["q"] = re.sub(r"\d{3,}(?=\d{4})", lambda m: "*" * len(m.group(0)), note["q"])
    return note


async def export_view(page: Page, request: Request) -> Response:
    view = _view(page, request)
    if isinstance(view, Response):
        return view
    fmt = request.path_params["fmt"]
    if fmt not in ("csv", "xlsx"):
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    query = build_list_query(page, view)  # the rows the list shows: same search, filters, scope
    where = sa.and_(*query.where) if query.where else None
    note = filter_note(query.params)
    total = await exporting.count_export(page.db, page.principal, view.type_name, where)
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
    from hongfan.transfer.jobs import update_job

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
        Route("/{slug}/export.{fmt}", signed_in(export_view)),
        Route("/{slug}/export/{job}", signed_in(export_job_view)),
        Route("/{slug}/export/{job}/download", signed_in(export_download)),
        Route("/{slug}/template.{fmt}", signed_in(template_view)),
        Route("/{slug}/import", signed_in(import_view), methods=["GET", "POST"]),
        Route("/{slug}/import/{job}", signed_in(import_job_view)),
        Route("/{slug}/import/{job}/commit", signed_in(import_commit), methods=["POST"]),
        Route("/{slug}/import/{job}/errors.xlsx", signed_in(import_errors)),
    ]
