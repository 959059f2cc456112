"""The dashboard's figures on a bench database, per role: GraphQL ``statistics`` and the admin
dashboard page, from the tallies, against the full aggregate.

    .venv/bin/python -m bench.statistics --size 1m              # PostgreSQL hongfan_bench_1m
    .venv/bin/python -m bench.statistics --size 100k --sqlite   # the SQLite 100k twin
    .venv/bin/python -m bench.statistics --size 1m --no-compare # skip the (slow) full aggregate

In-process, for each caller — a superadmin, the org admin of the bench district, an editor
of that district, the bench partner and an anonymous caller — ``--repeat`` times each:

* ``graphql``: bench scenario ``d``'s ``statistics`` query executed by the schema itself
  (:data:`bench.scenarios.QUERY_D`, no HTTP), what ``/graphql`` does for it;
* ``dashboard``: the admin dashboard's figures (``admin_ui.dashboard.statistics``: every
  figure the page shows, the template aside); anonymous callers have no dashboard;
* ``aggregate`` (unless ``--no-compare``): the same figures as ``graphql`` computed by
  aggregating the records themselves (what the server did before #16), and whether the two
  agree.

Prints the median and worst time in milliseconds. Figures only, never assertions on time.
:func:`measure` is what ``python -m bench`` reports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics as stats
import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import models  # noqa: F401  (registers every table)
from bench import app_database, app_url, tokens_path
from bench.scenarios import QUERY_D
from hongfan.db import Database
from hongfan.principal import ANONYMOUS, Principal, Role
from hongfan.statistics import Figures


def callers(facts: dict[str, Any]) -> dict[str, Principal]:
    """The roles the dashboard goal names, bound as the bench's accounts are."""
    district = facts["admin_district"]
    bound = {"organisation_id": district["id"], "organisation_path": district["path"]}
    return {
        "superadmin": Principal(kind="user", actor="bench", role=Role.SUPERADMIN),
        f"org admin {district['name']}": Principal(
            kind="user", actor="bench", role=Role.ORG_ADMIN, **bound
        ),
        f"editor {district['name']}": Principal(
            kind="user", actor="bench", role=Role.EDITOR, **bound
        ),
        "partner": Principal(
            kind="user",
            actor="bench",
            role=Role.PARTNER,
            company_id=int(facts.get("partner_company_id") or 1),
        ),
        "anonymous": ANONYMOUS,
    }


async def figures(db: Database, principal: Principal, *, tallies: bool) -> dict[str, Any]:
    """Scenario ``d``'s figures as plain values, in one read session."""
    async with db.session(principal) as session:
        f = Figures(principal, session.execute, tallies=tallies)
        return {
            "totals": await f.totals(),
            "sites_by_kind": {k: n for k, n in (await f.sites_by_kind()).items() if n},
            "sites_by_district": {
                d.id: sum(k.values()) for d, k in (await f.sites_by_district()).items()
            },
            "students_funded": await f.students_funded(),
            "by_district": await f.students_funded_by_district(),
            "internships": {k: n for k, n in (await f.internships_by_status()).items() if n},
            "communities": (
                [(c.id, c.qualified) for c in await f.communities()]
                if f.knows_instructors()
                else None
            ),
        }


class Surfaces:
    """The two ways a person gets the figures, in-process on one database."""

    def __init__(self, db: Database) -> None:
        from graph.schema import build_schema

        self.db = db
        self.schema = build_schema()

    async def graphql(self, principal: Principal) -> Any:
        from graph.context import Context

        context = Context(self.db, self.db.settings, principal)
        try:
            result = await self.schema.execute(QUERY_D, context_value=context)
        finally:
            await context.close()
        if result.errors:
            raise RuntimeError(f"statistics failed: {result.errors[0].message}")
        return result.data

    async def dashboard(self, principal: Principal) -> Any:
        from admin_ui.dashboard import statistics

        return await statistics(SimpleNamespace(db=self.db, principal=principal, lang="zh"))  # type: ignore[arg-type]


async def timed(work: Callable[[], Awaitable[Any]], repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = await work()
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


def _summary(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(stats.median(times), 1), "max_ms": round(max(times), 1)}


async def measure(
    size: str, backend: str, *, repeat: int = 7, compare: bool = False
) -> list[dict[str, Any]]:
    """Per caller: GraphQL ``statistics`` and dashboard p50/max ms (and the full aggregate's)."""
    facts = json.loads(tokens_path(size, backend).read_text())
    db = await app_database(app_url(size, backend))
    surfaces = Surfaces(db)
    rows: list[dict[str, Any]] = []
    try:
        for name, principal in callers(facts).items():
            row: dict[str, Any] = {"caller": name}
            await surfaces.graphql(principal)  # warm the pool, the schema and the caches
            times, _ = await timed(lambda p=principal: surfaces.graphql(p), repeat)  # type: ignore[misc]
            row["graphql"] = _summary(times)
            if not principal.is_anonymous:
                await surfaces.dashboard(principal)
                times, _ = await timed(lambda p=principal: surfaces.dashboard(p), repeat)  # type: ignore[misc]
                row["dashboard"] = _summary(times)
            if compare:
                fast = await figures(db, principal, tallies=True)
                times, slow = await timed(
                    lambda p=principal: figures(db, p, tallies=False),  # type: ignore[misc]
                    max(1, repeat // 3),
                )
                row["aggregate"] = _summary(times)
                row["same_figures"] = fast == slow
            rows.append(row)
    finally:
        await db.dispose()
    return rows


def _cell(row: dict[str, Any], what: str) -> str:
    found = row.get(what)
    return f"{found['p50_ms']:>9.1f} {found['max_ms']:>8.1f}" if found else f"{'—':>9} {'':>8}"


def report(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"{'caller':<18} {'graphql p50':>11} {'max':>8} {'dashboard p50':>13} {'max':>8}"
        f" {'aggregate p50':>13} {'max':>8}"
    ]
    for row in rows:
        same = {True: "", False: "  DIFFERENT FIGURES", None: ""}[row.get("same_figures")]
        lines.append(
            f"{row['caller']:<18}   {_cell(row, 'graphql')}     {_cell(row, 'dashboard')}"
            f"     {_cell(row, 'aggregate')}{same}"
        )
    return lines


async def main(size: str, backend: str, repeat: int, compare: bool) -> None:
    load = os.getloadavg()
    print(
        f"dashboard figures, {size} students on {backend}, {repeat} runs each (ms); "
        f"load {load[0]:.1f} {load[1]:.1f} on {os.cpu_count()} cores"
    )
    for line in report(await measure(size, backend, repeat=repeat, compare=compare)):
        print(line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="100k")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-compare", dest="compare", action="store_false")
    args = parser.parse_args()
    asyncio.run(
        main(args.size, "sqlite" if args.sqlite else "postgresql", args.repeat, args.compare)
    )
