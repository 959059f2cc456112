"""The stack's limit: one hand-written SQL statement per request, JSON built by PostgreSQL.

A bare Starlette app over an asyncpg pool (no ORM, no GraphQL, no auth): each
endpoint answers one scenario with ONE query whose ``json_build_object`` /
``json_agg`` produce the same document the GraphQL endpoint returns for the
same caller (``{"data": {...}}``, same field names, enum values, global IDs
and keyset cursors), applying the same row scope by hand:

* ``GET /a?company=ID&first=N`` — a partner's interns with student fields;
* ``GET /b?district=NAME&first=N`` — published sites of a district (anonymous);
* ``GET /c?path=/1/9/&term=华&mode=contains|exact&first=N[&after=CURSOR][&count=1]`` —
  the students of an org admin's subtree by name, with grants and internships → company.

Served by ``python -m bench.serve --app baseline`` (``BENCH_PG_DSN``).
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hongfan.pagination import Direction, SortKey, encode_cursor
from models import ScholarshipStudent, search


def _sig(*keys: tuple[str, str]) -> str:
    """The ordering signature hongfan.pagination puts in its cursors."""
    record = SimpleNamespace(**{column: 0 for column, _ in keys})
    cursor = encode_cursor(record, [SortKey(c, Direction(d)) for c, d in keys])
    return str(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["s"])


SIG_ID = _sig(("id", "asc"))
SIG_NAME = _sig(("name_pinyin", "asc"), ("id", "asc"))  # names sort by their pinyin key


def _b64url(expr: str) -> str:
    """SQL: base64url without padding or line breaks of the text ``expr`` (as encode_cursor does)."""
    return f"rtrim(translate(encode(convert_to({expr}, 'UTF8'), 'base64'), '+/' || chr(10), '-_'), '=')"


def _gid(type_name: str, id_expr: str) -> str:
    """SQL: the Relay global ID (standard base64 of "Type:id")."""
    return (
        f"replace(encode(convert_to('{type_name}:' || {id_expr}, 'UTF8'), 'base64'), chr(10), '')"
    )


def _name_cursor(alias: str) -> str:
    return _b64url(
        f"""'{{"s":"{SIG_NAME}","v":[' || to_json({alias}.name_pinyin)::text || ',' || {alias}.id || ']}}'"""
    )


def _id_cursor(alias: str) -> str:
    return _b64url(f"""'{{"s":"{SIG_ID}","v":[' || {alias}.id || ']}}'""")


SQL_A = f"""
WITH page AS (
  SELECT i.id, i.position, i.status, i.student_id FROM internship i
  WHERE i.company_id = $1 AND i.deleted_at IS NULL
  ORDER BY i.id LIMIT $2 + 1
), shown AS (SELECT * FROM page ORDER BY id LIMIT $2)
SELECT json_build_object('data', json_build_object('internships', json_build_object(
  'edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
      'position', p.position, 'status', upper(p.status),
      'student', (SELECT json_build_object('name', s.name, 'university', s.university, 'major', s.major,
                                           'graduationYear', s.graduation_year)
                  FROM scholarship_student s WHERE s.id = p.student_id AND s.deleted_at IS NULL)))
      ORDER BY p.id) FROM shown p), '[]'::json),
  'pageInfo', json_build_object(
      'hasNextPage', (SELECT count(*) FROM page) > $2,
      'endCursor', (SELECT {_id_cursor("e")} FROM shown e ORDER BY e.id DESC LIMIT 1))
)))::text
"""

_PUBLIC_ORG = "o.deleted_at IS NULL AND o.published"
SQL_B = f"""
WITH page AS (
  SELECT s.id, s.name, s.name_pinyin, s.kind, s.address, s.recognition, s.organisation_id FROM service_site s
  WHERE s.deleted_at IS NULL AND s.published
    AND s.organisation_id IN (SELECT o.id FROM organisation o WHERE {_PUBLIC_ORG} AND o.parent_id IN (
        SELECT o.id FROM organisation o WHERE {_PUBLIC_ORG} AND o.parent_id IN (
          SELECT o.id FROM organisation o WHERE {_PUBLIC_ORG} AND o.name = $1)))
  ORDER BY s.name_pinyin, s.id LIMIT $2 + 1
), shown AS (SELECT * FROM page ORDER BY name_pinyin, id LIMIT $2)
SELECT json_build_object('data', json_build_object('serviceSites', json_build_object(
  'edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
      'id', {_gid("ServiceSite", "p.id")}, 'name', p.name, 'kind', upper(p.kind), 'address', p.address,
      'recognition', upper(p.recognition),
      'organisation', (SELECT json_build_object('name', o.name, 'parent',
                         (SELECT json_build_object('name', q.name) FROM organisation q
                          WHERE q.id = o.parent_id AND q.deleted_at IS NULL AND q.published))
                       FROM organisation o WHERE o.id = p.organisation_id AND {_PUBLIC_ORG})))
      ORDER BY p.name_pinyin, p.id) FROM shown p), '[]'::json),
  'pageInfo', json_build_object(
      'hasNextPage', (SELECT count(*) FROM page) > $2,
      'endCursor', (SELECT {_name_cursor("e")} FROM shown e ORDER BY e.name_pinyin DESC, e.id DESC LIMIT 1))
)))::text
"""


def _sql_c(exact: bool, with_count: bool, grams: bool, walk: bool = False) -> str:
    """$1 path prefix pattern, $2 the name (exact) or LIKE pattern, $3/$4 the cursor's pinyin
    sort key/id (ordered as the app orders names: by ``name_pinyin``, a row comparison that seeks),
    $5 page size, and with ``grams`` $6 the raw search term for the gram index the app uses.
    ``walk`` (a frequent term, as models.search.frequent_term says): the page's condition is
    the plain LIKE and only the count keeps the gram index, as the app's statement does."""
    plain = "lower(s.name) LIKE $2 ESCAPE '/'"
    if exact:
        name_match = "s.name = $2"
    elif grams:  # what models.search.text_contains compiles to: gram containment (GIN), then LIKE
        name_match = f"hongfan_grams(s.name) @> hongfan_query_grams($6::text) AND {plain}"
    else:
        name_match = plain

    def scoped(match: str) -> str:
        return f"""s.deleted_at IS NULL
    AND s.organisation_id IN (SELECT o.id FROM organisation o WHERE o.path LIKE $1 AND o.deleted_at IS NULL)
    AND {match}"""

    where = scoped(plain if walk and not exact else name_match)
    count = (
        f", 'totalCount', (SELECT count(*) FROM scholarship_student s WHERE {scoped(name_match)})"
        if with_count
        else ""
    )
    return f"""
WITH page AS (
  SELECT s.id, s.name, s.name_pinyin, s.gender, s.university, s.major, s.graduation_year,
         s.organisation_id
  FROM scholarship_student s
  WHERE {where}
    AND ($3::text IS NULL OR (s.name_pinyin, s.id) > ($3::text, $4::int))
  ORDER BY s.name_pinyin, s.id LIMIT $5 + 1
), shown AS (SELECT * FROM page ORDER BY name_pinyin, id LIMIT $5),
scope AS (SELECT o.id FROM organisation o WHERE o.path LIKE $1 AND o.deleted_at IS NULL)
SELECT json_build_object('data', json_build_object('scholarshipStudents', json_build_object(
  'edges', COALESCE((SELECT json_agg(json_build_object(
      'cursor', {_name_cursor("p")},
      'node', json_build_object(
         'id', {_gid("ScholarshipStudent", "p.id")}, 'name', p.name, 'gender', upper(p.gender),
         'university', p.university, 'major', p.major, 'graduationYear', p.graduation_year,
         'organisation', (SELECT json_build_object('name', o.name) FROM organisation o
                          WHERE o.id = p.organisation_id AND o.id IN (SELECT id FROM scope)),
         'grants', json_build_object('edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
              'year', g.year, 'amount', to_char(g.amount / 100.0, 'FM999999999990.00'))) ORDER BY g.id)
            FROM (SELECT g.* FROM scholarship_grant g WHERE g.student_id = p.id AND g.deleted_at IS NULL
                  AND g.organisation_id IN (SELECT id FROM scope) ORDER BY g.id LIMIT 20) g), '[]'::json)),
         'internships', json_build_object('edges', COALESCE((SELECT json_agg(json_build_object('node', json_build_object(
              'position', i.position, 'status', upper(i.status),
              'company', (SELECT json_build_object('name', c.name) FROM company c
                          WHERE c.id = i.company_id AND c.deleted_at IS NULL
                            AND c.organisation_id IN (SELECT id FROM scope)))) ORDER BY i.id)
            FROM (SELECT i.* FROM internship i WHERE i.student_id = p.id AND i.deleted_at IS NULL
                  AND i.organisation_id IN (SELECT id FROM scope) ORDER BY i.id LIMIT 20) i), '[]'::json))
      )) ORDER BY p.name_pinyin, p.id) FROM shown p), '[]'::json),
  'pageInfo', json_build_object(
      'hasNextPage', (SELECT count(*) FROM page) > $5,
      'endCursor', (SELECT {_name_cursor("e")} FROM shown e ORDER BY e.name_pinyin DESC, e.id DESC LIMIT 1)){count}
)))::text
"""


