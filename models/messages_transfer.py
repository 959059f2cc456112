"""The texts of spreadsheet import and export, in the shape of
:data:`models.messages.MESSAGES`, which merges them.

Codes: ``import.*``, ``export.*`` and ``job.*`` (files too large, unknown columns, rows refused,
background jobs).
"""

from __future__ import annotations

TRANSFER_MESSAGES: dict[str, dict[str, str]] = {
    "import.too_large": {
        "zh": "文件过大，不能超过{max_mb} MB，请拆分后再导入",
        "en": "The file is too large; the limit is {max_mb} MB, so split it and import the parts",
    },
    "import.too_many_rows": {
        "zh": "数据行过多，一次最多导入{max}行，请拆分后再导入",
        "en": "Too many rows; at most {max} rows can be imported at once, so split the file",
    },
    "import.unreadable": {
        "zh": "无法读取文件，请确认它是有效的 CSV 或 Excel（.xlsx）文件",
        "en": "The file cannot be read; make sure it is a valid CSV or Excel (.xlsx) file",
    },
    "import.empty": {
        "zh": "文件中没有数据：需要一行表头和至少一行数据",
        "en": "The file has no data: it needs a header row and at least one data row",
    },
    "import.format": {
        "zh": "不支持此文件格式，请在 Excel 中另存为“Excel 工作簿（.xlsx）”或“CSV”后再导入",
        "en": "This file format is not supported; save it from Excel as an Excel workbook (.xlsx) or CSV",
    },
    "import.unknown_type": {
        "zh": "不支持导入或导出此类记录：{name}",
        "en": "Records of this kind cannot be imported or exported: {name}",
    },
    "import.no_columns": {
        "zh": "表头中没有可识别的列，请使用导入模板中的列名",
        "en": "None of the column headers is recognised; use the headers of the import template",
    },
    "import.duplicate_column": {
        "zh": "列“{column}”与列“{other}”对应同一字段，请删除其中一列",
        "en": "The columns “{column}” and “{other}” are the same field; remove one of them",
    },
    "import.missing_column": {
        "zh": "缺少必需的列：{column}",
        "en": "A required column is missing: {column}",
    },
    "import.reference": {
        "zh": "找不到“{value}”对应的{target}，或无权访问{nearest}",
        "en": "No {target} “{value}” was found, or you may not see it{nearest}",
    },
    "import.ambiguous_reference": {
        "zh": "“{value}”对应多条{target}记录，请写得更具体（如组织的完整路径、企业的统一社会信用代码、学生的身份证号，或在名称后用括号注明所属组织）",
        "en": "“{value}” matches several records ({target}); be more specific (an organisation's full path, "
        "a company's credit code, a student's ID number, or the organisation in brackets after the name)",
    },
    "import.duplicate_row": {
        "zh": "与第{row}行是同一条记录，请合并为一行",
        "en": "This is the same record as row {row}; merge the two rows",
    },
    "import.parent_loop": {
        "zh": "上级组织“{value}”由第{row}行新建，而第{row}行的上级又要经过此行，形成循环；请改正其中一行的上级组织",
        "en": "The parent “{value}” is created by row {row}, whose own parent leads back to this row: "
        "a loop; correct the parent of one of these rows",
    },
    "import.ambiguous_key": {
        "zh": "此行匹配到多条已有记录，无法确定要更新哪一条",
        "en": "This row matches several existing records, so it is unclear which one to update",
    },
    "import.database": {
        "zh": "此行无法保存：与数据库中已有的数据冲突",
        "en": "This row cannot be saved: it conflicts with data already in the database",
    },
    "import.too_many_columns": {
        "zh": "列数过多，一行最多{max}列，请删除多余的列后再导入",
        "en": "Too many columns; a row may have at most {max}, so remove the extra columns",
    },
    "import.xlsx_too_big": {
        "zh": "Excel 文件解压后过大（单个部分超过{max_mb} MB），请拆分后再导入",
        "en": "The Excel file unpacks too large (a part over {max_mb} MB); split it and import the parts",
    },
    "import.too_many_cells": {
        "zh": "表格过大：单元格（行数 × 列数）最多 {max} 个，请删除多余的行或列，或分成几个文件导入",
        "en": "The sheet is too large: at most {max} cells (rows × columns); remove extra rows or columns, or split it into several files",
    },
    "import.xlsx_bomb": {
        "zh": "Excel 文件的压缩结构异常（可能是“压缩炸弹”），已拒绝读取",
        "en": "The Excel file is compressed abnormally (possibly a zip bomb) and was not read",
    },
    "import.hostile_xml": {
        "zh": "Excel 文件中含有不允许的 XML 声明（DTD 或实体），已拒绝读取",
        "en": "The Excel file contains XML declarations that are not allowed (a DTD or entities) and was not read",
    },
    "import.excel_number": {
        "zh": "“{value}”是 Excel 按数字保存的结果，末尾几位已经丢失：请把此列设置为“文本”格式，再重新输入完整号码",
        "en": "“{value}” is how Excel stores a number, and its last digits are lost: format the column as Text and type the full number again",
    },
    "import.near_name": {
        "zh": "新建的“{name}”与已有的“{other}”非常接近，请确认不是同一处（如是，请改用已有名称）",
        "en": "The new “{name}” is very close to the existing “{other}”: make sure it is not the same place (if it is, use the existing name)",
    },
    "import.renamed": {
        "zh": "将由“{old}”改为“{new}”",
        "en": "Will change from “{old}” to “{new}”",
    },
    "import.changed_meanwhile": {
        "zh": "检查之后数据已被他人修改，未写入任何数据，请重新导入",
        "en": "The data was changed by someone else after the check; nothing was written, so import again",
    },
    "import.job_failed": {
        "zh": "导入未能完成，未写入任何数据，请稍后重试",
        "en": "The import could not finish; nothing was written, so try again later",
    },
    "job.interrupted": {
        "zh": "服务器重启，任务已中止，未写入任何数据，请重新提交",
        "en": "The server restarted and the job was stopped; nothing was written, so start it again",
    },
    "export.sensitive_choice": {
        "zh": "{type}含敏感字段（{fields}）：请用 --as 邮箱 按该账号的权限导出（按其权限脱敏），或用 --unmasked 明文导出（记入审计日志）",
        "en": "{type} has sensitive fields ({fields}): export as an account with --as EMAIL (masked as it sees them), or in clear with --unmasked (audited)",
    },
    "export.left_out": {
        "zh": "导出本单位及下级的 {n} 条{type}（其他单位公开的 {m} 条不在导出范围）",
        "en": "Exporting the {n} {type} records of the account's organisation and those below it (the {m} published by other organisations are not included)",
    },
    "import.user_not_found": {
        "zh": "找不到账号：{email}",
        "en": "No account with this e-mail address: {email}",
    },
    "import.accounts_unavailable": {
        "zh": "此版本不支持以指定账号运行（--as）",
        "en": "Running as an account (--as) is not available in this version",
    },
}
