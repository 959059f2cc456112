"""Reading and writing the spreadsheets association staff keep: CSV and XLSX.

Reading turns a file into a :class:`Table` of text cells whatever it came
from: CSV in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or
GB18030 (a superset of GBK, what Excel writes on a Chinese Windows), with a
comma, tab or semicolon delimiter; or the first sheet of an XLSX workbook.
Dates become ISO strings and whole numbers lose Excel's spurious ``.0``.

Writing produces files Excel opens correctly in Chinese: CSV as UTF-8 *with*
BOM and CRLF line ends, XLSX with a bold, frozen header row. Both neutralise
formula injection (OWASP "CSV injection"): a text cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe.
Reading removes such an apostrophe again, so an export re-imports unchanged.

File problems raise :class:`SpreadsheetError` with a message code from
:mod:`models.messages`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from models.messages import message

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000

# Characters that make a spreadsheet treat a cell as a formula (or smuggle one in).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class SpreadsheetError(Exception):
    """A file that cannot be read as a table (or whose table cannot be used)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def message(self, lang: str = "zh") -> str:
        return message(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.message("en")


@dataclass
class Table:
    """A header row and the data rows below it, as text.

    ``row_numbers[i]`` is the spreadsheet row number of ``rows[i]`` (the header
    is row 1); blank rows are dropped but keep their place in the numbering.
    """

    headers: list[str]
    rows: list[list[str | None]]
    row_numbers: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.row_numbers:
            self.row_numbers = list(range(2, len(self.rows) + 2))


# -- reading -------------------------------------------------------------------------


def read_table(
    data: bytes, filename: str = "", *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS
) -> Table:
    """Read a CSV or XLSX file (told apart by its name, else by its content)."""
    if len(data) > max_bytes:
        raise SpreadsheetError("import.too_large", max_mb=_megabytes(max_bytes))
    kind = _kind(data, filename)
    if kind == "xlsx":
        raw_rows = _xlsx_rows(data)
    elif kind == "xls":
        raise SpreadsheetError("import.format")
    else:
        raw_rows = _csv_rows(data)
    return _tabulate(raw_rows, max_rows)


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:g}"


def _kind(data: bytes, filename: str) -> str:
    name = filename.lower()
    if data.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith((".xls", ".et", ".numbers", ".ods")):
        return "xls"
    return "csv"


def decode_text(data: bytes) -> str:
    """UTF-8 with BOM, UTF-16 with BOM, UTF-8, then GB18030 (which covers GBK and GB2312)."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            continue  # binary, not text
        return text
    raise SpreadsheetError("import.unreadable")


def _delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=",\t;")
        if dialect.delimiter in first_line:
            return str(dialect.delimiter)
    except csv.Error:
        pass
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    text = decode_text(data)
    if not text.strip():
        raise SpreadsheetError("import.empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        yield from reader
    except csv.Error as error:
        raise SpreadsheetError("import.unreadable") from error


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    try:
        import openpyxl  # type: ignore[import-untyped]
    except ImportError as error:  # pragma: no cover - a declared dependency
        raise SpreadsheetError("import.format") from error
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise SpreadsheetError("import.unreadable") from error
    except Exception as error:  # openpyxl raises a zoo of parse errors on damaged files
        raise SpreadsheetError("import.unreadable") from error
    try:
        if not workbook.worksheets:
            raise SpreadsheetError("import.empty")
        sheet = workbook.worksheets[0]
        try:
            for values in sheet.iter_rows(values_only=True):
                yield list(values)
        except SpreadsheetError:
            raise
        except Exception as error:
            raise SpreadsheetError("import.unreadable") from error
    finally:
        workbook.close()


def cell_text(value: Any) -> str | None:
    """A cell as text: None or blank → None, dates ISO, whole numbers without ``.0``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    text = str(value).strip()
    if text == "":
        return None
    return unneutralise(text)


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise`: ``'=…`` → ``=…`` (only before a formula trigger)."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def _tabulate(raw_rows: Iterable[list[Any]], max_rows: int) -> Table:
    headers: list[str] | None = None
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    for number, raw in enumerate(raw_rows, start=1):
        cells = [cell_text(v) for v in raw]
        if headers is None:
            if not any(cells):
                continue  # blank lines above the header
            headers = [_header_text(c) for c in cells]
            header_row = number
            continue
        if not any(cells):
            continue
        if len(rows) >= max_rows:
            raise SpreadsheetError("import.too_many_rows", max=max_rows)
        rows.append(cells)
        numbers.append(number)
    if headers is None:
        raise SpreadsheetError("import.empty")
    width = max([len(headers), *(len(r) for r in rows)])
    headers = headers + [""] * (width - len(headers))
    rows = [r + [None] * (width - len(r)) for r in rows]
    # Drop columns with neither a header nor a value (Excel's trailing empty columns).
    keep = [i for i in range(width) if headers[i] or any(r[i] is not None for r in rows)]
    headers = [headers[i] for i in keep]
    rows = [[r[i] for i in keep] for r in rows]
    if not rows:
        raise SpreadsheetError("import.empty")
    if header_row != 1:
        # Keep "the header is row 1" true for messages: number rows from the header.
        numbers = [n - header_row + 1 for n in numbers]
    return Table(headers=headers, rows=rows, row_numbers=numbers)


def _header_text(value: str | None) -> str:
    return "" if value is None else value.replace("\ufeff", "").strip()


# -- writing -------------------------------------------------------------------------


def neutralise(value: str) -> str:
    """Prefix a formula-like text with an apostrophe so no spreadsheet evaluates it."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _out(value: Any) -> Any:
    """A value ready for a cell: text neutralised, numbers as numbers."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with BOM and CRLF, so Excel on a Chinese Windows shows the text right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_csv_cell(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def _csv_cell(value: Any) -> str:
    out = _out(value)
    return "" if out is None else str(out)


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet_title: str = "Sheet1") -> bytes:
    """One sheet: bold, frozen header row; columns sized to their content."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    rows = [list(r) for r in rows]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        sample = [header, *(_cell_string(r[index - 1]) for r in rows[:500] if index - 1 < len(r))]
        width = max(_display_width(s) for s in sample) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 60)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet1"
    return cleaned[:31]


def _cell_string(value: Any) -> str:
    out = _out(value)
    return "" if out is None else str(out)


def _xlsx_value(value: Any) -> Any:
    out = _out(value)
    if isinstance(out, str):
        # Control characters are illegal in XLSX XML; a text starting with "="
        # would become a formula, but neutralise() already prefixed it.
        return _CONTROL.sub("", out)
    if isinstance(out, Decimal):
        return str(out)  # keep money exact: as text, never a float
    return out


__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "SpreadsheetError",
    "Table",
    "cell_text",
    "decode_text",
    "neutralise",
    "read_table",
    "unneutralise",
    "write_csv",
    "write_xlsx",
]
