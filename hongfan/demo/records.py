"""Demo records that go in through the spreadsheet import (``hongfan/data/demo-records.toml``).

Each array of tables is a file a user could have imported: the type's name, then rows
keyed by the import's headers. Loading them runs :func:`hongfan.transfer.commit_import`
as the demo's system account, so the demo proves those types import from spreadsheets,
and a new record type's demo data needs no loader code.
"""

from __future__ import annotations

import tomllib
from functools import cache
from typing import Any

from hongfan.db import Database
from hongfan.demo.data import DATA
from hongfan.demo.network import ACTOR
from hongfan.principal import system
from hongfan.transfer import Table, commit_import

RECORDS = DATA / "demo-records.toml"


@cache
def demo_records() -> dict[str, list[dict[str, Any]]]:
    with RECORDS.open("rb") as source:
        return tomllib.load(source)


def as_table(rows: list[dict[str, Any]]) -> Table:
    headers: list[str] = []
    for row in rows:
        headers += [h for h in row if h not in headers]
    cells = [[None if row.get(h) is None else str(row[h]) for h in headers] for row in rows]
    return Table(headers=headers, rows=cells)  # type: ignore[arg-type]


class DemoImportFailed(RuntimeError):
    """A demo sheet did not import cleanly (a bug in the demo data)."""


async def load_records(db: Database) -> dict[str, int]:
    """Import every demo sheet, in file order; the number of rows written per type."""
    written: dict[str, int] = {}
    for type_name, rows in demo_records().items():
        result = await commit_import(db, system(ACTOR), type_name, as_table(rows))
        problems = [
            f"row {outcome.row}: {error.message}"
            for outcome in result.rows
            for error in outcome.errors
        ]
        if problems:
            raise DemoImportFailed(f"{type_name}: " + "; ".join(problems[:5]))
        written[type_name] = len(rows)
    return written


__all__ = ["RECORDS", "DemoImportFailed", "as_table", "demo_records", "load_records"]