_STUDENT_NAME = ScholarshipStudent.__table__.c.name  # type: ignore[attr-defined]

SQL_C = {
    (exact, count, grams, walk): _sql_c(exact, count, grams, walk)
    for exact in (False, True)
    for count in (False, True)
    for grams in (False, True)
    for walk in (False, True)
}


def decode_name_cursor(cursor: str | None) -> tuple[str | None, int | None]:
    if not cursor:
        return None, None
    payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    name, record_id = payload["v"]
    return str(name), int(record_id)


def _like(term: str) -> str:
    escaped = term.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


class Counters:
    def __init__(self) -> None:
        self.values = {"statements": 0, "begins": 0, "commits": 0, "rollbacks": 0, "pings": 0}

    def snapshot(self) -> dict[str, Any]:
        import gc
        import os

        return {
            **self.values,
            "pid": os.getpid(),
            "gc_collections": [s["collections"] for s in gc.get_stats()],
        }


def create_app(dsn: str, pool_size: int = 10) -> tuple[Starlette, Counters]:
    import asyncpg

    counters = Counters()
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # Custom plans always: asyncpg prepares every statement, and after five executions
        # PostgreSQL may switch to a generic plan that cannot see the parameters' values —
        # at 1M that turns the gram-index search into a 4-second nested loop and the partner's
        # list (one company with 5 % of all internships) into a sort of 10,000 rows. The
        # limit of the stack is what it does with the plans it should get.
        state["pool"] = await asyncpg.create_pool(
            dsn,
            min_size=2,
            max_size=pool_size,
            server_settings={"plan_cache_mode": "force_custom_plan"},
        )
        async with state["pool"].acquire() as conn:
            # The gram index of migration 0003 (models/search.py), when this database has it.
            state["grams"] = bool(
                await conn.fetchval("SELECT to_regprocedure('hongfan_grams(text)') IS NOT NULL")
            )
            if state["grams"]:  # which terms the app searches by a plain LIKE
                search.remember_gram_shares(await conn.fetch(search.GRAM_SHARES_SQL))
        yield
        await state["pool"].close()

    async def one(sql: str, *args: Any) -> Response:
        counters.values["statements"] += 1
        async with state["pool"].acquire() as conn:
            body = await conn.fetchval(sql, *args)
        return Response(body, media_type="application/json")

    async def scenario_a(request: Request) -> Response:
        q = request.query_params
        return await one(SQL_A, int(q["company"]), int(q.get("first", 50)))

    async def scenario_b(request: Request) -> Response:
        q = request.query_params
        return await one(SQL_B, q["district"], int(q.get("first", 50)))

    async def scenario_c(request: Request) -> Response:
        q = request.query_params
        exact = q.get("mode") == "exact"
        after_name, after_id = decode_name_cursor(q.get("after"))
        term = q["term"] if exact else _like(q["term"])
        grams = state["grams"] and not exact
        walk = grams and search.frequent_term(_STUDENT_NAME, q["term"])
        count = q.get("count") == "1"
        sql = SQL_C[(exact, count, grams, walk)]
        args = [q["path"] + "%", term, after_name, after_id, int(q.get("first", 50))]
        return await one(sql, *args, *([q["term"]] if grams and (count or not walk) else []))

    async def readyz(_request: Request) -> Response:
        async with state["pool"].acquire() as conn:
            await conn.fetchval("SELECT 1")
        return Response('{"status":"ok"}', media_type="application/json")

    app = Starlette(
        routes=[
            Route("/a", scenario_a),
            Route("/b", scenario_b),
            Route("/c", scenario_c),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
    )
    return app, counters
