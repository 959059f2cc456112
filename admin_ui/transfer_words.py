"""The import and export pages' own words: (Chinese, English)."""

from __future__ import annotations

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
