"""Import templates people can fill in: the right cell formats, drop-down lists, an example, the rules.

The XLSX template has one sheet to fill in — the header row, one example row (marked,
to be overwritten), code and phone columns formatted as text (``@``) so Excel keeps
every digit, a drop-down list (data validation) on every choice and yes/no column —
and a second sheet of notes: what each column means, whether it is required, the
choices, and how relations are written (an organisation's path, a company's credit
code, a student's ID number).
"""

from __future__ import annotations

import enum
import io
from datetime import date
from decimal import Decimal
from typing import Any

from hongfan.transfer.columns import (
    column_label,
    importable_columns,
    relation_targets,
    resolve_type,
)
from hongfan.transfer.values import is_code_column
from models.base import CHOICE_LABELS, ENTITIES, Record, column_meta, named_within_organisation
from models.rules import python_type

_EXAMPLES: dict[str, str] = {
    "Organisation": "厦门市/湖里区/金山街道",
    "Company": "厦门示例科技有限公司 或 统一社会信用代码",
    "ScholarshipStudent": "350206200201020020（身份证号）",
    "Course": "家庭健康指导员培训（湖里区）",
    "ServiceSite": "高林社区向日葵亲子小屋",
}
_RELATION_RULES_ZH: dict[str, str] = {
    "Organisation": "写组织的路径，如“厦门市/湖里区/金山街道/高林社区”；在不重名时也可只写末尾几级或名称，"
    "正式名称（如“高林社区居委会”）和区划代码也能识别",
    "Company": "写企业全称或 18 位统一社会信用代码",
    "ScholarshipStudent": "写学生的 18 位身份证号",
    "Course": "写课程名称；重名时在后面用括号注明主办组织，如“家庭健康指导员培训（湖里区）”",
    "ServiceSite": "写阵地名称；重名时在后面用括号注明所属组织",
}


def _choices(model: type[Record], column: str, lang: str) -> list[str]:
    target = python_type(model, column)
    if target is bool:
        return ["Yes", "No"] if lang == "en" else ["是", "否"]
    if isinstance(target, type) and issubclass(target, enum.Enum):
        labels = CHOICE_LABELS.get(target, {})
        return [
            (labels[m][1] if lang == "en" else labels[m][0]) if m in labels else m.value
            for m in target
        ]
    return []


def _named_rule_zh(target: str) -> str:
    """How to name a record of a type without a rule above: by its name when imports find
    it by name within its organisation (an activity, a volunteer), else by number."""
    model = ENTITIES[target]
    name = named_within_organisation(model)
    if name is None:
        return "写记录编号"
    label = column_meta(model, name).label_zh
    what = (
        label
        if label.startswith(model.__entity__.label_zh)
        else f"{model.__entity__.label_zh}的{label}"
    )
    return f"写{what}；重名时在后面用括号注明所属组织"


def _example(model: type[Record], column: str, lang: str) -> Any:
    targets = relation_targets(model)
    if column in targets:
        return _EXAMPLES.get(targets[column], "")
    choices = _choices(model, column, lang)
    if choices:
        return choices[0]
    target = python_type(model, column)
    if target is date:
        return date(2024, 9, 1)
    if target is Decimal:
        return Decimal("1500.00")
    if target is int:
        return 2024 if "year" in column else 1
    if column == "id_number":
        return "350206200201020020"
    if column in ("phone", "contact_phone"):
        return "13800138000"
    if column == "credit_code":
        return "91350206MA0000001X"
    return "示例" if lang != "en" else "Example"


