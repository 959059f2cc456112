"""The fast lane replays a planned statement for a repeated request, and answers exactly
as field-by-field resolution does — and stops the moment the credential behind it changes.

Everything here goes over HTTP with real API tokens, as a partner system would call.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hongfan import accounts, reads
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models.accounts import ApiToken, User
from models.base import utcnow
from models.organisations import Organisation
from models.practice import Internship
from tests.budget import cases
from tests.graph.test_planner import ROLE_EMAILS, QueryMaker

pytestmark = pytest.mark.postgres


@pytest.fixture
def on_postgresql(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the fast lane replays PostgreSQL statements")


@pytest.fixture
def demo(on_postgresql: None, demo_database: Database) -> Database:
    """The demo network (a copy of it: tests/conftest.py), on PostgreSQL."""
    return demo_database


async def _token(database: Database, email: str) -> str:
    async with database.transaction(SYSTEM) as session:
        user = (await session.execute(sa.select(User).where(User.email == email))).scalar_one()
        _, token = await accounts.issue_token(session, SYSTEM, user.id or 0, name="fastlane-test")
    return token


def _client(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test")


async def _post(
    client: httpx.AsyncClient,
    token: str | None,
    query: str,
    variables: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response.status_code, response.json()


async def test_replayed_answers_equal_resolved_answers_for_every_role(demo: Database):
    tokens: dict[str, str | None] = {"anonymous": None}
    for role, email in ROLE_EMAILS.items():
        tokens[role] = await _token(demo, email)
    fast_app = create_app(demo.settings, demo)
    resolving_app = create_app(dataclasses.replace(demo.settings, planner=False), demo)
    fastlane = fast_app.state.fastlane
    maker = QueryMaker(seed=7)
    queries = [maker.query() for _ in range(cases(8))]
    answered = replayed = 0
    async with _client(fast_app) as fast, _client(resolving_app) as resolving:
        for role, token in tokens.items():
            for query in queries:
                expected = await _post(resolving, token, query)
                first = await _post(fast, token, query)
                hits = fastlane.hits
                second = await _post(fast, token, query)
                assert first == expected, f"{role}: {query}"
                assert second == expected, f"{role} (replayed: {fastlane.hits > hits}): {query}"
                if "errors" not in expected[1]:
                    answered += 1
                    replayed += fastlane.hits > hits
    # Masked or audited fields (about half the generated queries select one for the roles
    # that see them) keep the Python finishing step; everything else is replayed.
    assert answered > len(queries) * len(tokens) * 0.7
    assert replayed >= answered * 0.3, (replayed, answered)


INTERNS = "{ internships(first: 5, orderBy: [{ position: ASC }]) { edges { cursor node { id position student { name } } } pageInfo { hasNextPage endCursor } } }"


async def _replaying(demo: Database, email: str) -> tuple[Any, httpx.AsyncClient, str, Any]:
    token = await _token(demo, email)
    app = create_app(demo.settings, demo)
    client = _client(app)
    first = await _post(client, token, INTERNS)
    second = await _post(client, token, INTERNS)
    assert first == second and first[0] == 200
    assert app.state.fastlane.hits == 1
    return app, client, token, first[1]


async def test_a_revoked_token_is_refused_at_once(demo: Database):
    app, client, token, _ = await _replaying(demo, "partner@demo.hongfan")
    async with demo.transaction(SYSTEM) as session:
        await session.execute(
            sa.update(ApiToken)
            .where(ApiToken.token_hash == accounts.digest(token))
            .values(revoked_at=utcnow())
        )
    status, body = await _post(client, token, INTERNS)
    assert status == 401, body
    assert app.state.fastlane.hits == 1
    await client.aclose()


async def test_a_user_moved_to_another_district_sees_the_new_district_only(demo: Database):
    app, client, token, before = await _replaying(demo, "huli.admin@demo.hongfan")
    async with demo.transaction(SYSTEM) as session:
        siming = (
            await session.execute(sa.select(Organisation).where(Organisation.name == "思明区"))
        ).scalar_one()
        await session.execute(
            sa.update(User)
            .where(User.email == "huli.admin@demo.hongfan")
            .values(organisation_id=siming.id)
        )
    status, after = await _post(client, token, INTERNS)
    resolving = _client(create_app(dataclasses.replace(demo.settings, planner=False), demo))
    assert (status, after) == await _post(resolving, token, INTERNS)
    assert after != before
    assert app.state.fastlane.hits == 1  # the replay was refused; the normal path answered
    await client.aclose()
    await resolving.aclose()


async def test_replays_read_the_data_afresh(demo: Database):
    app, client, token, before = await _replaying(demo, "partner@demo.hongfan")
    first = before["data"]["internships"]["edges"][0]["node"]
    pk = int(base64.b64decode(first["id"]).decode().split(":")[1])
    async with demo.transaction(SYSTEM) as session:
        await session.execute(
            sa.update(Internship).where(Internship.id == pk).values(position="AAA 新岗位")
        )
    status, after = await _post(client, token, INTERNS)
    assert status == 200 and app.state.fastlane.hits == 2
    assert after["data"]["internships"]["edges"][0]["node"]["position"] == "AAA 新岗位"
    await client.aclose()


async def test_token_use_is_still_recorded_once_a_minute(
    demo: Database, monkeypatch: pytest.MonkeyPatch
):
    app, client, token, _ = await _replaying(demo, "partner@demo.hongfan")
    long_ago = utcnow() - timedelta(minutes=5)
    async with demo.transaction(SYSTEM) as session:
        await session.execute(
            sa.update(ApiToken)
            .where(ApiToken.token_hash == accounts.digest(token))
            .values(last_used_at=long_ago)
        )
    later = utcnow() + accounts.TOUCH_EVERY
    monkeypatch.setattr("hongfan.app.utcnow", lambda: later)
    await _post(client, token, INTERNS)
    assert app.state.fastlane.hits == 1  # due a write: answered normally, which wrote it
    async with demo.session(accounts.AUTH) as session:
        used = (
            await session.execute(
                sa.select(ApiToken.last_used_at).where(
                    ApiToken.token_hash == accounts.digest(token)
                )
            )
        ).scalar_one()
    assert used is not None and used > long_ago + timedelta(minutes=4)
    await client.aclose()


async def test_a_count_past_the_exact_limit_is_never_replayed_raw(
    demo: Database, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(reads, "EXACT_COUNT_LIMIT", 3)
    token = await _token(demo, "admin@demo.hongfan")
    app = create_app(demo.settings, demo)
    query = "{ organisations(first: 2) { totalCount totalCountIsExact edges { node { name } } } }"
    async with _client(app) as client:
        answers = [await _post(client, token, query) for _ in range(3)]
    assert all(a == answers[0] for a in answers)
    connection = answers[0][1]["data"]["organisations"]
    # counted apart, in time: exact, and every answer took the normal path
    assert connection["totalCountIsExact"] is True and connection["totalCount"] > 3
    assert app.state.fastlane.hits == 0


async def test_session_cookies_and_other_bodies_take_the_normal_path(demo: Database):
    token = await _token(demo, "partner@demo.hongfan")
    app = create_app(demo.settings, demo)
    async with _client(app) as client:
        for _ in range(2):
            await _post(client, token, INTERNS)
        client.cookies.set("hongfan_session", "not-a-session")
        status, body = await _post(client, None, INTERNS)
        client.cookies.clear()
        # A cookie naming no session is an anonymous caller, told to sign in, on the normal path.
        assert status == 200 and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
        other = INTERNS.replace("first: 5", "first: 4")
        await _post(client, token, other)
    assert app.state.fastlane.hits == 1
    assert json.dumps(body)


async def test_quotes_and_placeholders_in_variables_are_data(demo: Database):
    """Replayed statements carry the request's values as SQL literals: they must stay values."""
    token = await _token(demo, "admin@demo.hongfan")
    app = create_app(demo.settings, demo)
    resolving_app = create_app(dataclasses.replace(demo.settings, planner=False), demo)
    query = """query Q($term: String!) { organisations(first: 3, filter: {name: {contains: $term}}) {
      edges { cursor node { name } } } }"""
    async with _client(app) as fast, _client(resolving_app) as resolving:
        for term in (
            "区",
            "'; DROP TABLE organisation; --",
            "$1",
            "it''s",
            "\\'",
            '"$2"',
            "思明区",
        ):
            expected = await _post(resolving, token, query, {"term": term})
            assert await _post(fast, token, query, {"term": term}) == expected, term
            hits = app.state.fastlane.hits
            assert await _post(fast, token, query, {"term": term}) == expected, term
            assert app.state.fastlane.hits == hits + 1, term
    async with demo.session(SYSTEM) as session:
        assert (
            await session.execute(sa.select(sa.func.count()).select_from(Organisation))
        ).scalar_one() > 100


