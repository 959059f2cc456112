"""How much an uploaded spreadsheet may cost the server, checked before and while reading.

One :class:`Limits` serves the admin upload, background jobs and the CLI alike, built
from :class:`hongfan.settings.Settings` (environment ``HONGFAN_IMPORT_*``). The XLSX
limits follow the zip-bomb advice of the OWASP "File Upload" cheat sheet: check every
entry's declared uncompressed size and compression ratio before inflating anything
(Python's ``zipfile`` never inflates an entry past its declared size).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MB = 1024 * 1024
# Excel's own widest row (column XFD): a row with more cells than this was not made by a
# spreadsheet program, and is refused before a parser builds its cells.
ROW_CELLS = 16_384


@dataclass(frozen=True)
class Limits:
    """Bounds on one uploaded file; sizes in bytes."""

    max_bytes: int = 10 * MB  # the upload itself (HONGFAN_IMPORT_MAX_MB)
    max_rows: int = 20_000  # data rows below the header (HONGFAN_IMPORT_MAX_ROWS)
    max_columns: int = 100  # cells with a value per row (HONGFAN_IMPORT_MAX_COLUMNS)
    max_entry_bytes: int = (
        50 * MB
    )  # uncompressed size of one .xlsx part (HONGFAN_IMPORT_MAX_XLSX_PART_MB)
    max_total_bytes: int = 100 * MB  # uncompressed size of all parts together
    max_ratio: int = (
        200  # uncompressed / compressed, for parts over 1 MB (HONGFAN_IMPORT_MAX_XLSX_RATIO)
    )
    max_cells: int = 1_000_000  # cells in the sheet, rows × columns (HONGFAN_IMPORT_MAX_CELLS)
    max_entries: int = 1000  # parts in one .xlsx
    header_scan: int = 10  # rows searched for the header row

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        """The limits a :class:`~hongfan.settings.Settings` asks for (defaults where it is silent)."""
        base = cls()
        return cls(
            max_bytes=int(getattr(settings, "import_max_mb", base.max_bytes // MB) * MB),
            max_rows=int(getattr(settings, "import_max_rows", base.max_rows)),
            max_columns=int(getattr(settings, "import_max_columns", base.max_columns)),
            max_entry_bytes=int(
                getattr(settings, "import_max_xlsx_part_mb", base.max_entry_bytes // MB) * MB
            ),
            max_total_bytes=2
            * int(getattr(settings, "import_max_xlsx_part_mb", base.max_entry_bytes // MB) * MB),
            max_ratio=int(getattr(settings, "import_max_xlsx_ratio", base.max_ratio)),
            max_cells=int(getattr(settings, "import_max_cells", base.max_cells)),
        )


DEFAULT_LIMITS = Limits()
