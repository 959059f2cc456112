"""Writing spreadsheets Excel opens correctly in Chinese, streamed in constant memory.

* CSV: UTF-8 *with* BOM and CRLF line ends, produced line by line (:func:`iter_csv`);
  cells go through :func:`hongfan.transfer.cells.csv_cell` (formula neutralising, long
  digit strings kept as text).
* XLSX: one sheet with a bold, frozen header row, written with openpyxl's write-only
  mode (rows go to a temporary file as they come). Cells are typed by column kind:
  text as text (the ``@`` format on columns of digits, so Excel never turns them into
  numbers), money as numbers with the ``0.00`` format, dates as date cells, whole
  numbers as numbers — so ``=SUM()`` works on an export.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any, Literal

from hongfan.transfer.cells import CONTROL, csv_cell, neutralise

Kind = Literal["text", "digits", "money", "date", "int", "other"]
MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
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
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet1"
    return cleaned[:31]


def xlsx_value(value: Any) -> Any:
    """A value ready for an XLSX cell: text neutralised and without control characters."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal | datetime | date):
        return value
    return CONTROL.sub("", neutralise(str(value)))


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
    stream = XlsxStream(headers, kinds, sheet_name)
    for row in rows:
        stream.add(row)
    if target is not None:
        stream.save(target)
        return b""
    buffer = io.BytesIO()
    stream.save(buffer)
    return buffer.getvalue()


class XlsxStream:
    """A write-only sheet fed row by row: the first rows size the columns, the rest stream.

    ``kinds`` types the columns (see the module docstring); when None it is guessed from
    the first rows. ``highlight(row)`` may return a fill for a whole row.
    """

    def __init__(
        self,
        headers: Sequence[str],
        kinds: Sequence[Kind] | None = None,
        sheet_name: str = "Sheet1",
        *,
        highlight: Any = None,
    ) -> None:
        from openpyxl import Workbook  # type: ignore[import-untyped]

        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(title=sheet_title(sheet_name))
        self.headers = list(headers)
        self.kinds = list(kinds) if kinds is not None else None
        self.highlight = highlight
        self.pending: list[Sequence[Any]] | None = []
        self.written = 0

    def add(self, row: Sequence[Any]) -> None:
        if self.pending is not None:
            self.pending.append(row)
            if len(self.pending) >= _SAMPLE:
                self._start()
            return
        self._append(row)

    def save(self, target: IO[bytes] | str | Path) -> None:
        if self.pending is not None:
            self._start()
        self.workbook.save(target)

    def _start(self) -> None:
        from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
        from openpyxl.styles import Font  # type: ignore[import-untyped]
        from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

        sample, self.pending = self.pending or [], None
        if self.kinds is None:
            self.kinds = [
                _column_kind([r[i] for r in sample if i < len(r)]) for i in range(len(self.headers))
            ]
        self.sheet.freeze_panes = "A2"
        for index, header in enumerate(self.headers, start=1):
            texts = [header, *(_shown(r[index - 1]) for r in sample if index - 1 < len(r))]
            width = max(display_width(t) for t in texts) + 2
            self.sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 60)
        bold = Font(bold=True)
        cells = []
        for header in self.headers:
            cell = WriteOnlyCell(self.sheet, value=xlsx_value(header))
            cell.font = bold
            cells.append(cell)
        self.sheet.append(cells)
        for row in sample:
            self._append(row)

    def _append(self, row: Sequence[Any]) -> None:
        from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]

        kinds = self.kinds or []
        fill = self.highlight(row) if self.highlight is not None else None
        out: list[Any] = []
        for index, value in enumerate(row):
            shown = xlsx_value(value)
            number_format = _FORMATS.get(kinds[index] if index < len(kinds) else "other")
            if (number_format is None or shown is None) and fill is None:
                out.append(shown)
                continue
            cell = WriteOnlyCell(self.sheet, value=shown)
            if number_format is not None:
                cell.number_format = number_format
            if fill is not None:
                cell.fill = fill
            out.append(cell)
        self.sheet.append(out)
        self.written += 1


_FORMATS: dict[str, str] = {"money": MONEY_FORMAT, "date": DATE_FORMAT, "digits": TEXT_FORMAT}


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
