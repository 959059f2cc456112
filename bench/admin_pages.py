"""Every admin list page a person opens, on a bench database: p50/p95 per page, in ms.

    .venv/bin/python -m bench.admin_pages --size 1m                  # PostgreSQL hongfan_bench_1m
    .venv/bin/python -m bench.admin_pages --size 100k --sqlite       # its SQLite twin
    .venv/bin/python -m bench.admin_pages --size 1m --explain        # + EXPLAIN ANALYZE of slow ones
    .venv/bin/python -m bench.admin_pages --lists grants --only sort # a subset
    .venv/bin/python -m bench.admin_pages --database hongfan_bench_1m_NAME   # a private copy

In-process: the list page itself (``admin_ui.lists.list_page``: the page's rows, the bounded
count it shows, the references it resolves, the rendered HTML) for a superadmin and the
bench district's org admin, on the student, grant and internship lists. Pages: the first,
the next, one near the end (keyset "next" from the 60th row before the end; the UI has no
"last page"), a search by a full name, by one character, a search sorted, and every column
the list can be sorted by in both directions, first page and near the end. Each page
``--repeat`` times; a page over ``--slow`` ms p95 is printed with the statements it ran
(and their plans with ``--explain``). Figures only, never assertions; ``measure()`` gives
the rows to the main bench report.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import dataclasses
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from starlette.requests import Request

import models  # noqa: F401  (registers every table)
from admin_ui.columns import PAGE_SIZE
from admin_ui.listquery import build_list_query
from admin_ui.lists import available_columns, list_page
from admin_ui.registry import BY_SLUG, AdminView
from admin_ui.search import text_match
from admin_ui.web import Page
from bench import app_database, app_url, tokens_path
from bench.callers import admin_callers
from hongfan import access, reads
from hongfan.auth import AuthInfo
from hongfan.db import Database
from hongfan.pagination import encode_row_cursor
from hongfan.principal import Principal
from models import ScholarshipStudent
from models.base import column_meta

LISTS = ("scholarship-students", "grants", "internships")
SLOW_MS = 300.0


@dataclass
class Case:
    slug: str
    caller: str
    what: str
    params: dict[str, str]
    post: bool = False
    timings: list[float] = field(default_factory=list)
    statements: list[tuple[float, str, Any]] = field(default_factory=list)
    error: str = ""
    shown: int = 0


callers = admin_callers


def fake_page(db: Database, principal: Principal, view: AdminView, case: Case | None) -> Page:
    """A Page as the admin's route builds it, for ``case``'s query string or POSTed form."""
    params = case.params if case else {}
    body = urlencode(params).encode() if case and case.post else b""
    scope = {
        "type": "http",
        "method": "POST" if case and case.post else "GET",
        "path": f"/admin/{view.slug}",
        "query_string": b"" if case and case.post else urlencode(params).encode(),
        "headers": [(b"content-type", b"application/x-www-form-urlencoded")],
        "path_params": {"slug": view.slug},
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    auth = AuthInfo(principal=principal, method="session", csrf_token="bench")
    settings = dataclasses.replace(db.settings, secret_key=secret(db))
    return Page(Request(scope, receive), db, settings, auth, "zh")


def secret(db: Database) -> str:
    """The key the list signs its page positions with (the bench's own when ``db``'s
    settings have none): :func:`cursor` must sign as the list does."""
    return db.settings.secret_key or "bench"


def sortable(db: Database, principal: Principal, view: AdminView) -> list[str]:
    """Every column the caller can sort this list by (the column chooser can show any)."""
    page = fake_page(db, principal, view, None)
    return [c for c in available_columns(page, view.model) if column_meta(view.model, c).orderable]


async def cursor(
    db: Database, principal: Principal, view: AdminView, params: dict[str, str], *, near_end: bool
) -> str | None:
    """The cursor the list's "next" link carries after its first page, or 60 rows before the end."""
    page = fake_page(db, principal, view, Case(view.slug, "", "", params))
    query = build_list_query(page, view, params)
    span = access.organisation_span(principal, view.model)
    if span is not None:  # the district's range, both ends: the backward read starts at its end
        query.where.append(view.model.organisation_id.between(*span))  # type: ignore[attr-defined]
    where = sa.and_(*query.where) if query.where else None
    async with db.session(principal) as session:
        rows = await reads.fetch_page(
            session.execute,
            view.model,
            where=where,
            keys=query.keys,
            first=59 if near_end else PAGE_SIZE - 1,
            backward=near_end,
        )
    if not rows:
        return None
    return encode_row_cursor(view.model, rows[-1], query.keys, secret(db))


