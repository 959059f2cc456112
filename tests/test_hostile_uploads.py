"""Uploads cannot hurt the server: zip bombs, XML entities, forged sizes and very wide sheets
are refused with a clear message before they cost more than a moment — upload and CLI alike."""

from __future__ import annotations

import argparse
import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from hongfan.settings import Settings
from hongfan.transfer.cli import add_io_commands
from hongfan.transfer.limits import Limits
from hongfan.transfer.sheets import SpreadsheetError, read_sheet, read_table

SHEET = "xl/worksheets/sheet1.xml"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def workbook_with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced by ``sheet_xml``."""
    book = openpyxl.Workbook()
    assert book.active is not None
    book.active.append(["姓名", "性别"])
    original = io.BytesIO()
    book.save(original)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(original) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            target.writestr(entry, sheet_xml if entry.filename == SHEET else source.read(entry))
    return out.getvalue()


def refused(data: bytes, name: str, limits: Limits | None = None) -> SpreadsheetError:
    started = time.monotonic()
    with pytest.raises(SpreadsheetError) as caught:
        read_sheet(data, name, limits or Limits())
    assert time.monotonic() - started < 5  # refused before it costs more than a moment
    assert (
        "\u4e00" <= caught.value.message("zh")[0] <= "\u9fff"
        or caught.value.message("zh")[0] in "“E"
    )
    return caught.value


def test_a_zip_bomb_is_refused_before_it_is_inflated() -> None:
    # Given a 2 MB sheet of one repeated row, compressed a thousandfold (a few KB)
    rows = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 40_000
    data = workbook_with_sheet(
        HEAD.encode() + f"<worksheet {NS}><sheetData>".encode() + rows + b"</sheetData></worksheet>"
    )
    assert len(data) < 100_000
    error = refused(data, "bomb.xlsx")
    assert error.code == "import.xlsx_bomb" and "压缩" in error.message("zh")
    # And a part over the size limit is refused by its declared size alone
    error = refused(data, "bomb.xlsx", Limits(max_entry_bytes=1024 * 1024, max_ratio=10_000))
    assert error.code == "import.xlsx_too_big"


def test_xml_entities_are_refused() -> None:
    laughs = (
        HEAD
        + '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&c;</t></is></c></row></sheetData></worksheet>'
    )
    assert refused(workbook_with_sheet(laughs.encode()), "laughs.xlsx").code == "import.hostile_xml"


def test_a_forged_row_number_or_dimension_costs_nothing() -> None:
    far = (
        HEAD
        + f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>'
    )
    assert refused(workbook_with_sheet(far.encode()), "far.xlsx").code == "import.too_many_rows"
    wide = (
        HEAD + f'<worksheet {NS}><dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c></row></sheetData></worksheet>'
    )
    started = time.monotonic()
    table = read_table(workbook_with_sheet(wide.encode()), "wide.xlsx")
    assert table.rows == [["张三"]] and time.monotonic() - started < 5


def test_too_many_columns_or_rows_are_refused() -> None:
    assert (
        refused(("a," * 150 + "\r\n" + "1," * 150).encode(), "wide.csv").code
        == "import.too_many_columns"
    )
    assert (
        refused(b"a\n" + b"1\n" * 31, "long.csv", Limits(max_rows=20)).code
        == "import.too_many_rows"
    )
    assert refused(b"a" * 200, "big.csv", Limits(max_bytes=100)).code == "import.too_large"


def test_the_cli_applies_the_same_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = argparse.ArgumentParser(prog="hongfan")
    add_io_commands(parser.add_subparsers(dest="command", required=True))
    rows = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 40_000
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(
        workbook_with_sheet(
            HEAD.encode()
            + f"<worksheet {NS}><sheetData>".encode()
            + rows
            + b"</sheetData></worksheet>"
        )
    )
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", secret_key="x")
    args = parser.parse_args(["import", "ScholarshipStudent", str(bomb)])
    assert args.handler(settings, args) == 1
    assert "压缩" in capsys.readouterr().err
    big = tmp_path / "big.csv"
    big.write_bytes(b"a,b\n" + b"1,2\n" * 100)
    small = Settings(database_url=settings.database_url, secret_key="x", import_max_mb=0)
    args = parser.parse_args(["import", "ScholarshipStudent", str(big)])
    assert args.handler(small, args) == 1
    assert "文件过大" in capsys.readouterr().err


def test_too_many_cells_are_refused_while_reading_and_before_parsing_an_xlsx() -> None:
    # Given a sheet of 40 rows × 30 columns (1,200 cells) and a limit of 1,000 cells
    limits = Limits(max_cells=1000)
    csv_data = ("\r\n".join(",".join(f"v{r}-{c}" for c in range(30)) for r in range(41))).encode()
    # Then the CSV is refused while it is read, the limit in the message
    error = refused(csv_data, "cells.csv", limits)
    assert error.code == "import.too_many_cells" and "1000" in error.message("zh")
    # and the same sheet as .xlsx is refused by counting its cells, before openpyxl parses it
    rows = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{chr(65 + c % 26)}{r}" t="inlineStr"><is><t>v</t></is></c>' for c in range(30)
        )
        + "</row>"
        for r in range(1, 42)
    )
    xml = HEAD + f"<worksheet {NS}><sheetData>{rows}</sheetData></worksheet>"
    assert refused(workbook_with_sheet(xml.encode()), "cells.xlsx", limits).code == (
        "import.too_many_cells"
    )
    # while the same sheet under the default limits is read whole
    assert len(read_sheet(workbook_with_sheet(xml.encode()), "cells.xlsx").rows) == 41


def test_a_row_wider_than_excel_is_refused_before_a_parser_builds_its_cells() -> None:
    """openpyxl builds every cell of a row before handing it over: one row of a million
    cells (a 6.8 MB file, within every size and ratio limit) cost it 162 s and 907 MB."""
    cells = "".join(f"<c><v>{n}</v></c>" for n in range(20_000))  # Excel stops at 16,384
    xml = HEAD + f'<worksheet {NS}><sheetData><row r="1">{cells}</row></sheetData></worksheet>'
    assert refused(workbook_with_sheet(xml.encode()), "wide.xlsx").code == "import.too_many_columns"
    # and a CSV line of 20,000 commas likewise, before its cells are made
    assert refused(b"," * 20_000 + b"\r\n1\r\n", "commas.csv").code == "import.too_many_columns"


def test_a_dtd_after_a_long_comment_is_refused_as_hostile_xml() -> None:
    # Given entities declared after 20 KB of comment (past any look at the first bytes)
    laughs = (
        HEAD
        + "<!--"
        + "x" * 20_000
        + '--><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
    )
    assert refused(workbook_with_sheet(laughs.encode()), "laughs.xlsx").code == "import.hostile_xml"


def test_the_web_import_and_the_cli_take_the_cells_limit_from_the_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from types import SimpleNamespace

    from hongfan.transfer.tasks import _table

    data = ("\r\n".join(",".join(["姓名", "性别", "学校"]) for _ in range(12))).encode()
    upload = tmp_path / "cells.csv"
    upload.write_bytes(data)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        secret_key="x",
        import_max_cells=30,
    )
    # Given HONGFAN_IMPORT_MAX_CELLS=30, the check job of an admin upload refuses 36 cells
    job = SimpleNamespace(
        path=lambda _name: upload,
        db=SimpleNamespace(settings=settings),
        job=SimpleNamespace(type_name="ScholarshipStudent", filename="cells.csv"),
    )
    with pytest.raises(SpreadsheetError) as caught:
        _table(job)  # type: ignore[arg-type]
    assert caught.value.code == "import.too_many_cells"
    # and so does the CLI, in Chinese on stderr
    parser = argparse.ArgumentParser(prog="hongfan")
    add_io_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["import", "ScholarshipStudent", str(upload)])
    assert args.handler(settings, args) == 1
    assert "单元格" in capsys.readouterr().err
