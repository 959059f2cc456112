"""The scenarios, as requests for each server: Hongfan's GraphQL, the raw-SQL baseline, PostGraphile.

(a)  a partner lists its interns with student fields (first 50);
(b)  an anonymous frontend lists the published service sites of a district with their host organisation;
(c)  the org admin of 湖里区 lists the students of its subtree whose name contains 华, with grants and
     internships → company: ``c_first`` the first page, ``c_deep`` the page after 90 % of the matching
     rows (a keyset cursor built with hongfan.pagination.encode_cursor from the row at that position),
     ``c_walk`` a different page (start row and size) on every request, so no two requests are alike,
     ``c_exact`` an exact-name match (the yardstick for the contains search), ``c_count`` the first page
     with ``totalCount``;
(d)  ``statistics`` (the dashboard's figures) as superadmin;
(e)  updates with version checks: read a record's ``version``, then ``updateServiceSite`` /
     ``updateScholarshipStudent`` with it, on a hot set of 20 rows so that concurrent writers collide;
     one operation = the read and the write; conflicts are counted, not errors.
"""

from __future__ import annotations

import base64
import itertools
import json
import random
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import httpx

from bench import app_url, pg_dsn, sqlite_path
from bench.load import Client, Operation, Outcome, graphql_outcome
from hongfan.pagination import Direction, SortKey, encode_cursor

PAGE = 50
WALK_ROWS = 5000  # c_walk: positions to start pages at
WALK_SIZES = 20  # … and page sizes PAGE - 9 … PAGE + 10: WALK_ROWS × WALK_SIZES distinct requests
HOT_ROWS = 10  # per record type in scenario (e)

