"""One user, one request at a time: what a page costs on its own, in ms (#16.7).

    .venv/bin/python -m bench.generate --size 100k --sqlite    # once: the SQLite twin
    .venv/bin/python -m bench.single_user --size 100k --sqlite
    .venv/bin/python -m bench.single_user --size 100k           # the same on PostgreSQL

In-process (``hongfan.app.create_app()`` through ``httpx.ASGITransport``), as the bench
district's org admin, each request after the one before it has answered:

* ``graphql list`` — ``c_first``'s query: the district's students whose name contains
  the search term, with organisation, grants and internships → company (first 50);
* ``graphql walk`` — the same, after a different row every time (``c_walk``: unseen);
* ``graphql students`` — the first 50 students with the same nested relations, no filter;
* ``admin list`` — ``/admin/scholarship-students`` (the admin UI's list: first page, count);
* ``admin search`` — the same searched for the term (a POST, as the search form sends it);
* ``admin page 2`` — the list's next page (its keyset link).

The org admin's password is set to a random one in the bench database for the sign-in.
Prints the median, p95 and worst of ``--repeat`` requests after two warm-up requests, and
the median CPU of this process per request (on a loaded machine the wall time stretches;
the CPU much less).
Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import sqlalchemy as sa

from bench import app_url, tokens_path
from bench.scenarios import PAGE, QUERY_C, name_cursor, prepare_facts

QUERY_STUDENTS = QUERY_C.replace("$filter: ScholarshipStudentFilter!, ", "").replace(
    "filter: $filter, ", ""
)


async def _set_password(url: str, email_like: str, password: str) -> str:
    from hongfan.db import create_engine
    from hongfan.passwords import hash_password
    from hongfan.settings import Settings

    engine = create_engine(Settings.from_env({"HONGFAN_DATABASE_URL": url}))
    try:
        async with engine.begin() as connection:
            row = (
                await connection.execute(
                    sa.text("SELECT id, email FROM app_user WHERE email LIKE :e ORDER BY id"),
                    {"e": email_like},
                )
            ).first()
            if row is None:
                raise SystemExit(f"no bench user like {email_like}")
            await connection.execute(
                sa.text("UPDATE app_user SET password_hash = :h WHERE id = :i"),
                {"h": hash_password(password), "i": row[0]},
            )
            return str(row[1])
    finally:
        await engine.dispose()


async def timed(
    call: Callable[[int], Awaitable[httpx.Response]], repeat: int
) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each request (the CPU of this process: on SQLite the
    database's work too, and the in-process client's)."""
    for k in range(2):
        (await call(k)).raise_for_status()
    times, cpu = [], []
    for k in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        response = await call(k + 2)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
        response.raise_for_status()
        if b'"errors"' in response.content[:200]:
            raise SystemExit(response.text[:500])
    return times, cpu


async def main(size: str, backend: str, repeat: int) -> None:
    generated = json.loads(tokens_path(size, backend).read_text())
    facts = await prepare_facts(size, backend, generated)
    url = app_url(size, backend)
    password = secrets.token_urlsafe(16)
    email = await _set_password(url, "%huli%", password)
    os.environ["HONGFAN_DATABASE_URL"] = url
    from hongfan.app import create_app

    app = create_app()
    token = facts.tokens["org_admin"]
    bearer = {"authorization": f"Bearer {token}"}
    walk = facts.walk or [("", 0)]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120
        ) as http,
    ):

        def graphql(query: str, variables: Callable[[int], dict[str, Any]]) -> Any:
            async def call(k: int) -> httpx.Response:
                body = {"query": query, "variables": variables(k)}
                return await http.post("/graphql", json=body, headers=bearer)

            return call

        signed_in = await http.post("/admin/login", data={"email": email, "password": password})
        if signed_in.status_code >= 400 or "/admin/login" in str(signed_in.headers.get("location")):
            raise SystemExit(f"admin sign-in failed: {signed_in.status_code}")
        first = await http.get("/admin/scholarship-students")
        found = re.search(r'name="csrf_token" value="([^"]+)"', first.text)
        csrf = found.group(1) if found else ""
        links = re.findall(r'href="(/admin/scholarship-students\?[^"]*after=[^"]+)"', first.text)
        page2 = links[0].replace("&amp;", "&") if links else "/admin/scholarship-students"
        contains = {"name": {"contains": facts.term}}
        cases: dict[str, Any] = {
            "graphql list (c_first)": graphql(
                QUERY_C, lambda k: {"filter": contains, "first": PAGE}
            ),
            "graphql walk (c_walk, unseen)": graphql(
                QUERY_C,
                lambda k: {
                    "filter": contains,
                    "first": PAGE - 9 + k % 20,
                    "after": name_cursor(*walk[k % len(walk)]),
                },
            ),
            "graphql students, no filter": graphql(QUERY_STUDENTS, lambda k: {"first": PAGE}),
            "admin list": lambda k: http.get("/admin/scholarship-students"),
            "admin search (term)": lambda k: http.post(
                "/admin/scholarship-students", data={"q": facts.term, "csrf_token": csrf}
            ),
            "admin page 2": lambda k: http.get(page2),
        }
        load = os.getloadavg()
        print(
            f"one user, one request at a time: {size} on {backend}, org admin {facts.district}; "
            f"load {load[0]:.1f} on {os.cpu_count()} cores; {repeat} requests each (ms)"
        )
        print(f"{'page':<32} {'p50':>8} {'p95':>8} {'max':>8} {'CPU p50':>8}")
        for name, call in cases.items():
            times, cpu = await timed(call, repeat)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(
                f"{name:<32} {statistics.median(times):>8.1f} {p95:>8.1f} {times[-1]:>8.1f} "
                f"{statistics.median(cpu):>8.1f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="100k")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.size, "sqlite" if args.sqlite else "postgresql", args.repeat))
