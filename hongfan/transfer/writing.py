"""Writing spreadsheets Excel opens correctly in Chinese, streamed in constant memory.

* CSV: UTF-8 *with* BOM and CRLF line ends, produced line by line (:func:`iter_csv`);
  cells go through :func:`hongfan.transfer.cells.csv_cell` (formula neutralising, long
  digit strings kept as text).
* XLSX: one sheet with a bold, frozen header row, written with XlsxWriter in its
  constant-memory mode (each row goes to a temporary file of XML as it comes; openpyxl's
  write-only mode, building a Python object per cell, took 2.5 times the CPU: ~40 s for
  a district's 167,000 students, ``bench/xlsx_write.py``). Cells are typed by column kind: text as text, always
  (``write_string``: never a formula, a link or a number, so ``=cmd`` stays text and an ID
  number keeps its digits; the ``@`` format on columns of digits, so Excel keeps them text
  when edited), money as numbers with the ``0.00`` format, dates as date cells, whole
  numbers as numbers — so ``=SUM()`` works on an export. Reading XLSX stays on openpyxl
  (:mod:`hongfan.transfer.sheets`).
* A text starting like a formula (``= + - @``) is stored in XLSX exactly as it is, with no
  apostrophe in it: a string cell is never evaluated, and the cell's ``quote_prefix``
  (Excel's own mark for "typed with a leading apostrophe") keeps Excel from making it a
  formula when the cell is edited, so the import reads back exactly what was stored.
  CSV, which has no cell types, keeps the apostrophe (:func:`~hongfan.transfer.cells.csv_cell`).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any, Literal

from hongfan.transfer.cells import CONTROL, FORMULA_TRIGGERS, csv_cell

Kind = Literal["text", "digits", "money", "date", "int", "other"]
MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"
TEXT_FORMAT = "@"
_SAMPLE = 200  # rows buffered to size the columns before the sheet starts streaming


def csv_lines(rows: Iterable[Sequence[Any]], *, header: bool = False) -> bytes:
    """CSV lines (CRLF), UTF-8; with the BOM when ``header`` (the file's first line)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([csv_cell(v) for v in row] for row in rows)
    data = buffer.getvalue().encode("utf-8")
    return codecs.BOM_UTF8 + data if header else data


def iter_csv(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, chunk_rows: int = 500
) -> Iterator[bytes]:
    """The CSV file in pieces: the BOM and header first, then ``chunk_rows`` rows at a time."""
    yield csv_lines([headers], header=True)
    iterator = iter(rows)
    while chunk := list(islice(iterator, chunk_rows)):
        yield csv_lines(chunk)


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The whole CSV file (small files; stream large ones with :func:`iter_csv`)."""
    return b"".join(iter_csv(headers, rows))


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_title(title: str) -> str:
    """A name Excel accepts for a sheet: none of ``[]:*?/\\``, no apostrophe at either end,
    at most 31 characters, not Excel's reserved "History"; "Sheet1" when nothing is left."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip().strip("'").strip()[:31].rstrip("'")
    if cleaned.lower() == "history":
        cleaned += " 1"
    return cleaned or "Sheet1"


def xlsx_value(value: Any) -> Any:
    """A value ready for an XLSX string cell: text as it is, without control characters.

    No apostrophe before a formula-like text: the cell is written as a string (never a
    formula) and marked ``quote_prefix`` by :class:`XlsxStream`.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal | datetime | date):
        return value
    return CONTROL.sub("", str(value))


def guess_kind(value: Any) -> Kind:
    if isinstance(value, Decimal):
        return "money"
    if isinstance(value, date):
        return "date"
    if isinstance(value, int) and not isinstance(value, bool):
        return "int"
    return "other"


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    sheet_name: str = "Sheet1",
    *,
    kinds: Sequence[Kind] | None = None,
    target: IO[bytes] | str | None = None,
) -> bytes:
    """One typed sheet; written to ``target`` (returns b"") or returned as bytes."""
    buffer = io.BytesIO()
    with XlsxStream(buffer if target is None else target, headers, kinds, sheet_name) as stream:
        for row in rows:
            stream.add(row)
    return buffer.getvalue()


Highlight = Callable[[Sequence[Any]], "str | None"]


class XlsxStream:
    """A sheet written row by row into ``target`` in constant memory (XlsxWriter).

    The first rows are held back to size the columns (and to guess ``kinds`` when None,
    see the module docstring); every later row goes straight to a temporary file of
    XML that :meth:`close` zips into ``target`` (a path or a seekable binary file).
    ``highlight(row)`` may return a colour ("FFF2CC", RGB hex) to fill the whole row with.

    Use it as a context manager: leaving the block normally closes (writes) the file; an
    exception leaves ``target`` unwritten and removes the temporary files all the same.
    """

    def __init__(
        self,
        target: IO[bytes] | str | Path,
        headers: Sequence[str],
        kinds: Sequence[Kind] | None = None,
        sheet_name: str = "Sheet1",
        *,
        highlight: Highlight | None = None,
    ) -> None:
        import xlsxwriter  # type: ignore[import-untyped]

        # The row data waits in a directory of our own, so a failed export leaves nothing.
        self._scratch = tempfile.TemporaryDirectory(prefix="hongfan-xlsx-")
        self.workbook = xlsxwriter.Workbook(
            str(target) if isinstance(target, Path) else target,
            {
                "constant_memory": True,
                "tmpdir": self._scratch.name,
                # Text stays text: never a formula, a link or a number (formula injection,
                # ID numbers losing digits); write_string is used for text anyway.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.sheet = self.workbook.add_worksheet(sheet_title(sheet_name))
        self.headers = list(headers)
        self.kinds = list(kinds) if kinds is not None else None
        self.highlight = highlight
        self.pending: list[Sequence[Any]] | None = []
        self.written = 0
        self._formats: dict[tuple[str | None, str | None, bool, bool], Any] = {}
        self._columns: dict[str | None, list[Any]] = {}

    def __enter__(self) -> XlsxStream:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.close()
            return
        # XlsxWriter has no "abandon": close the sheet's open row file (what its own close()
        # does after zipping) so nothing is written to the target and no handle leaks.
        for sheet in self.workbook.worksheets():
            sheet._opt_close()
        self._scratch.cleanup()

    def add(self, row: Sequence[Any]) -> None:
        if self.pending is not None:
            self.pending.append(row)
            if len(self.pending) >= _SAMPLE:
                self._start()
            return
        self._append(row)

    def close(self) -> None:
        """Write the file into ``target``; the temporary files go."""
        try:
            if self.pending is not None:
                self._start()
            self.workbook.close()
        finally:
            self._scratch.cleanup()

    def _format(
        self, number_format: str | None, fill: str | None, bold: bool = False, quote: bool = False
    ) -> Any:
        """The workbook's one format for this combination (None: the default format).

        ``quote``: Excel's quote prefix, for a text that starts like a formula — shown and
        kept as text when edited, without an apostrophe in the stored value.
        """
        key = (number_format, fill, bold, quote)
        if key not in self._formats:
            properties: dict[str, Any] = {}
            if number_format is not None:
                properties["num_format"] = number_format
            if fill is not None:
                properties.update(pattern=1, bg_color="#" + fill)
            if bold:
                properties["bold"] = True
            if quote:
                properties["quote_prefix"] = True
            self._formats[key] = self.workbook.add_format(properties) if properties else None
        return self._formats[key]

    def _column_formats(self, fill: str | None) -> list[Any]:
        """Each column's cell format: its kind's number format, with the row's fill."""
        if fill not in self._columns:
            kinds = self.kinds or []
            self._columns[fill] = [
                self._format(_FORMATS.get(kinds[i] if i < len(kinds) else "other"), fill)
                for i in range(max(len(self.headers), len(kinds)))
            ]
        return self._columns[fill]

    def _start(self) -> None:
        sample, self.pending = self.pending or [], None
        if self.kinds is None:
            self.kinds = [
                _column_kind([r[i] for r in sample if i < len(r)]) for i in range(len(self.headers))
            ]
        self.sheet.freeze_panes(1, 0)
        for index, header in enumerate(self.headers):
            texts = [header, *(_shown(r[index]) for r in sample if index < len(r))]
            width = max(display_width(t) for t in texts) + 2
            self.sheet.set_column(index, index, min(max(width, 8), 60))
            text = xlsx_value(header) or ""
            style = self._format(None, None, bold=True, quote=_formula_like(text))
            self.sheet.write_string(0, index, text, style)
        self.written = 0
        for row in sample:
            self._append(row)

    def _append(self, row: Sequence[Any]) -> None:
        fill = self.highlight(row) if self.highlight is not None else None
        formats = self._column_formats(fill)
        sheet, number = self.sheet, self.written + 1
        for index, value in enumerate(row):
            style = formats[index] if index < len(formats) else self._format(None, fill)
            if value is None:
                if fill is not None:
                    sheet.write_blank(number, index, None, style)
            elif type(value) is str:  # most cells: one check, then straight to the sheet
                if value[:1] in _TRIGGERS:
                    style = self._quoted(index, fill)
                sheet.write_string(number, index, _clean(value), style)
            elif isinstance(value, bool):
                sheet.write_string(number, index, "是" if value else "否", style)
            elif isinstance(value, int | float | Decimal):
                sheet.write_number(number, index, float(value), style)
            elif isinstance(value, date):
                if style is self._format(None, fill):  # a column of no number format
                    style = self._format(_date_format(value), fill)
                sheet.write_datetime(number, index, value, style)
            else:
                text = str(value)
                if text[:1] in _TRIGGERS:
                    style = self._quoted(index, fill)
                sheet.write_string(number, index, _clean(text), style)
        self.written = number

    def _quoted(self, index: int, fill: str | None) -> Any:
        """Column ``index``'s format with the quote prefix (a formula-like text)."""
        kinds = self.kinds or []
        kind = kinds[index] if index < len(kinds) else "other"
        return self._format(_FORMATS.get(kind), fill, quote=True)


_FORMATS: dict[str, str] = {"money": MONEY_FORMAT, "date": DATE_FORMAT, "digits": TEXT_FORMAT}


_TRIGGERS = frozenset(FORMULA_TRIGGERS)


def _clean(text: str) -> str:
    """Text for a cell, as stored, control characters removed (a formula-like text keeps
    its first character: the cell is a string with the quote prefix, see
    :meth:`XlsxStream._quoted`). Called for every text cell, so the common case is one check."""
    return text if text.isprintable() else CONTROL.sub("", text)


def _formula_like(text: str) -> bool:
    return text[:1] in _TRIGGERS


def _date_format(value: date) -> str:
    """A date or a date and time, shown as such in a column of no date kind."""
    return DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT


def _column_kind(values: list[Any]) -> Kind:
    kinds = {guess_kind(v) for v in values if v is not None}
    return kinds.pop() if len(kinds) == 1 else "other"


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


__all__ = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "MONEY_FORMAT",
    "TEXT_FORMAT",
    "XlsxStream",
    "csv_lines",
    "display_width",
    "iter_csv",
    "sheet_title",
    "write_csv",
    "write_xlsx",
    "xlsx_value",
]
