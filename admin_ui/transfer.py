"""Import and export pages: the spreadsheets association staff already keep.

Import is two steps: upload → a preview listing every row's problems in the
user's language (nothing written) → commit, all or nothing. The uploaded file
is kept between the steps as a signed, size-limited form field, so nothing
lives in process memory and any app process can finish the import.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin_ui.listquery import read_params
from admin_ui.records import build_list_query, type_label
from admin_ui.registry import BY_SLUG
from admin_ui.web import Page
from hongfan import access, exports, imports
from hongfan.policy import Op
from hongfan.spreadsheets import MAX_BYTES, SpreadsheetError, read_table, write_csv, write_xlsx

WORDS = {
    "title": ("导入{label}", "Import {label}"),
    "choose": ("选择文件（CSV 或 Excel .xlsx，最大 {mb} MB；CSV 可为 UTF-8 或 GBK 编码）", "Choose a file (CSV or Excel .xlsx, at most {mb} MB; CSV in UTF-8 or GBK)"),
    "upload": ("上传并预览", "Upload and preview"),
    "template": ("下载空白模板", "Download a blank template"),
    "preview": ("预览：共 {total} 行，新增 {created} 行，更新 {updated} 行，无变化 {unchanged} 行，有错误 {failed} 行", "Preview: {total} rows, {created} new, {updated} changed, {unchanged} unchanged, {failed} with errors"),
    "fix_first": ("文件中有错误，未写入任何数据。请修改下列行后重新上传。", "The file has errors; nothing was written. Correct these rows and upload again."),
    "ready": ("没有发现错误。确认后将一次性写入全部行。", "No errors found. Confirm to write all rows at once."),
    "commit": ("确认导入", "Import now"),
    "done": ("导入完成：新增 {created} 行，更新 {updated} 行，无变化 {unchanged} 行", "Imported: {created} new, {updated} changed, {unchanged} unchanged"),
    "row": ("行号", "Row"),
    "column": ("列", "Column"),
    "problem": ("问题", "Problem"),
    "ignored": ("以下列无法识别，已忽略：{cols}", "These columns were not recognised and are ignored: {cols}"),
    "stale": ("上传的文件已失效，请重新上传", "The uploaded file has expired; upload it again"),
    "back": ("返回列表", "Back to the list"),
    "processing": ("正在上传和检查，请稍候…", "Uploading and checking…"),
}


def w(page: Page, key: str, **params: Any) -> str:
    zh, en = WORDS[key]
    return (en if page.lang == "en" else zh).format(**params)


def _sign(page: Page, data: bytes) -> str:
    return hmac.new(page.settings.secret_key.encode(), data, hashlib.sha256).hexdigest()


def _download(content: bytes, filename: str, media_type: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"content-disposition": disposition, "cache-control": "no-store"})


async def export_view(page: Page, request: Request) -> Response:
    view = BY_SLUG.get(request.path_params["slug"])
    fmt = request.path_params["fmt"]
    if view is None or view not in page.nav() or fmt not in ("csv", "xlsx"):
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    # The rows the list shows: same search, filters, scope (a searched list exports by POST).
    query = build_list_query(page, view, await read_params(page))
    where = sa.and_(*query.where) if query.where else None
    content = await exports.export_file(page.db, page.principal, view.type_name, fmt, where=where, lang=page.lang)  # type: ignore[arg-type]
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _download(content, exports.export_filename(view.type_name, fmt, page.lang), media)  # type: ignore[arg-type]


async def template_view(page: Page, request: Request) -> Response:
    view = BY_SLUG.get(request.path_params["slug"])
    if view is None or view not in page.nav() or not view.importable:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    if not access.can_write(page.principal, view.model, Op.CREATE):
        return page.render("error.html", status_code=403, text=page.t("error.forbidden"))
    headers = imports.template_headers(view.type_name, page.lang)
    fmt = request.path_params["fmt"]
    name = f"{type_label(view.model, page.lang)}_template.{fmt}"
    if fmt == "xlsx":
        return _download(write_xlsx(headers, [], type_label(view.model, page.lang)), name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return _download(write_csv(headers, []), name, "text/csv; charset=utf-8")


async def import_view(page: Page, request: Request) -> Response:
    view = BY_SLUG.get(request.path_params["slug"])
    if view is None or view not in page.nav() or not view.importable:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    if not access.can_write(page.principal, view.model, Op.CREATE):
        return page.render("error.html", status_code=403, text=page.t("error.forbidden"))
    context: dict[str, Any] = {"view": view, "w": lambda k, **p: w(page, k, **p), "mb": MAX_BYTES // 1_000_000}
    if request.method == "GET":
        return page.render("import.html", **context)
    # The previewed file comes back base64-encoded in a form field: allow for that growth.
    form = await request.form(max_part_size=MAX_BYTES * 2)
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    if form.get("payload"):  # step two: commit what was previewed
        payload = str(form["payload"])
        data = base64.b64decode(payload.encode())
        if not hmac.compare_digest(_sign(page, data), str(form.get("signature", ""))):
            return page.render("import.html", status_code=400, error=w(page, "stale"), **context)
        filename = str(form.get("filename", "upload.csv"))
        commit = True
    else:
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return page.render("import.html", status_code=400, error=page.t("form.errors"), **context)
        data = await upload.read(MAX_BYTES + 1)
        filename = upload.filename or "upload.csv"
        commit = False
    try:
        table = read_table(data, filename)
    except SpreadsheetError as error:
        return page.render("import.html", status_code=400, error=error.message(page.lang), **context)
    if commit:
        result = await imports.commit_import(page.db, page.principal, view.type_name, table)
        status = 200 if result.committed else 422
        return page.render("import.html", status_code=status, report=result, committed=result.committed, **context)
    preview = await imports.preview_import(page.db, page.principal, view.type_name, table)
    return page.render(
        "import.html",
        status_code=200 if preview.ok else 422,
        report=preview,
        committed=False,
        payload=base64.b64encode(data).decode() if preview.ok else None,
        signature=_sign(page, data),
        filename=filename,
        **context,
    )


def routes(signed_in: Any) -> list[Route]:
    return [
        Route("/{slug}/export.{fmt}", signed_in(export_view), methods=["GET", "POST"]),
        Route("/{slug}/template.{fmt}", signed_in(template_view)),
        Route("/{slug}/import", signed_in(import_view), methods=["GET", "POST"]),
    ]
