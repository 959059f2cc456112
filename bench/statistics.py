"""The dashboard's figures on a bench database: from the tallies against the full aggregate.

    .venv/bin/python -m bench.statistics --size 100k            # PostgreSQL hongfan_bench_100k
    .venv/bin/python -m bench.statistics --size 100k --sqlite   # its SQLite twin

Runs every figure the dashboard shows (``hongfan.statistics.Figures``, in-process) for a
superadmin and for the org admin of the bench district, ``--repeat`` times each, first
from the tallies (what the server does) and then by aggregating the records themselves
(what it did before #16), checks the two agree, and prints the median and worst time in
milliseconds and their ratio. Figures only, never assertions on time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics as stats
import time
from typing import Any

import models  # noqa: F401  (registers every table)
from bench import app_url, tokens_path
from hongfan.db import Database
from hongfan.principal import Principal, Role
from hongfan.settings import Settings
from hongfan.statistics import Figures


async def dashboard(db: Database, principal: Principal, *, tallies: bool) -> dict[str, Any]:
    """What the dashboard asks for, in one read session."""
    async with db.session(principal) as session:
        f = Figures(principal, session.execute, tallies=tallies)
        return {
            "totals": await f.totals(),
            "sites_by_kind": {k: n for k, n in (await f.sites_by_kind()).items() if n},
            "sites_by_district": {
                d.id: sum(k.values()) for d, k in (await f.sites_by_district()).items()
            },
            "students_funded": await f.students_funded(),
            "internships": {k: n for k, n in (await f.internships_by_status()).items() if n},
            "communities": [(c.id, c.qualified) for c in await f.communities()],
        }


async def timed(
    db: Database, principal: Principal, *, tallies: bool, repeat: int
) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = await dashboard(db, principal, tallies=tallies)
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


async def main(size: str, backend: str, repeat: int) -> None:
    facts = json.loads(tokens_path(size, backend).read_text())
    db = Database(Settings.from_env({"HONGFAN_DATABASE_URL": app_url(size, backend)}))
    district = facts["admin_district"]
    callers = {
        "superadmin": Principal(kind="user", actor="bench", role=Role.SUPERADMIN),
        f"org admin {district['name']}": Principal(
            kind="user",
            actor="bench",
            role=Role.ORG_ADMIN,
            organisation_id=district["id"],
            organisation_path=district["path"],
        ),
    }
    print(f"dashboard figures, {size} students on {backend}, {repeat} runs each (ms)")
    print(
        f"{'caller':<22} {'tallies p50':>12} {'max':>8} {'aggregate p50':>14} {'max':>8} {'speed-up':>9}"
    )
    try:
        for name, principal in callers.items():
            await dashboard(db, principal, tallies=True)  # warm the pool and caches
            fast, a = await timed(db, principal, tallies=True, repeat=repeat)
            slow, b = await timed(db, principal, tallies=False, repeat=max(1, repeat // 3))
            same = "" if a == b else "  DIFFERENT FIGURES"
            p50, q50 = stats.median(fast), stats.median(slow)
            print(
                f"{name:<22} {p50:>12.1f} {max(fast):>8.1f} {q50:>14.1f} {max(slow):>8.1f} {q50 / p50:>8.0f}×{same}"
            )
    finally:
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="100k")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    asyncio.run(main(args.size, "sqlite" if args.sqlite else "postgresql", args.repeat))