def build_template(type_name: str, lang: str = "zh") -> bytes:
    """The XLSX template of a record type (see the module docstring)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.comments import Comment  # type: ignore[import-untyped]
    from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    model = resolve_type(type_name)
    meta = model.__entity__
    columns = importable_columns(model)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (meta.label_en if lang == "en" else meta.label_zh)[:31]
    sheet.freeze_panes = "A2"
    table = model.__table__  # type: ignore[attr-defined]
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        header = sheet.cell(row=1, column=index, value=column_label(model, column, lang))
        header.font = Font(bold=True, color="C00000" if not table.c[column].nullable else "000000")
        sheet.column_dimensions[letter].width = 18
        example = sheet.cell(row=2, column=index, value=_example(model, column, lang))
        example.fill = PatternFill("solid", fgColor="EEEEEE")
        target = python_type(model, column)
        if (
            is_code_column(model, column)
            or column in ("phone", "contact_phone")
            or column in relation_targets(model)
        ):
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
        elif target is date:
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "yyyy-mm-dd"
        elif target is Decimal:
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "0.00"
        choices = _choices(model, column, lang)
        if choices:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True
            )
            validation.error = "请从下拉列表中选择" if lang != "en" else "Choose from the list"
            validation.errorTitle = column_label(model, column, lang)
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}1001")
    sheet.cell(row=2, column=1).comment = Comment(
        "示例行：请覆盖或删除后再导入"
        if lang != "en"
        else "Example row: overwrite or delete it before importing",
        "红帆",
    )
    _notes(workbook.create_sheet("填写说明" if lang != "en" else "Notes"), model, columns, lang)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _notes(sheet: Any, model: type[Record], columns: list[str], lang: str) -> None:
    from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]

    zh = lang != "en"
    table = model.__table__  # type: ignore[attr-defined]
    targets = relation_targets(model)
    sheet.append(["列名", "必填", "说明"] if zh else ["Column", "Required", "How to fill it in"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in columns:
        rules = []
        if column in targets:
            target = targets[column]
            rules.append(
                _RELATION_RULES_ZH.get(target) or _named_rule_zh(target)
                if zh
                else f"the {ENTITIES[target].__entity__.label_en}"
            )
        choices = _choices(model, column, lang)
        if choices:
            rules.append(("可选：" if zh else "one of: ") + "、".join(choices))
        if is_code_column(model, column):
            rules.append(
                "此列为文本格式，请输入完整号码，不要设为数字"
                if zh
                else "a text column: type the full number"
            )
        kind = python_type(model, column)
        if kind is date:
            rules.append("日期，如 2024-09-01" if zh else "a date, e.g. 2024-09-01")
        if kind is Decimal:
            if "money" in column_meta(model, column).checks:
                rules.append("金额（元），两位小数" if zh else "an amount in yuan, two decimals")
            else:  # e.g. a volunteer's hours
                rules.append("数字，最多两位小数" if zh else "a number, at most two decimals")
        if column == "level":
            rules.append(
                "街道、镇、乡均可写作街道/镇；社区、村、居委会、村委会均可写作社区/村"
                if zh
                else "街道/镇/乡 or 社区/村/居委会/村委会"
            )
        required = not table.c[column].nullable and model.model_fields[column].is_required()
        meta = column_meta(model, column)
        sheet.append(
            [
                meta.label_en if not zh else meta.label_zh,
                ("是" if zh else "yes") if required else "",
                "；".join(rules),
            ]
        )
    sheet.append([])
    sheet.append(
        [
            "说明" if zh else "Notes",
            "",
            (
                "第一行为表头，不要改动；表头上方可以有标题行。第二行是示例，导入前请覆盖或删除。"
                "同一文件再次导入会更新已有记录而不会重复；有任何一行出错时整个文件都不会写入。"
                if zh
                else "Row 1 is the header: keep it (a title row above it is fine). Row 2 is an example: overwrite or delete it. "
                "Importing the same file again updates the records instead of duplicating them; if any row has an error, nothing is written."
            ),
        ]
    )
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 8
    sheet.column_dimensions["C"].width = 90
    for row in sheet.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")


__all__ = ["build_template"]


def example_texts(model: type[Record]) -> list[dict[str, str | None]]:
    """The template's example row as the import reads it, by column, in both languages."""
    from hongfan.transfer.cells import cell_text

    return [
        {c: cell_text(_example(model, c, lang)) for c in importable_columns(model)}
        for lang in ("zh", "en")
    ]
