"""What ``python -m bench`` measures in-process after the HTTP scenarios of a size (#16.9).

The pages a person opens that are not one GraphQL request under load: the dashboard per
role (GraphQL ``statistics`` and the admin dashboard, :mod:`bench.statistics`), the admin
list pages (:mod:`bench.admin_pages`, when present), a district's export (CSV: rows per
second and seconds for the district, :mod:`bench.export`) and an import through the admin
UI (rows per second, :mod:`bench.transfer`, into a scratch database of its own). Each runs
with no server of the bench running, one after another; each failure is reported in
place of its figures, never the end of the run.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import os
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import models  # noqa: F401  (registers every table)
from bench import app_database, app_url, tokens_path
from bench import statistics as dashboard

PARTS = ("dashboard", "admin_pages", "export", "import")


async def _guarded(work: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return await work()
    except Exception as error:  # noqa: BLE001 — one figure failing never ends the bench
        return {"error": f"{type(error).__name__}: {error}"[:500], "trace": traceback.format_exc()}


async def export_district(size: str, backend: str) -> dict[str, Any]:
    """The bench district's students as CSV: as its org admin and as a superadmin."""
    from bench.callers import district_admin, students_in_district, superadmin
    from bench.export import export_once

    facts = json.loads(tokens_path(size, backend).read_text())
    db = await app_database(app_url(size, backend))
    try:
        return {
            "district": facts["admin_district"]["name"],
            "org_admin_csv": await export_once(db, district_admin(facts), "csv", None),
            "superadmin_csv": await export_once(
                db, superadmin(), "csv", students_in_district(facts)
            ),
        }
    finally:
        await db.dispose()


async def import_rows(backend: str, rows: int) -> dict[str, Any]:
    """A ``rows``-line student CSV through the admin UI's import (check + commit)."""
    from bench import transfer

    name = f"hongfan_bench_transfer_{os.getpid()}"
    db = await transfer.database(backend == "postgresql", name=name)
    try:
        await transfer.world(db)
        result = await transfer.bench_import(db, rows)
    finally:
        await db.dispose()
        if backend == "postgresql":
            await transfer.drop_database(name)
            # the scratch database's development keyring (hongfan.keys), gone with it
            Path.cwd().joinpath(f"hongfan-{name}.keys.json").unlink(missing_ok=True)
    seconds = result["upload_s"] + result["check_s"] + result["commit_s"]
    return {**result, "seconds": seconds, "rows_per_s": rows / seconds if seconds else 0.0}


async def admin_pages(size: str, backend: str) -> Any:
    """``bench.admin_pages.measure`` (the admin list pages), on a thread of its own."""
    if importlib.util.find_spec("bench.admin_pages") is None:
        return {"error": "bench/admin_pages.py is not on this commit yet"}
    module = importlib.import_module("bench.admin_pages")
    return await asyncio.to_thread(module.measure, size, backend)


async def measure(
    size: str, backend: str, *, parts: tuple[str, ...] = PARTS, import_row_count: int = 5000
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "dashboard" in parts:
        out["dashboard"] = await _guarded(lambda: dashboard.measure(size, backend, repeat=5))
    if "admin_pages" in parts:
        out["admin_pages"] = await _guarded(lambda: admin_pages(size, backend))
    if "export" in parts:
        out["export"] = await _guarded(lambda: export_district(size, backend))
    if "import" in parts:
        out["import"] = await _guarded(lambda: import_rows(backend, import_row_count))
    return out


def _error(found: Any) -> str | None:
    return found.get("error") if isinstance(found, dict) else None


def table(size: str, backend: str, found: dict[str, Any]) -> str:
    """The figures as the report prints them under the size's scenario table."""
    lines = [f"── {size} on {backend}: pages measured in-process ──"]
    if "dashboard" in found:
        lines.append("dashboard (ms): GraphQL statistics (scenario d's query) and the admin page")
        error = _error(found["dashboard"])
        lines += [f"  n/a: {error}"] if error else dashboard.report(found["dashboard"])
    if "admin_pages" in found:
        pages = found["admin_pages"]
        lines.append("admin list pages (bench.admin_pages)")
        error = _error(pages)
        if error:
            lines.append(f"  n/a: {error}")
        else:
            lines.append(
                f"  {'list':<22} {'caller':<16} {'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'rows':>6}"
            )
            for row in pages:
                lines.append(
                    f"  {_short(row.get('list')):<22} {_short(row.get('caller')):<16} "
                    f"{_short(row.get('page')):<28} {_short(row.get('p50_ms')):>8} "
                    f"{_short(row.get('p95_ms')):>8} {_short(row.get('rows_shown')):>6}"
                    + (f"  {row['error']}" if row.get("error") else "")
                )
    if "export" in found:
        export = found["export"]
        error = _error(export)
        if error:
            lines.append(f"export: n/a: {error}")
        else:
            for who in ("org_admin_csv", "superadmin_csv"):
                r = export[who]
                lines.append(
                    f"export {export['district']} CSV as {who.split('_csv')[0].replace('_', ' ')}: "
                    f"{r['rows']:,} rows in {r['seconds']:.1f} s ({r['rows_per_s']:,.0f} rows/s, "
                    f"CPU {r['cpu_s']:.1f} s, {r['file_mb']:.1f} MB, +{r['rss_growth_mb']:.1f} MB RSS)"
                )
    if "import" in found:
        imported = found["import"]
        error = _error(imported)
        if error:
            lines.append(f"import: n/a: {error}")
        else:
            lines.append(
                f"import {imported['rows']:,} students (CSV, admin UI, check + commit): "
                f"{imported['seconds']:.1f} s, {imported['rows_per_s']:,.0f} rows/s "
                f"(check {imported['check_s']:.1f} s, commit {imported['commit_s']:.1f} s; "
                f"slowest request meanwhile {imported['slowest_request_s'] * 1000:.0f} ms)"
            )
    return "\n".join(lines)


def _short(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


__all__ = ["PARTS", "export_district", "import_rows", "measure", "table"]
