"""Spreadsheets in and out: the records association staff keep in Excel.

* :mod:`~hongfan.transfer.sheets` reads CSV/XLSX within :mod:`~hongfan.transfer.limits`
  and finds the header row; :mod:`~hongfan.transfer.writing` writes Excel-safe files.
* :mod:`~hongfan.transfer.importing` checks a file in batches
  (:mod:`~hongfan.transfer.checking`) and writes it all or nothing
  (:mod:`~hongfan.transfer.bulk`).
* :mod:`~hongfan.transfer.exporting` streams every visible row, audited once.
* :mod:`~hongfan.transfer.jobs` runs imports and large exports in the background.
* :mod:`~hongfan.transfer.templates` builds the XLSX templates people fill in.
* :mod:`~hongfan.transfer.cli` is ``hongfan import`` / ``hongfan export``.
"""

from hongfan.transfer.columns import (
    NATURAL_KEYS,
    UnknownType,
    column_label,
    importable_columns,
    resolve_type,
    template_headers,
)
from hongfan.transfer.importing import commit_import, preview_import
from hongfan.transfer.limits import Limits
from hongfan.transfer.report import ImportPreview, ImportResult, RowError, RowOutcome
from hongfan.transfer.sheets import Sheet, SpreadsheetError, Table, read_sheet, read_table

__all__ = [
    "NATURAL_KEYS",
    "ImportPreview",
    "ImportResult",
    "Limits",
    "RowError",
    "RowOutcome",
    "Sheet",
    "SpreadsheetError",
    "Table",
    "UnknownType",
    "column_label",
    "commit_import",
    "importable_columns",
    "preview_import",
    "read_sheet",
    "read_table",
    "resolve_type",
    "template_headers",
]