QUERY_A = """query A($first: Int!) {
  internships(first: $first) {
    edges { node { position status student { name university major graduationYear } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

QUERY_B = """query B($district: String!, $first: Int!) {
  serviceSites(filter: {organisation: {parent: {parent: {name: {eq: $district}}}}}, orderBy: [{name: ASC}], first: $first) {
    edges { node { id name kind address recognition organisation { name parent { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

_C_SELECTION = """
    edges { cursor node {
      id name gender university major graduationYear
      organisation { name }
      grants { edges { node { year amount } } }
      internships { edges { node { position status company { name } } } }
    } }
    pageInfo { hasNextPage endCursor }"""

QUERY_C = """query C($filter: ScholarshipStudentFilter!, $first: Int!, $after: String) {
  scholarshipStudents(filter: $filter, orderBy: [{name: ASC}], first: $first, after: $after) {%SELECTION%
  }
}""".replace("%SELECTION%", _C_SELECTION)

QUERY_C_COUNT = """query C($filter: ScholarshipStudentFilter!, $first: Int!, $after: String) {
  scholarshipStudents(filter: $filter, orderBy: [{name: ASC}], first: $first, after: $after) {
    totalCount%SELECTION%
  }
}""".replace("%SELECTION%", _C_SELECTION)

QUERY_D = """{
  statistics {
    sitesByKind { kind label count }
    sitesByDistrict { districtName total byKind { kind count } }
    studentsFunded { year students totalAmount byDistrict { districtName students totalAmount } }
    internshipsByStatus { status label count }
    communitiesLackingInstructors
    communitiesTotal
    totals { organisations serviceSites courses scholarshipStudents companies internships }
  }
}"""

QUERY_VERSION = """query V($id: ID!) {
  node(id: $id) { ... on ServiceSite { siteVersion: version } ... on ScholarshipStudent { studentVersion: version } }
}"""
MUTATION_SITE = """mutation S($input: UpdateServiceSiteInput!) {
  updateServiceSite(input: $input) { serviceSite { version } errors { field code } }
}"""
MUTATION_STUDENT = """mutation T($input: UpdateScholarshipStudentInput!) {
  updateScholarshipStudent(input: $input) { scholarshipStudent { version } errors { field code } }
}"""


@dataclass
class Facts:
    """What the scenarios need to know about one bench database."""

    size: str
    backend: str
    tokens: dict[str, str]
    district: str
    district_path: str
    partner_company_id: int
    term: str
    matches: int  # students in the admin's subtree whose name contains the term
    deep_name: str | None  # the pinyin sort key (name_pinyin) of the row at 90 %
    deep_id: int | None
    deep_cursor: str | None
    exact_name: str
    exact_matches: int
    hot: list[tuple[str, str]] = field(default_factory=list)  # (type name, global id)
    walk: list[tuple[str, int]] = field(
        default_factory=list
    )  # (name, id) of the matches, in page order

    def public(self) -> dict[str, Any]:
        """The facts fit to print and keep (no tokens)."""
        return {
            "district": self.district,
            "district_path": self.district_path,
            "partner_company_id": self.partner_company_id,
            "term": self.term,
            "matches": self.matches,
            "deep_position": round(0.9 * self.matches),
            "exact_name": self.exact_name,
            "exact_matches": self.exact_matches,
            "hot_rows": len(self.hot),
        }


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


# Names sort by their pinyin sort key (models.pinyin): the ordering the app applies to
# ``orderBy: [{name: ASC}]``, so the cursors here are the app's own.
NAME_KEYS = [SortKey("name_pinyin", Direction.ASC), SortKey("id", Direction.ASC)]


def name_cursor(name_pinyin: str, pk: int) -> str:
    """The app's cursor of the row whose pinyin sort key is ``name_pinyin``."""
    return encode_cursor(SimpleNamespace(name_pinyin=name_pinyin, id=pk), NAME_KEYS)


# The same filters the app compiles (row scope of the org admin: organisation in its subtree).
_SUBTREE = "SELECT o.id FROM organisation o WHERE o.path LIKE $1 AND o.deleted_at IS NULL"
SQL_MATCHES = f"""SELECT count(*) FROM scholarship_student s WHERE s.deleted_at IS NULL
  AND s.organisation_id IN ({_SUBTREE}) AND lower(s.name) LIKE $2"""
SQL_AT = f"""SELECT s.name_pinyin, s.id, s.name FROM scholarship_student s WHERE s.deleted_at IS NULL
  AND s.organisation_id IN ({_SUBTREE}) AND lower(s.name) LIKE $2
  ORDER BY s.name_pinyin, s.id LIMIT 1 OFFSET $3"""
SQL_WALK = f"""SELECT s.name_pinyin, s.id FROM scholarship_student s WHERE s.deleted_at IS NULL
  AND s.organisation_id IN ({_SUBTREE}) AND lower(s.name) LIKE $2
  ORDER BY s.name_pinyin, s.id LIMIT $3"""
SQL_EXACT = f"""SELECT count(*) FROM scholarship_student s WHERE s.deleted_at IS NULL
  AND s.organisation_id IN ({_SUBTREE}) AND s.name = $2"""
SQL_HOT_SITES = f"""SELECT s.id FROM service_site s WHERE s.deleted_at IS NULL
  AND s.organisation_id IN ({_SUBTREE}) ORDER BY s.id LIMIT $2"""
SQL_HOT_STUDENTS = f"""SELECT s.id FROM scholarship_student s WHERE s.deleted_at IS NULL
  AND s.organisation_id IN ({_SUBTREE}) ORDER BY s.id LIMIT $2"""


async def _pg_queries(
    dsn: str, plan: list[tuple[str, tuple[Any, ...]]]
) -> list[list[tuple[Any, ...]]]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return [[tuple(r) for r in await conn.fetch(sql, *args)] for sql, args in plan]
    finally:
        await conn.close()


def _sqlite_queries(
    path: str, plan: list[tuple[str, tuple[Any, ...]]]
) -> list[list[tuple[Any, ...]]]:
    db = sqlite3.connect(path)
    try:
        return [db.execute(re.sub(r"\$\d+", "?", sql), args).fetchall() for sql, args in plan]
    finally:
        db.close()


async def run_queries(
    size: str, backend: str, plan: list[tuple[str, tuple[Any, ...]]]
) -> list[list[tuple[Any, ...]]]:
    if backend == "postgresql":
        return await _pg_queries(pg_dsn(size), plan)
    return _sqlite_queries(str(sqlite_path(size)), plan)


async def prepare_facts(size: str, backend: str, generated: dict[str, Any]) -> Facts:
    district = generated["admin_district"]
    path, term = district["path"], generated["search_term"]
    like = f"%{term.lower()}%"
    (((matches,),),) = await run_queries(size, backend, [(SQL_MATCHES, (path + "%", like))])
    deep_pos = min(max(0, matches - 1), round(0.9 * matches))
    mid_pos = max(0, matches // 2)
    deep_rows, mid_rows, sites, students, walk = await run_queries(
        size,
        backend,
        [
            (SQL_AT, (path + "%", like, deep_pos)),
            (SQL_AT, (path + "%", like, mid_pos)),
            (SQL_HOT_SITES, (path + "%", HOT_ROWS)),
            (SQL_HOT_STUDENTS, (path + "%", HOT_ROWS)),
            (SQL_WALK, (path + "%", like, WALK_ROWS)),
        ],
    )
    deep_name, deep_id = deep_rows[0][:2] if deep_rows else (None, None)
    exact_name = mid_rows[0][2] if mid_rows else "不存在"
    (((exact_matches,),),) = await run_queries(
        size, backend, [(SQL_EXACT, (path + "%", exact_name))]
    )
    hot = [("ServiceSite", global_id("ServiceSite", r[0])) for r in sites]
    hot += [("ScholarshipStudent", global_id("ScholarshipStudent", r[0])) for r in students]
    return Facts(
        size=size,
        backend=backend,
        tokens=generated["tokens"],
        district=district["name"],
        district_path=path,
        partner_company_id=generated["partner_company_id"],
        term=term,
        matches=matches,
        deep_name=deep_name,
        deep_id=deep_id,
        deep_cursor=name_cursor(deep_name, deep_id)
        if deep_name is not None and deep_id is not None
        else None,
        exact_name=exact_name,
        exact_matches=exact_matches,
        hot=hot,
        walk=[(str(name), int(pk)) for name, pk in walk],
    )


# -- Hongfan ---------------------------------------------------------------------------------


def _graphql(query: str, variables: dict[str, Any], token: str | None) -> Operation:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False).encode()

    async def op(client: Client, _worker: int, _n: int) -> Outcome:
        return graphql_outcome(await client.post("/graphql", content=body, headers=headers))

    return op


def walk_position(k: int, rows: int) -> tuple[int, int]:
    """The k-th request of ``c_walk``: (index of the row to start after, page size).

    Every request differs from the ones before it for ``rows × WALK_SIZES`` requests, so
    no answer can be replayed from a cache of earlier identical requests.
    """
    return k % rows, PAGE - 9 + (k // rows) % WALK_SIZES


def _walk(requests: Callable[[int], tuple[bytes, dict[str, str]] | httpx.URL]) -> Operation:
    counter = itertools.count()

    async def op(client: Client, _worker: int, _n: int) -> Outcome:
        request = requests(next(counter))
        if isinstance(request, httpx.URL):
            return graphql_outcome(await client.get(request))
        body, headers = request
        return graphql_outcome(await client.post("/graphql", content=body, headers=headers))

    return op


def _walk_hongfan(facts: Facts) -> Operation:
    headers = {
        "content-type": "application/json",
        "authorization": f"Bearer {facts.tokens['org_admin']}",
    }
    rows = facts.walk or [("", 0)]

    def request(k: int) -> tuple[bytes, dict[str, str]]:
        index, first = walk_position(k, len(rows))
        variables = {"filter": _c_filter(facts), "first": first, "after": name_cursor(*rows[index])}
        return json.dumps(
            {"query": QUERY_C, "variables": variables}, ensure_ascii=False
        ).encode(), headers

    return _walk(request)


def _walk_baseline(facts: Facts) -> Operation:
    rows = facts.walk or [("", 0)]

    def request(k: int) -> httpx.URL:
        index, first = walk_position(k, len(rows))
        params = {
            "path": facts.district_path,
            "term": facts.term,
            "first": first,
            "after": name_cursor(*rows[index]),
        }
        return httpx.URL("/c", params=params)

    return _walk(request)


def _updates(facts: Facts) -> Operation:
    headers = {
        "content-type": "application/json",
        "authorization": f"Bearer {facts.tokens['org_admin']}",
    }
    rngs: dict[int, random.Random] = {}

    async def op(client: Client, worker: int, n: int) -> Outcome:
        rng = rngs.setdefault(worker, random.Random(worker))
        type_name, gid = rng.choice(facts.hot)
        read = await client.post(
            "/graphql", json={"query": QUERY_VERSION, "variables": {"id": gid}}, headers=headers
        )
        outcome = graphql_outcome(read)
        if not outcome.ok:
            return outcome
        node = read.json()["data"]["node"]
        if node is None:
            return Outcome(False, 200, error=f"{gid} not visible")
        if type_name == "ServiceSite":
            mutation, field_name = MUTATION_SITE, "updateServiceSite"
            values = {"address": f"厦门市示例路{worker}-{n}号"}
        else:
            mutation, field_name = MUTATION_STUDENT, "updateScholarshipStudent"
            values = {"major": rng.choice(("护理学", "软件工程", "会计学", "英语"))}
        version = node.get("siteVersion", node.get("studentVersion"))
        variables = {"input": {"id": gid, "version": version, **values}}
        write = await client.post(
            "/graphql", json={"query": mutation, "variables": variables}, headers=headers
        )
        outcome = graphql_outcome(write, requests=2)
        if not outcome.ok:
            return outcome
        errors = write.json()["data"][field_name]["errors"]
        if any(e["code"] == "conflict.version" for e in errors):
            return Outcome(True, 200, requests=2, conflict=True)
        if errors:
            return Outcome(
                False, 200, requests=2, error=json.dumps(errors, ensure_ascii=False)[:200]
            )
        return Outcome(True, 200, requests=2)

    return op


# -- the raw-SQL baseline --------------------------------------------------------------------


def _get(path: str, params: dict[str, Any]) -> Operation:
    url = httpx.URL(path, params={k: v for k, v in params.items() if v is not None})

    async def op(client: Client, _worker: int, _n: int) -> Outcome:
        return graphql_outcome(await client.get(url))

    return op


# -- the scenario table ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    key: str
    group: str
    title: str
    hongfan: Callable[[Facts], Operation]
    baseline: Callable[[Facts], Operation] | None = None
    unit: str = "request"
    # False: every request differs from the ones before it (c_walk, the writes), the cost of
    # a request the server has not seen — the headline. True: the same request again and
    # again, which the app may answer by replaying a statement it has seen (graph/fastlane.py):
    # reported apart, as "repeated request" figures.
    repeated: bool = True


def _c_filter(facts: Facts, exact: bool = False) -> dict[str, Any]:
    return {"name": {"eq": facts.exact_name}} if exact else {"name": {"contains": facts.term}}


SCENARIOS: list[Scenario] = [
    Scenario(
        "c_walk",
        "c",
        "org admin: subtree students, name contains the term, grants + internships → company; a different "
        "page every request (start row and page size vary): nothing repeats — the headline",
        _walk_hongfan,
        _walk_baseline,
        repeated=False,
    ),
    Scenario(
        "a",
        "a",
        "partner: its interns with student fields (first 50)",
        lambda f: _graphql(QUERY_A, {"first": PAGE}, f.tokens["partner"]),
        lambda f: _get("/a", {"company": f.partner_company_id, "first": PAGE}),
    ),
    Scenario(
        "b",
        "b",
        "anonymous: published sites of a district with host organisation (first 50)",
        lambda f: _graphql(QUERY_B, {"district": f.district, "first": PAGE}, None),
        lambda f: _get("/b", {"district": f.district, "first": PAGE}),
    ),
    Scenario(
        "c_first",
        "c",
        "org admin: subtree students, name contains, grants + internships → company, page 1",
        lambda f: _graphql(QUERY_C, {"filter": _c_filter(f), "first": PAGE}, f.tokens["org_admin"]),
        lambda f: _get("/c", {"path": f.district_path, "term": f.term, "first": PAGE}),
    ),
    Scenario(
        "c_deep",
        "c",
        "… the page after 90 % of the matching rows (keyset cursor)",
        lambda f: _graphql(
            QUERY_C,
            {"filter": _c_filter(f), "first": PAGE, "after": f.deep_cursor},
            f.tokens["org_admin"],
        ),
        lambda f: _get(
            "/c", {"path": f.district_path, "term": f.term, "first": PAGE, "after": f.deep_cursor}
        ),
    ),
    Scenario(
        "c_exact",
        "c",
        "… exact name match instead of contains (the yardstick for the search)",
        lambda f: _graphql(
            QUERY_C, {"filter": _c_filter(f, exact=True), "first": PAGE}, f.tokens["org_admin"]
        ),
        lambda f: _get(
            "/c", {"path": f.district_path, "term": f.exact_name, "mode": "exact", "first": PAGE}
        ),
    ),
    Scenario(
        "c_count",
        "c",
        "… page 1 with totalCount",
        lambda f: _graphql(
            QUERY_C_COUNT, {"filter": _c_filter(f), "first": PAGE}, f.tokens["org_admin"]
        ),
        lambda f: _get("/c", {"path": f.district_path, "term": f.term, "first": PAGE, "count": 1}),
    ),
    Scenario(
        "d",
        "d",
        "superadmin: statistics (dashboard figures)",
        lambda f: _graphql(QUERY_D, {}, f.tokens["superadmin"]),
    ),
    Scenario(
        "e",
        "e",
        "org admin: read version + update (sites/students, hot set of 20); op = read + write",
        _updates,
        unit="read+write",
        repeated=False,
    ),
]

BY_KEY = {s.key: s for s in SCENARIOS}


def select(groups: list[str]) -> list[Scenario]:
    """The scenarios of the given groups (a, b, c, d, e) or keys (c_deep …), in table order."""
    wanted = set(groups)
    return [s for s in SCENARIOS if s.group in wanted or s.key in wanted]


__all__ = ["BY_KEY", "SCENARIOS", "Facts", "Scenario", "app_url", "prepare_facts", "select"]