async def full_name(db: Database, principal: Principal) -> str:
    """A student's full name as a person would type it, found once in the caller's rows if any
    of the first 40 students' names is (the search matches names containing it)."""
    table = ScholarshipStudent.__table__  # type: ignore[attr-defined]
    async with db.session(principal) as session:
        names = (
            await session.execute(sa.select(table.c.name).order_by(table.c.id).limit(40))
        ).scalars()
        counted = []
        for name in names:
            match = text_match(principal, ScholarshipStudent, name).where
            assert match is not None
            hits = sa.select(table.c.id).where(match, table.c.deleted_at.is_(None)).limit(5)
            found = await session.execute(sa.select(sa.func.count()).select_from(hits.subquery()))
            counted.append((found.scalar_one(), name))
            if counted[-1][0] == 1:
                break
    return min(counted)[1]


async def build_cases(
    db: Database, facts: dict[str, Any], slugs: tuple[str, ...], deep_sorts: bool
) -> list[Case]:
    term = facts.get("search_term", "华")
    cases: list[Case] = []
    for caller, principal in callers(facts).items():
        for slug in slugs:
            view = BY_SLUG[slug]
            add = cases.append
            add(Case(slug, caller, "first page", {}))
            if after := await cursor(db, principal, view, {}, near_end=False):
                add(Case(slug, caller, "next page", {"after": after}))
            if after := await cursor(db, principal, view, {}, near_end=True):
                add(Case(slug, caller, "near the end", {"after": after}))
            if view.model is ScholarshipStudent:
                name = await full_name(db, principal)
                add(Case(slug, caller, "search full name", {"q": name}, post=True))
                add(Case(slug, caller, f"search {term}", {"q": term}, post=True))
                for sort in ("name", "-graduation_year"):
                    add(
                        Case(
                            slug,
                            caller,
                            f"search {term} sort {sort}",
                            {"q": term, "sort": sort},
                            post=True,
                        )
                    )
                    add(
                        Case(
                            slug,
                            caller,
                            f"search name sort {sort}",
                            {"q": name, "sort": sort},
                            post=True,
                        )
                    )
            for column in sortable(db, principal, view):
                for sort in (column, f"-{column}"):
                    add(Case(slug, caller, f"sort {sort}", {"sort": sort}))
                    if deep_sorts and (
                        after := await cursor(db, principal, view, {"sort": sort}, near_end=True)
                    ):
                        add(
                            Case(
                                slug,
                                caller,
                                f"sort {sort} near the end",
                                {"sort": sort, "after": after},
                            )
                        )
    return cases