def test_inlined_parameters_leave_quoted_text_alone():
    from graph.fastlane import inline_parameters

    sql = "SELECT '$1' AS a, \"$2\" AS b, $1::VARCHAR, $2::INTEGER, $3, 'it''s $1'"
    assert inline_parameters(sql, ("x'y", 5, None)) == (
        "SELECT '$1' AS a, \"$2\" AS b, 'x''y'::VARCHAR, 5::INTEGER, NULL, 'it''s $1'"
    )
    assert inline_parameters("SELECT $1", (object(),)) is None
    assert inline_parameters("SELECT $2", ("a",)) is None
    assert inline_parameters("SELECT $1", ("a\x00b",)) is None


WALK = """query Walk($first: Int!, $after: String, $filter: ScholarshipStudentFilter, $grants: Int) {
  scholarshipStudents(first: $first, after: $after, filter: $filter, orderBy: [{ name: ASC }]) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name university organisation { name }
      grants(first: $grants, orderBy: [{ year: DESC }]) { totalCount edges { node { year amount } } } } }
  }
}"""


async def test_unseen_variables_for_a_known_query_are_rebound_not_replanned(demo: Database):
    """A frontend paging through a list sends a new cursor every time: each request is new,
    and must be answered exactly as the resolvers would."""
    # Anonymous callers are told to sign in before any planning (graph/signin.py).
    tokens: dict[str, str | None] = {}
    for role in ("superadmin", "org_admin", "viewer", "partner"):
        tokens[role] = await _token(demo, ROLE_EMAILS[role])
    fast_app = create_app(demo.settings, demo)
    resolving_app = create_app(dataclasses.replace(demo.settings, planner=False), demo)
    fastlane = fast_app.state.fastlane
    async with _client(fast_app) as fast, _client(resolving_app) as resolving:
        for role, token in tokens.items():
            before = fastlane.template_hits
            after: str | None = None
            variables_seen = []
            for step in range(6):
                variables = {
                    "first": 2 + step % 3,
                    "after": after,
                    "grants": 1 + step % 2,
                    "filter": {"name": {"contains": ["示", "例"][step % 2]}} if step > 2 else None,
                }
                variables_seen.append(variables)
                expected = await _post(resolving, token, WALK, variables)
                answered = await _post(fast, token, WALK, variables)
                assert answered == expected, f"{role} step {step}: {variables}"
                after = (
                    (expected[1]["data"]["scholarshipStudents"]["pageInfo"]["endCursor"])
                    if "data" in expected[1]
                    else None
                )
            # The first request plans; later ones whose variables have the same shape re-bind.
            if role != "partner":
                assert fastlane.template_hits - before >= 3, (role, fastlane.template_hits - before)
        # A bad cursor, an oversized page and a forbidden filter are explained by the normal path.
        token = tokens["partner"]
        for variables in (
            {"first": 2, "after": "not-a-cursor"},
            {"first": 1000},
            {"first": 2, "filter": {"idNumber": {"eq": "1"}}},
        ):
            expected = await _post(resolving, token, WALK, variables)
            assert "errors" in expected[1]
            assert await _post(fast, token, WALK, variables) == expected
