"""The HTTP side of authentication: /auth/login, /auth/logout, /auth/me, cookies, CSRF, bearer tokens."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.app import create_app
from hongfan.auth import SESSION_COOKIE, sign_session, unsign_session
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from models import ApiToken
from models.accounts import LoginFailure
from models.base import utcnow
from tests import factories
from tests.test_accounts import Network, build_network, make_user

PASSWORD = "correct horse battery"
STUDENTS = "{ scholarshipStudents { totalCount } }"


def _client(database: Database, **settings: object) -> httpx.AsyncClient:
    app = create_app(dataclasses.replace(database.settings, **settings), database)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def client(database: Database):
    async with _client(database) as http:
        yield http


@pytest.fixture
async def net(database: Database) -> Network:
    network = await build_network(database)
    async with database.transaction(SYSTEM) as s:
        await factories.student(s, network.dianqian, "林示例")
        await factories.student(s, network.siming, "陈示例")
    await make_user(database, "editor@example.cn", Role.EDITOR, organisation_id=network.huli.id)
    return network


async def _login(
    client: httpx.AsyncClient, email: str = "editor@example.cn", password: str = PASSWORD
) -> httpx.Response:
    return await client.post("/auth/login", json={"email": email, "password": password})


async def test_login_sets_a_cookie_and_me_answers(client: httpx.AsyncClient, net: Network):
    response = await _login(client)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"] == {"email": "editor@example.cn", "role": "editor", "displayName": None}
    assert len(body["csrfToken"]) >= 32
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=lax" in lowered and "path=/" in lowered
    assert "secure" not in lowered  # development; production sets Secure
    assert response.headers["cache-control"] == "no-store"

    me = await client.get("/auth/me")
    assert me.status_code == 200
    assert me.json() == {
        "user": body["user"],
        "csrfToken": body["csrfToken"],
        "authenticatedBy": "session",
    }
    # The session sees its subtree: one student of 湖里区, not the one of 思明区.
    graph = await client.post(
        "/graphql", json={"query": STUDENTS}, headers={"X-CSRF-Token": body["csrfToken"]}
    )
    assert graph.json() == {"data": {"scholarshipStudents": {"totalCount": 1}}}


async def test_login_by_form_and_secure_cookie_in_production(database: Database, net: Network):
    async with _client(database, env="production") as http:
        response = await http.post(
            "/auth/login", data={"email": "EDITOR@example.cn", "password": PASSWORD}
        )
    assert response.status_code == 200, response.text
    assert "secure" in response.headers["set-cookie"].lower()


async def test_wrong_password_and_unknown_email_look_the_same(
    client: httpx.AsyncClient, net: Network
):
    wrong = await _login(client, password="not the password")
    unknown = await _login(client, email="nobody@example.cn")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    assert wrong.json() == {"error": "用户名或密码错误"}
    assert "set-cookie" not in wrong.headers
    english = await client.post(
        "/auth/login",
        json={"email": "nobody@example.cn", "password": "x"},
        headers={"Accept-Language": "en"},
    )
    assert english.json() == {"error": "Wrong e-mail address or password"}
    missing = await client.post("/auth/login", json={"email": "editor@example.cn"})
    assert missing.status_code == 400


async def test_a_lone_surrogate_in_the_credentials_is_a_clear_400_not_a_server_error(
    client: httpx.AsyncClient, net: Network
):
    """Given a JSON body whose password (or e-mail) is a lone UTF-16 surrogate, which JSON can
    spell and UTF-8 cannot, when it signs in, then it is told the request holds an invalid
    character (400), not an internal error."""
    for body in (
        b'{"email": "editor@example.cn", "password": "\\ud800"}',
        b'{"email": "\\ud800@example.cn", "password": "x"}',
    ):
        answer = await client.post(
            "/auth/login", content=body, headers={"content-type": "application/json"}
        )
        assert answer.status_code == 400, answer.text
        assert "无效字符" in answer.json()["error"]


async def test_after_five_failures_the_account_is_slowed_down_not_locked(
    client: httpx.AsyncClient, database: Database, net: Network
):
    for _ in range(5):
        assert (await _login(client, password="not the password")).status_code == 401
    # three more from elsewhere, the last just now: the next attempt waits 2**(8-5) = 8 s,
    # the right password too
    async with database.transaction(AUTH) as s:
        await s.execute(sa.update(LoginFailure).values(at=utcnow()))
        for _ in range(3):
            s.add(LoginFailure(key="email:editor@example.cn", at=utcnow()))
    refused = await _login(client)
    assert refused.status_code == 429
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 8
    assert refused.json()["error"] == f"登录失败次数过多，请{wait}秒后再试"
    assert "set-cookie" not in refused.headers
    # once the delay has passed the right password signs in (growing delays, no lock: #9.7)
    async with database.transaction(AUTH) as s:
        await s.execute(sa.update(LoginFailure).values(at=utcnow() - timedelta(seconds=9)))
    assert (await _login(client)).status_code == 200


async def test_too_many_failures_from_one_address(database: Database, net: Network):
    async with _client(database, login_max_failures_ip=3) as http:
        for n in range(3):
            assert (await _login(http, email=f"guess{n}@example.cn")).status_code == 401
        assert (await _login(http)).status_code == 429


async def test_login_rotates_the_session_id(client: httpx.AsyncClient, net: Network):
    first = await _login(client)
    old_cookie = client.cookies[SESSION_COOKIE]
    second = await _login(client)
    new_cookie = client.cookies[SESSION_COOKIE]
    assert old_cookie != new_cookie and first.json()["csrfToken"] != second.json()["csrfToken"]
    # The session the second login replaced is over.
    client.cookies.set(SESSION_COOKIE, old_cookie)
    assert (await client.get("/auth/me")).status_code == 401


async def test_logout_revokes_the_session(client: httpx.AsyncClient, net: Network):
    csrf = (await _login(client)).json()["csrfToken"]
    cookie = client.cookies[SESSION_COOKIE]
    without = await client.post("/auth/logout")
    assert without.status_code == 403 and without.json()["code"] == "CSRF"
    out = await client.post("/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status_code == 200
    assert SESSION_COOKIE not in client.cookies  # cleared
    # The old cookie, presented again, no longer authenticates: it is told to sign in again.
    client.cookies.set(SESSION_COOKIE, cookie)
    me = await client.get("/auth/me")
    assert (
        me.status_code == 401
        and me.json()["code"] == "SESSION_ENDED"
        and "重新登录" in me.json()["error"]
    )
    client.cookies.set(SESSION_COOKIE, cookie)
    graph = await client.post("/graphql", json={"query": STUDENTS})
    assert (
        graph.status_code == 401
        and graph.json()["errors"][0]["extensions"]["code"] == "SESSION_ENDED"
    )


async def test_a_tampered_cookie_is_anonymous(client: httpx.AsyncClient, net: Network):
    await _login(client)
    raw = unsign_session(client.cookies[SESSION_COOKIE], "test-secret")
    assert raw is not None
    for forged in (
        raw + "." + "A" * 43,
        raw[:-1]
        + ("A" if raw[-1] != "A" else "B")
        + "."
        + client.cookies[SESSION_COOKIE].rsplit(".", 1)[1],
        raw,
        sign_session(raw, "another-secret"),
    ):
        client.cookies.set(SESSION_COOKIE, forged)
        assert (await client.get("/auth/me")).status_code == 401, forged
        # anonymous, so no CSRF is asked for and no people are visible
        graph = await client.post("/graphql", json={"query": STUDENTS})
        assert graph.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphql_with_the_cookie_needs_the_csrf_header(
    client: httpx.AsyncClient, net: Network
):
    csrf = (await _login(client)).json()["csrfToken"]
    refused = await client.post("/graphql", json={"query": STUDENTS})
    assert refused.status_code == 403
    assert refused.json() == {
        "errors": [
            {
                "message": "使用登录 Cookie 的请求缺少 X-CSRF-Token 请求头：请发送登录时获得的 csrfToken（也可从 GET /auth/me 获取）",
                "extensions": {"code": "CSRF"},
            }
        ]
    }
    wrong = await client.post(
        "/graphql", json={"query": STUDENTS}, headers={"X-CSRF-Token": "x" + csrf}
    )
    assert wrong.status_code == 403
    assert wrong.json()["errors"][0]["message"].startswith("X-CSRF-Token 请求头与当前登录会话不符")
    english = await client.post(
        "/graphql", json={"query": STUDENTS}, headers={"Accept-Language": "en"}
    )
    assert (
        english.json()["errors"][0]["message"]
        == "This request uses the session cookie but has no X-CSRF-Token header: send the csrfToken from sign-in (also in GET /auth/me)"
    )
    allowed = await client.post(
        "/graphql", json={"query": STUDENTS}, headers={"X-CSRF-Token": csrf}
    )
    assert (
        allowed.status_code == 200
        and allowed.json()["data"]["scholarshipStudents"]["totalCount"] == 1
    )
    # GraphiQL (a GET) needs no token
    assert (await client.get("/graphql", headers={"accept": "text/html"})).status_code == 200


async def test_bearer_tokens(client: httpx.AsyncClient, database: Database, net: Network):
    user, _ = await make_user(
        database, "org@example.cn", Role.ORG_ADMIN, organisation_id=net.city.id
    )
    async with database.transaction(AUTH) as s:
        token, plaintext = await accounts.issue_token(s, SYSTEM, user.id, name="dashboard")
    headers = {"Authorization": f"Bearer {plaintext}"}
    ok = await client.post(
        "/graphql", json={"query": STUDENTS}, headers=headers
    )  # no CSRF for tokens
    assert ok.status_code == 200 and ok.json()["data"]["scholarshipStudents"]["totalCount"] == 2
    me = await client.get("/auth/me", headers=headers)
    assert me.json() == {
        "user": {"email": "org@example.cn", "role": "org_admin", "displayName": None},
        "csrfToken": None,
        "authenticatedBy": "token",
    }
    async with database.session(AUTH) as s:
        used = (
            await s.execute(sa.select(ApiToken.last_used_at).where(ApiToken.id == token.id))
        ).scalar_one()
    assert used is not None

    bogus = await client.post(
        "/graphql", json={"query": STUDENTS}, headers={"Authorization": "Bearer hf_bogus"}
    )
    assert bogus.status_code == 401
    assert bogus.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "invalid_token" in bogus.headers["www-authenticate"]

    # expired
    async with database.transaction(AUTH) as s:
        await s.execute(
            sa.update(ApiToken)
            .where(ApiToken.id == token.id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    expired = await client.post("/graphql", json={"query": STUDENTS}, headers=headers)
    assert (
        expired.status_code == 401
        and expired.json()["errors"][0]["message"] == "API 令牌无效、已过期或已被吊销"
    )
    assert (await client.get("/auth/me", headers=headers)).status_code == 401

    # revoked
    async with database.transaction(AUTH) as s:
        await s.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(expires_at=None))
    assert (
        await client.post("/graphql", json={"query": STUDENTS}, headers=headers)
    ).status_code == 200
    async with database.transaction(AUTH) as s:
        await accounts.revoke_token(s, SYSTEM, token.id)
    revoked = await client.post(
        "/graphql", json={"query": STUDENTS}, headers={**headers, "Accept-Language": "en"}
    )
    assert revoked.status_code == 401
    assert revoked.json()["errors"][0]["message"] == "The API token is invalid, expired or revoked"


async def test_me_is_401_when_anonymous(client: httpx.AsyncClient):
    response = await client.get("/auth/me")
    assert response.status_code == 401 and response.json() == {"error": "请先登录"}