def record_statements(db: Database) -> list[tuple[float, str, Any]]:
    """Every statement the engine runs from now on, with its ms, appended to the list returned."""
    seen: list[tuple[float, str, Any]] = []

    @sa.event.listens_for(db.engine.sync_engine, "before_cursor_execute")
    def before(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        conn.info["bench_started"] = time.perf_counter()

    @sa.event.listens_for(db.engine.sync_engine, "after_cursor_execute")
    def after(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        ms = (time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())) * 1000
        seen.append((ms, statement, parameters))

    return seen


async def run_case(
    db: Database, principal: Principal, case: Case, seen: list[Any], repeat: int
) -> None:
    view = BY_SLUG[case.slug]
    for _ in range(repeat):
        seen.clear()
        page = fake_page(db, principal, view, case)
        started = time.perf_counter()
        try:
            response = await list_page(page, view)
        except sa.exc.DBAPIError as error:
            case.error = f"database error: {type(error.orig).__name__}"
            return
        case.timings.append((time.perf_counter() - started) * 1000)
        case.shown = bytes(response.body).count(b'name="ids"')
        if len(seen) and (
            not case.statements or sum(s[0] for s in seen) > sum(s[0] for s in case.statements)
        ):
            case.statements = list(seen)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


async def explain(db: Database, statement: str, parameters: Any) -> str:
    async with db.engine.connect() as conn:
        result = await conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
        return "\n".join(row[0] for row in result)


async def run(
    size: str,
    backend: str,
    *,
    slugs: tuple[str, ...] = LISTS,
    repeat: int = 5,
    only: str = "",
    deep_sorts: bool = True,
    report: Any = None,
    slow_ms: float = SLOW_MS,
    explain_slow: bool = False,
    database: str = "",
) -> list[Case]:
    facts = json.loads(tokens_path(size, backend).read_text())
    principals = callers(facts)
    url = f"postgresql://postgres@127.0.0.1:5432/{database}" if database else app_url(size, backend)
    db = await app_database(url)
    try:
        cases = [c for c in await build_cases(db, facts, slugs, deep_sorts) if only in c.what]
        seen = record_statements(db)
        for case in cases:
            await run_case(db, principals[case.caller], case, seen, repeat)
            if report:
                report(case)
                slow = case.timings and p95(case.timings) > slow_ms
                if slow or case.error:
                    for ms, statement, _params in sorted(case.statements, key=lambda s: -s[0])[:2]:
                        report(f"      {ms:8.1f} ms  {' '.join(statement.split())[:600]}")
                if slow and explain_slow and backend == "postgresql" and case.statements:
                    ms, statement, parameters = max(case.statements, key=lambda s: s[0])
                    report(await explain(db, statement, parameters))
        return cases
    finally:
        await db.dispose()


def as_row(case: Case) -> dict[str, Any]:
    return {
        "list": case.slug,
        "caller": case.caller,
        "page": case.what,
        "runs": len(case.timings),
        "p50_ms": round(statistics.median(case.timings), 1) if case.timings else None,
        "p95_ms": round(p95(case.timings), 1) if case.timings else None,
        "rows_shown": case.shown,
        "error": case.error or None,
    }


def measure(size: str, backend: str) -> list[dict[str, Any]]:
    """Every page for both callers, as rows for the main bench report (also from inside a
    running event loop, as ``bench.in_process`` calls it: then on a thread of its own)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return [as_row(c) for c in asyncio.run(run(size, backend))]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        cases = pool.submit(lambda: asyncio.run(run(size, backend))).result()
    return [as_row(c) for c in cases]


def line(case: Case) -> str:
    if case.error:
        return f"  {case.slug:<21} {case.caller:<16} {case.what:<40} {case.error}"
    row = as_row(case)
    flag = "  SLOW" if row["p95_ms"] > SLOW_MS else ""
    return (
        f"  {case.slug:<21} {case.caller:<16} {case.what:<40} "
        f"p50 {row['p50_ms']:8.1f}  p95 {row['p95_ms']:8.1f}  rows {case.shown:>3}{flag}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="1m")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--lists", default=",".join(LISTS), help="comma-separated list slugs")
    parser.add_argument("--only", default="", help="pages whose name contains this")
    parser.add_argument("--no-deep-sorts", action="store_true", help="sorted first pages only")
    parser.add_argument(
        "--slow", type=float, default=SLOW_MS, help="print statements above this p95"
    )
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slow pages' slowest statement"
    )
    parser.add_argument("--json", help="also write the rows to this file")
    parser.add_argument(
        "--database", default="", help="a private copy of the size's PostgreSQL bench database"
    )
    args = parser.parse_args()
    backend = "sqlite" if args.sqlite else "postgresql"
    print(f"admin list pages, {args.size} students on {backend}: ms per page, {args.repeat} runs")

    def report(item: Any) -> None:
        print(line(item) if isinstance(item, Case) else item, flush=True)

    cases = asyncio.run(
        run(
            args.size,
            backend,
            slugs=tuple(args.lists.split(",")),
            repeat=args.repeat,
            only=args.only,
            deep_sorts=not args.no_deep_sorts,
            report=report,
            slow_ms=args.slow,
            explain_slow=args.explain,
            database=args.database,
        )
    )
    timed = [c for c in cases if c.timings]
    over = [c for c in timed if p95(c.timings) > args.slow]
    print(
        f"{len(timed)} pages timed, {len(over)} over {args.slow:.0f} ms p95, "
        f"{sum(1 for c in cases if c.error)} failed"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump([as_row(c) for c in cases], out, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
