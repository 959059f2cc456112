"""XLSX exports written in constant memory (XlsxWriter) read back as they were written.

What a user notices: an exported ID number or phone keeps its leading zero and every digit,
money sums and shows two decimals, dates are dates, blanks stay blank, a text that starts
like a formula is never run by Excel, and the file re-imports unchanged.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from hongfan.db import Database
from hongfan.principal import Principal, Role, system
from hongfan.transfer.exporting import export_file
from hongfan.transfer.importing import commit_import
from hongfan.transfer.sheets import read_table
from hongfan.transfer.writing import XlsxStream, display_width, sheet_title, write_xlsx
from tests import factories

SUPERADMIN = Principal(kind="user", actor="user:admin", role=Role.SUPERADMIN)
HEADERS = ["姓名", "身份证号", "联系电话", "出生日期", "金额（元）", "备注", "次数", "登记时间"]
KINDS: list[Any] = ["text", "digits", "digits", "date", "money", "text", "int", "other"]
ROWS: list[list[Any]] = [
    [
        "欧阳娜娜",
        "010105194912310021",
        "05925551234",
        date(1949, 12, 31),
        Decimal("1500.50"),
        "=cmd|' /C calc'!A0",
        3,
        datetime(2024, 5, 6, 7, 8, 9),
    ],
    ["李四", "350206200201020020", None, None, None, None, None, None],
    [
        "+86 王五",
        "35020620020102002X",
        "-1",
        date(2002, 1, 2),
        Decimal("0.05"),
        "@SUM(A1)",
        0,
        None,
    ],
]


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_given_typed_rows_when_written_then_each_cell_reads_back_with_its_type_and_format() -> None:
    """Given ID numbers with a leading zero, money, dates, blanks and formula-like texts,
    when written as XLSX, then openpyxl reads text as text (never a formula or a number),
    money as a number shown 0.00, dates as dates, blanks as empty cells."""
    data = write_xlsx(HEADERS, ROWS, "受助学生/2024", kinds=KINDS)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "受助学生 2024"
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == HEADERS and all(c.font.bold for c in sheet[1])
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [
            "欧阳娜娜",
            "010105194912310021",
            "05925551234",
            datetime(1949, 12, 31),
            1500.5,
            "=cmd|' /C calc'!A0",
            3,
            datetime(2024, 5, 6, 7, 8, 9),
        ],
        ["李四", "350206200201020020", None, None, None, None, None, None],
        [
            "+86 王五",
            "35020620020102002X",
            "-1",
            datetime(2002, 1, 2),
            0.05,
            "@SUM(A1)",
            0,
            None,
        ],
    ]
    ids, phone, born, money = sheet["B2"], sheet["C2"], sheet["D2"], sheet["E2"]
    assert ids.data_type == "s" and ids.number_format == "@"
    assert phone.data_type == "s" and phone.number_format == "@"
    assert born.is_date and born.number_format == "yyyy-mm-dd"
    assert money.data_type == "n" and money.number_format == "0.00"
    assert sheet["H2"].is_date  # a date and time in a column of no kind is still a date
    assert not sheet["F2"].font.bold
    # Nothing in the file is a formula: no <f> element, whatever the text began with.
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert "<f>" not in _sheet_xml(data) and "<f " not in _sheet_xml(data)
    # Columns are as wide as their widest shown text, a Chinese character counting two.
    assert sheet.column_dimensions["A"].width >= display_width("欧阳娜娜") + 2
    assert sheet.column_dimensions["B"].width >= 20


def test_given_an_exported_xlsx_when_read_by_the_import_then_every_value_comes_back_as_text() -> (
    None
):
    """Given the same rows written as XLSX, when the import reads the file, then the ID
    numbers and phones keep their leading zeros, the formula-like texts come back without
    the apostrophe, blanks are None and money and dates read as the import expects."""
    table = read_table(write_xlsx(HEADERS, ROWS, kinds=KINDS), "x.xlsx")
    assert table.headers == HEADERS
    assert table.rows == [
        [
            "欧阳娜娜",
            "010105194912310021",
            "05925551234",
            "1949-12-31",
            "1500.5",
            "=cmd|' /C calc'!A0",
            "3",
            "2024-05-06 07:08:09",
        ],
        ["李四", "350206200201020020", None, None, None, None, None, None],
        ["+86 王五", "35020620020102002X", "-1", "2002-01-02", "0.05", "@SUM(A1)", "0", None],
    ]


def test_given_formula_like_texts_when_written_as_xlsx_then_cells_hold_them_without_apostrophe() -> (
    None
):
    """Given stored texts starting with = + - @ (an organisation's note "=1+1", a phone
    "-1"), when written as XLSX, then openpyxl reads each cell as exactly the stored text —
    no apostrophe in front — as a string cell (never a formula) marked with Excel's quote
    prefix, a digits column keeping its text format; ordinary texts get no quote prefix."""
    texts = ["=1+1", "+86 123", "-1", "@SUM(A1)"]
    data = write_xlsx(
        ["备注", "联系电话"], [[t, t] for t in texts] + [["普通", "0592"]], kinds=["text", "digits"]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = list(sheet.iter_rows(min_row=2))
    assert [[c.value for c in row] for row in cells] == [[t, t] for t in texts] + [["普通", "0592"]]
    assert all(c.data_type == "s" and c.quotePrefix for row in cells[:-1] for c in row)
    assert all(c.number_format == "@" for c in sheet["B"][1:])
    assert not any(c.quotePrefix for c in cells[-1])
    assert "<f>" not in _sheet_xml(data)
    assert read_table(data, "x.xlsx").rows == [[t, t] for t in texts] + [["普通", "0592"]]


def test_given_a_highlight_when_a_row_has_errors_then_its_every_cell_is_filled() -> None:
    """Given the import report's highlight, when a row has an error, then every cell of it,
    blanks included, has the light yellow fill, and the other rows have none."""
    buffer = io.BytesIO()
    rows = [["张三", None, None], ["李四", None, "身份证号：校验位不对"]]
    with XlsxStream(
        buffer,
        ["姓名", "身份证号", "错误说明"],
        ["digits"] * 2 + ["other"],
        highlight=lambda row: "FFF2CC" if row[-1] else None,
    ) as stream:
        for row in rows:
            stream.add(row)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    assert [c.fill.fgColor.rgb for c in sheet[3]] == ["FFFFF2CC"] * 3
    assert sheet["A3"].number_format == "@" and sheet["B3"].number_format == "@"
    assert sheet["A2"].fill.fill_type is None


def test_given_a_failure_while_writing_when_the_block_ends_then_no_file_and_no_temp_files(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given an export that fails half way, when the stream's block ends with the error,
    then the target is not written and the temporary row data is gone."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    target = tmp_path / "out.xlsx"
    with pytest.raises(RuntimeError), XlsxStream(target, ["姓名"]) as stream:
        for n in range(500):
            stream.add([f"学生{n}"])
        raise RuntimeError("the database went away")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("名单/2022", "名单 2022"),
        ("'引号'", "引号"),
        ("", "Sheet1"),
        ("[*?]", "Sheet1"),
        ("History", "History 1"),
        ("长" * 40, "长" * 31),
    ],
)
def test_sheet_titles_are_ones_excel_accepts(title: str, expected: str) -> None:
    assert sheet_title(title) == expected
    write_xlsx(["a"], [], title)  # and the writer takes them


async def test_given_students_exported_as_xlsx_when_imported_back_then_nothing_changes(
    database: Database,
) -> None:
    """Given a student whose major reads like a formula and who has no phone, when a
    superadmin exports the students as XLSX, then the ID number is a text cell with every
    digit, the major is text (not run), the phone is blank; and importing the file
    changes nothing."""
    async with database.transaction(system("test")) as s:
        city = await factories.organisation(s, "厦门市")
        home = await factories.organisation(s, "湖里区", city)
        await factories.student(
            s,
            home,
            "欧阳测试",
            id_number="350206200201020020",
            major="=cmd|' /C calc'!A0",
            phone=None,
        )
    data = await export_file(database, SUPERADMIN, "ScholarshipStudent", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(headers, sheet[2], strict=True)}
    assert row["身份证号"].value == "350206200201020020" and row["身份证号"].data_type == "s"
    assert row["专业"].value == "=cmd|' /C calc'!A0" and row["专业"].data_type == "s"
    assert row["专业"].quotePrefix
    assert row["手机号码"].value is None
    assert "<f>" not in _sheet_xml(data)
    result = await commit_import(
        database, SUPERADMIN, "ScholarshipStudent", read_table(data, "students.xlsx")
    )
    assert result.committed and result.unchanged == 1, result.errors
