"""The demo's data files: Xiamen's official divisions and the named places of the seed report.

* ``hongfan/data/xiamen-divisions-2021.csv`` — the National Bureau of Statistics' 2021
  division list for Xiamen: 1 city, 6 districts, 51 streets and towns, 552 communities
  and villages, with 12-digit codes and official (committee) names.
* ``hongfan/data/demo.toml`` — sites, courses, companies and the rest, by place.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hongfan.transfer.names import short_name

DATA = Path(__file__).resolve().parent.parent / "data"
DIVISIONS = DATA / "xiamen-divisions-2021.csv"


@dataclass(frozen=True)
class Division:
    code: str
    official_name: str
    level: str  # city / district / street / community
    parent_code: str | None

    @property
    def name(self) -> str:
        """The everyday name: 高林社区居委会 → 高林社区."""
        return short_name(self.official_name)


@cache
def divisions() -> tuple[Division, ...]:
    """The division list in file order (parents before their children)."""
    with DIVISIONS.open(encoding="utf-8", newline="") as source:
        return tuple(
            Division(row["code"], row["name"], row["level"], row["parent_code"] or None)
            for row in csv.DictReader(source)
        )


@cache
def demo_data() -> dict[str, Any]:
    with (DATA / "demo.toml").open("rb") as source:
        return tomllib.load(source)


__all__ = ["DATA", "DIVISIONS", "Division", "demo_data", "divisions"]
