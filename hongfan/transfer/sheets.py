"""Reading the spreadsheets association staff keep: CSV and XLSX, as offices lay them out.

:func:`read_sheet` turns a file into a :class:`Sheet` of text cells whatever it came
from: CSV in UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text") or GB18030
(a superset of GBK, what Excel writes on a Chinese Windows), with a comma, tab or
semicolon delimiter; or the first sheet of an XLSX workbook. :func:`locate_header`
then finds the header row the way people lay sheets out — below a title row, or
under a row of merged group labels — and gives a :class:`Table`.

Every read is bounded by :class:`~hongfan.transfer.limits.Limits`: the file size; for
XLSX the size and compression ratio of every zip entry, checked before anything is
inflated, and no DTD or entity declaration anywhere in any XML part (``defusedxml``
guards openpyxl's parser as well); the cells of each worksheet counted in its bytes
before openpyxl parses it (no more than ``max_cells``, no row wider than Excel's); the
number of rows, of columns and of cells (rows × columns) while reading. File problems raise
:class:`SpreadsheetError` with a message code from :mod:`models.messages`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from hongfan.transfer.cells import cell_text, header_text
from hongfan.transfer.limits import DEFAULT_LIMITS, MB, ROW_CELLS, Limits
from models.messages import message

MAX_BYTES = DEFAULT_LIMITS.max_bytes
MAX_ROWS = DEFAULT_LIMITS.max_rows


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


Cells = list[str | None]


@dataclass
class Sheet:
    """The non-blank rows of a sheet as text cells, each with its spreadsheet row number."""

    rows: list[tuple[int, Cells]]


@dataclass
class Table:
    """A header row and the data rows below it, as text.

    ``row_numbers[i]`` is the spreadsheet row number of ``rows[i]``; blank rows are
    dropped but keep their place in the numbering. ``header_row`` is the row read as
    the header and ``group_row`` the row of group labels above it, when there was one.
    """

    headers: list[str]
    rows: list[Cells]
    row_numbers: list[int] = field(default_factory=list)
    header_row: int = 1
    group_row: int | None = None

    def __post_init__(self) -> None:
        if not self.row_numbers:
            self.row_numbers = list(
                range(self.header_row + 1, self.header_row + 1 + len(self.rows))
            )


# -- files into sheets ----------------------------------------------------------------


def read_sheet(data: bytes, filename: str = "", limits: Limits = DEFAULT_LIMITS) -> Sheet:
    """Read a CSV or XLSX file (told apart by its content, else by its name)."""
    if len(data) > limits.max_bytes:
        raise SpreadsheetError("import.too_large", max_mb=_megabytes(limits.max_bytes))
    kind = _kind(data, filename)
    if kind == "xls":
        raise SpreadsheetError("import.format")
    raw = _xlsx_rows(data, limits) if kind == "xlsx" else _csv_rows(data)
    return _collect(raw, limits)


def read_table(
    data: bytes,
    filename: str = "",
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    limits: Limits | None = None,
    known: Callable[[str], bool] | None = None,
) -> Table:
    """:func:`read_sheet` then :func:`locate_header` (the first non-blank row without ``known``)."""
    limits = limits or Limits(max_bytes=max_bytes, max_rows=max_rows)
    return locate_header(
        read_sheet(data, filename, limits), known, limits.header_scan, limits.max_rows
    )


def _megabytes(size: int) -> str:
    return f"{size / MB:g}"


def _kind(data: bytes, filename: str) -> str:
    name = filename.lower()
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith((".xls", ".et", ".numbers", ".ods")):
        return "xls"
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
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


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = decode_text(data)
    if not text.strip():
        raise SpreadsheetError("import.empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise SpreadsheetError("import.unreadable") from error


def check_xlsx_archive(data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse an .xlsx whose parts would inflate too far, that declares XML entities, or
    whose sheets hold more cells than the limits — before any XML parser sees it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SpreadsheetError("import.unreadable") from error
    with archive:
        entries = archive.infolist()
        if len(entries) > limits.max_entries:
            raise SpreadsheetError("import.xlsx_bomb")
        total = 0
        for entry in entries:
            total += entry.file_size
            if entry.file_size > limits.max_entry_bytes or total > limits.max_total_bytes:
                raise SpreadsheetError(
                    "import.xlsx_too_big", max_mb=_megabytes(limits.max_entry_bytes)
                )
            if entry.file_size > MB and entry.file_size > limits.max_ratio * max(
                entry.compress_size, 1
            ):
                raise SpreadsheetError("import.xlsx_bomb")
        for entry in entries:
            if entry.filename.lower().endswith((".xml", ".rels", ".vml")):
                _scan_part(archive, entry, limits)


# A tag of a row or a cell, with or without a namespace prefix (<row …>, <x:c …>).
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]{0,31}:)?(row|c)[\s/>]")
_CHUNK = MB
_OVERLAP = 64  # longer than any tag _TAG matches, and than <!DOCTYPE / <!ENTITY


def _scan_part(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limits: Limits) -> None:
    """Read one XML part as a stream (its size is checked already): no DTD or entity
    declaration anywhere in it (defusedxml's rule, before any parser), and for a
    worksheet no more cells than :attr:`Limits.max_cells` nor a row wider than Excel's.

    Counting tags in the bytes costs a fraction of a second for the largest part allowed;
    openpyxl builds every cell of a row before handing it over, so one row of a million
    cells would cost it minutes and a gigabyte (measured: 162 s, 907 MB for a 6.8 MB file).
    """
    sheet = entry.filename.lower().startswith("xl/worksheets/")
    cells = row_cells = 0
    tail = b""
    try:
        with archive.open(entry) as part:
            while True:
                chunk = part.read(_CHUNK)
                data = tail + chunk
                if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                    raise SpreadsheetError("import.hostile_xml")
                # a tag that starts in the last bytes may be cut off: scanned next time
                cut = len(data) - _OVERLAP if chunk else len(data)
                if sheet:
                    for match in _TAG.finditer(data, 0, len(data)):
                        if match.start() >= cut:
                            break
                        if match.group(1) == b"row":
                            row_cells = 0
                            continue
                        cells += 1
                        row_cells += 1
                        if row_cells > ROW_CELLS:
                            raise SpreadsheetError(
                                "import.too_many_columns", max=limits.max_columns
                            )
                        if cells > limits.max_cells:
                            raise SpreadsheetError("import.too_many_cells", max=limits.max_cells)
                if not chunk:
                    return
                tail = data[max(cut, 0) :]
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as error:
        raise SpreadsheetError("import.unreadable") from error


def _xlsx_rows(data: bytes, limits: Limits) -> Iterator[tuple[int, list[Any]]]:
    check_xlsx_archive(data, limits)
    import openpyxl  # type: ignore[import-untyped]

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises a zoo of parse errors on damaged files
        raise _parse_error(error) from error
    try:
        if not workbook.worksheets:
            raise SpreadsheetError("import.empty")
        sheet = workbook.worksheets[0]
        # Bounds passed to the reader: a forged <dimension> or row number must not make it
        # pad millions of empty cells or rows. One row past the bound tells "too many".
        last_row = limits.max_rows + limits.header_scan + 2 * limits.max_rows // 10 + 1
        try:
            rows = sheet.iter_rows(
                values_only=True, max_col=limits.max_columns + 1, max_row=last_row
            )
            for number, values in enumerate(rows, start=1):
                if number == last_row:
                    raise SpreadsheetError("import.too_many_rows", max=limits.max_rows)
                yield number, list(values)
        except SpreadsheetError:
            raise
        except Exception as error:
            raise _parse_error(error) from error
    finally:
        workbook.close()


def _parse_error(error: Exception) -> SpreadsheetError:
    try:
        from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - a declared dependency
        return SpreadsheetError("import.unreadable")
    if isinstance(error, DefusedXmlException):
        return SpreadsheetError("import.hostile_xml")
    return SpreadsheetError("import.unreadable")


def _collect(raw_rows: Iterable[tuple[int, list[Any]]], limits: Limits) -> Sheet:
    rows: list[tuple[int, Cells]] = []
    allowed = limits.max_rows + limits.header_scan
    total = 0
    for number, raw in raw_rows:
        if len(raw) > ROW_CELLS:  # a CSV line of commas: refused before its cells are made
            raise SpreadsheetError("import.too_many_columns", max=limits.max_columns)
        cells = [cell_text(v) for v in raw]
        while cells and cells[-1] is None:
            cells.pop()
        if not cells:
            continue
        if len(cells) > limits.max_columns:
            raise SpreadsheetError("import.too_many_columns", max=limits.max_columns)
        if len(rows) >= allowed:
            raise SpreadsheetError("import.too_many_rows", max=limits.max_rows)
        total += len(cells)
        if total > limits.max_cells:
            raise SpreadsheetError("import.too_many_cells", max=limits.max_cells)
        rows.append((number, cells))
    if not rows:
        raise SpreadsheetError("import.empty")
    return Sheet(rows)


# -- finding the header ---------------------------------------------------------------


def locate_header(
    sheet: Sheet,
    known: Callable[[str], bool] | None = None,
    scan: int = 10,
    max_rows: int | None = None,
) -> Table:
    """The header row and the data below it.

    With ``known`` (is this text a column name?), the header is the first of the first
    ``scan`` rows where most filled cells are known column names: title rows above it
    are skipped. A row of group labels right above it (merged cells such as
    基本信息 / 学籍信息) fills the header's blank cells (a label merged over two rows)
    and is tried as a prefix where a header cell alone is not known.
    """
    index = 0
    if known is not None:
        for i, (_number, cells) in enumerate(sheet.rows[:scan]):
            filled = [c for c in cells if c]
            hits = sum(1 for c in filled if known(header_text(c)))
            if hits and hits >= min(2, len(filled)):
                index = i
                break
    number, cells = sheet.rows[index]
    headers = [header_text(c) for c in cells]
    group_row: int | None = None
    if known is not None and index > 0 and sheet.rows[index - 1][0] == number - 1:
        headers, merged = _merge_groups(headers, sheet.rows[index - 1][1], known)
        group_row = number - 1 if merged else None
    body = sheet.rows[index + 1 :]
    if not body:
        raise SpreadsheetError("import.empty")
    if max_rows is not None and len(body) > max_rows:
        raise SpreadsheetError("import.too_many_rows", max=max_rows)
    width = max(len(headers), *(len(r) for _n, r in body))
    headers += [""] * (width - len(headers))
    rows = [r + [None] * (width - len(r)) for _n, r in body]
    keep = [i for i in range(width) if headers[i] or any(r[i] is not None for r in rows)]
    return Table(
        headers=[headers[i] for i in keep],
        rows=[[r[i] for i in keep] for r in rows],
        row_numbers=[n for n, _r in body],
        header_row=number,
        group_row=group_row,
    )


def _merge_groups(
    headers: list[str], upper: Cells, known: Callable[[str], bool]
) -> tuple[list[str], bool]:
    merged = False
    group = ""
    out = list(headers)
    for i in range(max(len(headers), len(upper))):
        label = header_text(upper[i]) if i < len(upper) else ""
        group = label or group  # a merged label sits in its range's first cell only
        below = out[i] if i < len(out) else ""
        if i >= len(out):
            out.append("")
        if not below and label:
            out[i], merged = label, True
        elif below and not known(below) and group and known(group + below):
            out[i], merged = group + below, True
    # A lone cell above is a title row; two or more labels are a row of groups.
    return out, merged or sum(1 for c in upper if c) >= 2


__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "Sheet",
    "SpreadsheetError",
    "Table",
    "check_xlsx_archive",
    "decode_text",
    "locate_header",
    "read_sheet",
    "read_table",
]
