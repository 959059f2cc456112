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
from typing import IO, Any, Literal

from hongfan.transfer.cells import CONTROL, csv_cell, neutralise

Kind = Literal["text", "digits", "money", "date", "int", "other"]
MONEY_FORMAT = "0.00"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
_SAMPLE = 200  # rows buffered to size the columns before the sheet starts streaming


def iter_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, chunk_rows: int = 500) -> Iterator[bytes]:
    """The CSV file in pieces: the BOM and header first, then ``chunk_rows`` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(h) for h in headers])
    yield codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
    iterator = iter(rows)
    while True:
        chunk = list(islice(iterator, chunk_rows))
        if not chunk:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([csv_cell(v) for v in row] for row in chunk)
        yield buffer.getvalue().encode("utf-8")


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
    from openpyxl import Workbook  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(sheet_name))
    append_rows(sheet, headers, rows, kinds)
    if target is not None:
        workbook.save(target)
        return b""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def append_rows(
    sheet: Any,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    kinds: Sequence[Kind] | None = None,
    *,
    highlight: Any = None,
) -> int:
    """Header and rows into a write-only sheet; ``highlight(row) -> fill or None``. Returns rows written."""
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    iterator = iter(rows)
    sample = [list(r) for r in islice(iterator, _SAMPLE)]
    if kinds is None:
        kinds = [_column_kind([r[i] for r in sample if i < len(r)]) for i in range(len(headers))]
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        texts = [header, *(_shown(r[index - 1]) for r in sample if index - 1 < len(r))]
        width = max(display_width(t) for t in texts) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 60)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=xlsx_value(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    formats = {"money": MONEY_FORMAT, "date": DATE_FORMAT, "digits": TEXT_FORMAT}
    written = 0
    for row in _chain(sample, iterator):
        fill = highlight(row) if highlight is not None else None
        out: list[Any] = []
        for index, value in enumerate(row):
            kind = kinds[index] if index < len(kinds) else "other"
            shown = xlsx_value(value)
            number_format = formats.get(kind)
            if (number_format is None or shown is None) and fill is None:
                out.append(shown)
                continue
            cell = WriteOnlyCell(sheet, value=shown)
            if number_format is not None:
                cell.number_format = number_format
            if fill is not None:
                cell.fill = fill
            out.append(cell)
        sheet.append(out)
        written += 1
    return written


def _chain(first: list[list[Any]], rest: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    yield from first
    yield from rest


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
    "append_rows",
    "display_width",
    "iter_csv",
    "sheet_title",
    "write_csv",
    "write_xlsx",
    "xlsx_value",
]
