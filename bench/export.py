"""A district's students exported as the admin UI's background job writes them: rows per second.

    .venv/bin/python -m bench.generate --size 1m               # once: the bench database
    .venv/bin/python -m bench.export --size 1m                 # CSV, org admin and superadmin
    .venv/bin/python -m bench.export --size 100k --format xlsx --profile

In-process on a generated bench database (``bench/generate.py``): the org admin of the
bench district (湖里区: ID numbers and phones masked, as that role sees them) and a
superadmin (everything in clear, the district chosen by a filter) export every student of
the district with :func:`hongfan.transfer.exporting.write_export` — the very function the
export job runs — into a temporary file; then the superadmin exports every student (at 100k
a 100,000-row file, at 1M a million). Prints the rows, seconds (wall and CPU), rows per second, the
file's size and how much the process's peak memory grew (VmHWM: constant in the row count
when the export streams; tracemalloc is not used, it slows the export down several times). ``--profile`` writes a cProfile of the first export to
``bench/results/profile-export-<size>.txt``. Figures only, never assertions on time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import models  # noqa: F401  (registers every table)
from bench import RESULTS_DIR, app_database, app_url, tokens_path
from bench.callers import district_admin, students_in_district, superadmin
from hongfan.db import Database
from hongfan.principal import Principal
from hongfan.transfer.exporting import Format, write_export


def peak_rss_mb(reset: bool = False) -> float:
    """This process's peak resident memory (VmHWM); ``reset`` first sets it to the current RSS."""
    if reset:
        with contextlib.suppress(OSError):
            Path("/proc/self/clear_refs").write_text("5")
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def export_once(
    db: Database,
    principal: Principal,
    fmt: Format,
    where: sa.ColumnElement[bool] | None,
    type_name: str = "ScholarshipStudent",
) -> dict[str, Any]:
    """One export into a temporary file: rows, wall and CPU seconds, file size, memory growth.

    Memory is the process's peak RSS above what it held before (not tracemalloc, which
    slows every allocation down several times and would be the figure measured).
    """
    rows = 0

    async def progress(done: int) -> None:
        nonlocal rows
        rows = done

    before = peak_rss_mb(reset=True)
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}") as target:
        await write_export(db, principal, type_name, fmt, target, where=where, progress=progress)
        target.flush()
        size = os.path.getsize(target.name)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "rows": rows,
        "seconds": seconds,
        "cpu_s": cpu,
        "rows_per_s": rows / seconds if seconds else 0.0,
        "file_mb": size / 1e6,
        "rss_growth_mb": max(0.0, peak_rss_mb() - before),
    }


def line(name: str, result: dict[str, Any]) -> str:
    return (
        f"{name:<34} {result['rows']:>8,} {result['seconds']:>7.1f} {result['cpu_s']:>6.1f} "
        f"{result['rows_per_s']:>8,.0f} {result['file_mb']:>6.1f} {result['rss_growth_mb']:>7.1f}"
    )


HEADER = f"{'caller':<34} {'rows':>8} {'s':>7} {'cpu s':>6} {'rows/s':>8} {'MB':>6} {'+RSS MB':>7}"


async def main(size: str, backend: str, fmt: Format, profile: bool) -> None:
    facts = json.loads(tokens_path(size, backend).read_text())
    db = await app_database(app_url(size, backend))
    district = facts["admin_district"]
    callers: dict[str, tuple[Principal, sa.ColumnElement[bool] | None]] = {
        f"org admin {district['name']} (masked)": (district_admin(facts), None),
        f"superadmin, filter {district['name']} (clear)": (
            superadmin(),
            students_in_district(facts),
        ),
        "superadmin, every student (clear)": (superadmin(), None),
    }
    load = os.getloadavg()
    print(
        f"export of a district's students as {fmt}, {size} on {backend}; "
        f"load {load[0]:.1f} {load[1]:.1f} on {os.cpu_count()} cores"
    )
    print(HEADER)
    try:
        for n, (name, (principal, where)) in enumerate(callers.items()):
            profiler = cProfile.Profile() if profile and n == 0 else None
            if profiler is not None:
                profiler.enable()
            result = await export_once(db, principal, fmt, where)
            if profiler is not None:
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
                path = RESULTS_DIR / f"profile-export-{size}-{backend}-{fmt}.txt"
                path.write_text(out.getvalue())
                name += " [profiled]"
            print(line(name, result))
    finally:
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="100k")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    asyncio.run(
        main(args.size, "sqlite" if args.sqlite else "postgresql", args.format, args.profile)
    )
