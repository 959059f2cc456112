"""What an import does or would do, row by row, and the error file a user fixes and re-uploads."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

Action = Literal["create", "update", "unchanged"]


@dataclass(frozen=True)
class RowError:
    column: str  # the header as written in the file (a label when the column is missing; "" for the row)
    code: str
    message: str  # in the importer's language


@dataclass(frozen=True)
class Change:
    """One field an update changes, as the importer may see it (masked values stay masked)."""

    column: str
    before: str
    after: str


@dataclass
class RowOutcome:
    row: int  # the spreadsheet row number
    action: Action  # what the row does (or would do, had no row failed)
    errors: list[RowError] = field(default_factory=list)
    record_id: int | None = None  # after a committed import; in a preview only for existing records
    warnings: list[RowError] = field(default_factory=list)  # worth a look; never blocks the import
    changes: list[Change] = field(default_factory=list)  # for updates, field by field

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    type_name: str
    rows: list[RowOutcome]
    ignored_headers: list[str] = field(
        default_factory=list
    )  # headers matching no importable column
    header_row: int = 1  # the spreadsheet row read as the header
    group_row: int | None = None  # a row of group labels merged into the header

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.action == "create")

    @property
    def updated(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.action == "update")

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.action == "unchanged")

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if not r.ok)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def errors(self) -> list[tuple[int, RowError]]:
        return [(r.row, e) for r in self.rows for e in r.errors]

    @property
    def warnings(self) -> list[tuple[int, RowError]]:
        return [(r.row, e) for r in self.rows for e in r.warnings]

    @property
    def changed_rows(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.ok and r.action == "update" and r.changes]

    def summary(self, limit: int = 500) -> dict[str, Any]:
        """A JSON-ready digest: counts, and the first ``limit`` errors, warnings and changes."""
        return {
            "type_name": self.type_name,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "ignored_headers": self.ignored_headers,
            "header_row": self.header_row,
            "group_row": self.group_row,
            "committed": bool(getattr(self, "committed", False)),
            "errors": [[row, asdict(e)] for row, e in self.errors[:limit]],
            "warnings": [[row, asdict(e)] for row, e in self.warnings[:limit]],
            "changes": [[r.row, [asdict(c) for c in r.changes]] for r in self.changed_rows[:limit]],
        }


@dataclass
class ImportResult(ImportPreview):
    committed: bool = False  # True when every row was written; False means nothing was


def write_error_file(
    target: IO[bytes] | str | Path,
    headers: list[str],
    rows: list[list[str | None]],
    row_numbers: list[int],
    outcomes: list[RowOutcome],
    lang: str = "zh",
) -> None:
    """The uploaded rows with an error column after them; rows with errors highlighted.

    The error column is recognised and ignored on re-upload, so the user fixes the
    cells in place and uploads the same file again.
    """
    from hongfan.transfer.columns import ERROR_COLUMN
    from hongfan.transfer.writing import XlsxStream

    by_row = {o.row: o for o in outcomes}
    label = ERROR_COLUMN[1] if lang == "en" else ERROR_COLUMN[0]
    separator = "; " if lang == "en" else "；"
    fill = "FFF2CC"  # a light yellow: the rows to fix

    def lines() -> Any:
        for number, cells in zip(row_numbers, rows, strict=True):
            outcome = by_row.get(number)
            problems = [
                f"{e.column}：{e.message}" if e.column else e.message
                for e in (outcome.errors if outcome else [])
            ]
            yield [*cells, separator.join(problems) or None]

    kinds: list[Any] = ["digits"] * len(headers) + ["other"]
    title = "导入结果" if lang != "en" else "Import result"
    with XlsxStream(
        target, [*headers, label], kinds, title, highlight=lambda row: fill if row[-1] else None
    ) as stream:
        for row in lines():
            stream.add(row)


__all__ = [
    "Action",
    "Change",
    "ImportPreview",
    "ImportResult",
    "RowError",
    "RowOutcome",
    "write_error_file",
]
