"""The admin list's search on a bench database: the page and its bounded count, in ms.

    .venv/bin/python -m bench.admin_search                 # PostgreSQL hongfan_bench_100k
    .venv/bin/python -m bench.admin_search --sqlite        # its SQLite twin

For a superadmin and the bench district's org admin, a one-character search (华) and a
full-name search, sorted by id and by name: the first page (51 rows) plus the count up to
10,000 the list shows, with the search condition as ``admin_ui.search.text_match`` builds
it ("now": a frequent term by a plain LIKE, models.search.frequent_term, #16.5), with every
term by the grams index ("grams": before #16.5) and as it was before #16.2 ("before": that
OR-ed with LIKEs on university and major, which no index serves). Median of three runs
each; a run past the server's statement timeout is reported as such. Figures only, never
assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

import sqlalchemy as sa

import models  # noqa: F401  (registers every table)
from admin_ui.search import text_match
from bench import app_database, app_url, tokens_path
from bench.callers import admin_callers
from hongfan import reads
from hongfan.db import Database
from hongfan.principal import Principal
from models import ScholarshipStudent as S
from models import pinyin, search
from models.search import text_contains


async def page_and_count(
    db: Database, principal: Principal, where: Any, sort: list[Any]
) -> tuple[float, int]:
    async with db.session(principal) as session:
        started = time.perf_counter()
        await session.execute(sa.select(S).where(where).order_by(*sort).limit(51))
        total, _exact = await reads.count_up_to(session.execute, S, where, reads.EXACT_COUNT_LIMIT)
        return (time.perf_counter() - started) * 1000, total


async def main(size: str, backend: str) -> None:
    facts = json.loads(tokens_path(size, backend).read_text())
    callers = admin_callers(facts)
    db = await app_database(app_url(size, backend))
    try:
        async with db.session(callers["superadmin"]) as session:
            names = S.__table__.c.name  # type: ignore[attr-defined]
            total = (await session.execute(sa.select(sa.func.count()).select_from(S))).scalar_one()
            # a row well inside the table at every size (the 4,242nd at 100k and 1M; 1k has fewer)
            full_name = (
                await session.execute(
                    sa.select(names).order_by(S.__table__.c.id).offset(4241 % total).limit(1)  # type: ignore[attr-defined]
                )
            ).scalar_one()
        print(
            f"admin list search, {size} students on {backend}: first page + count (ms, median of 3)"
        )
        for term, what in (
            (facts.get("search_term", "华"), "one character"),
            (full_name, "a full name"),
        ):
            for name, principal in callers.items():
                search.forget_gram_shares()  # every term by the grams index, as before #16.5
                grams = text_match(principal, S, term).where
                await db.refresh_search_statistics()  # a frequent term by a plain LIKE
                now = text_match(principal, S, term).where
                assert now is not None and grams is not None
                before = sa.or_(
                    grams, text_contains(S.university, term), text_contains(S.major, term)
                )
                by_name = [S.__table__.c[pinyin.sort_column(S, "name")], S.id]  # type: ignore[attr-defined]
                for sort_name, sort in (("by id", [S.id]), ("by name", by_name)):
                    cells = []
                    for label, where in (("before", before), ("grams", grams), ("now", now)):
                        try:
                            runs = [
                                await page_and_count(db, principal, where, sort) for _ in range(3)
                            ]
                            ms = statistics.median(r[0] for r in runs)
                            cells.append(f"{label} {ms:8.1f} ({runs[0][1]:,} counted)")
                        except sa.exc.DBAPIError:
                            cells.append(f"{label} past the statement timeout")
                    print(f"  {name:<16} {what:<14} {sort_name:<8} " + " | ".join(cells))
    finally:
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="100k")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.size, "sqlite" if args.sqlite else "postgresql"))
