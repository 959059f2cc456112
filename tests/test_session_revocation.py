"""Ending an account's access ends its sessions and tokens for good, and a sign-in must
come from our own pages.

Deactivating an account, changing its role or organisation, or setting its password
revokes every login session and API token it had; reactivating it does not bring them
back. A cookie of an ended session is told to sign in again (401 ``SESSION_ENDED`` on
/graphql, the login page in the admin UI), never served as anonymous. A sign-in posted
from another website (login CSRF) is refused with a message saying so.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from strawberry import relay

from hongfan import accounts
from hongfan.app import create_app
from hongfan.auth import SESSION_COOKIE
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from tests import factories
from tests.test_accounts import Network, build_network, make_user

PASSWORD = "correct horse battery"
STUDENTS = "{ scholarshipStudents { totalCount } }"
UPDATE = (
    "mutation($id: ID!, $v: Int!, $active: Boolean, $role: UserRole) { updateUser(input: { id: $id, version: $v, "
    "isActive: $active, role: $role }) { user { version } errors { code } } }"
)
CREATE_TOKEN = (
    'mutation($u: ID!) { createApiToken(userId: $u, name: "persist") '
    "{ token apiToken { expiresAt } errors { field code message } } }"
)


def _client(database: Database) -> httpx.AsyncClient:
    app = create_app(database.settings, database)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test")


@pytest.fixture
async def net(database: Database) -> Network:
    network = await build_network(database)
    async with database.transaction(SYSTEM) as s:
        await factories.student(s, network.dianqian, "林示例")
    await make_user(database, "editor@example.cn", Role.EDITOR, organisation_id=network.huli.id)
    await make_user(database, "admin@example.cn", Role.ORG_ADMIN, organisation_id=network.huli.id)
    return network


async def _sign_in(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    login = await http.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"x-csrf-token": login.json()["csrfToken"]}


async def _user(database: Database, email: str) -> tuple[str, int]:
    async with database.session(SYSTEM) as session:
        user = await accounts.get_user_by_email(session, email)
        assert user is not None
        return str(relay.GlobalID("User", str(user.id))), user.version


async def test_given_a_signed_in_editor_when_her_admin_deactivates_her_then_her_cookie_and_token_are_refused_even_after_reactivation(
    database: Database, net: Network
) -> None:
    editor_id, _ = await _user(database, "editor@example.cn")
    async with database.transaction(SYSTEM) as session:
        user = await accounts.get_user_by_email(session, "editor@example.cn")
        _, token = await accounts.issue_token(session, SYSTEM, user.id or 0, name="script")  # type: ignore[union-attr]
    bearer = {"authorization": f"Bearer {token}"}
    async with _client(database) as editor, _client(database) as admin:
        csrf = await _sign_in(editor, "editor@example.cn")
        before = await editor.post("/graphql", json={"query": STUDENTS}, headers=csrf)
        assert before.json() == {"data": {"scholarshipStudents": {"totalCount": 1}}}
        admin_csrf = await _sign_in(admin, "admin@example.cn")
        for active in (False, True):
            _, version = await _user(database, "editor@example.cn")
            changed = await admin.post(
                "/graphql",
                json={
                    "query": UPDATE,
                    "variables": {"id": editor_id, "v": version, "active": active},
                },
                headers=admin_csrf,
            )
            assert changed.json()["data"]["updateUser"]["errors"] == [], changed.text
            refused = await editor.post("/graphql", json={"query": STUDENTS}, headers=csrf)
            assert refused.status_code == 401, refused.text
            error = refused.json()["errors"][0]
            assert error["extensions"]["code"] == "SESSION_ENDED" and "重新登录" in error["message"]
            assert (
                await editor.post("/graphql", json={"query": STUDENTS}, headers=bearer)
            ).status_code == 401
        # The admin UI sends the ended session to the login page, saying why.
        page = await editor.get("/admin/", follow_redirects=True)
        assert (
            page.status_code == 200
            and "/admin/login" in str(page.url)
            and "请重新登录" in page.text
        )
        # Signing in again works: a new session, not the old one.
        fresh = await _sign_in(editor, "editor@example.cn")
        again = await editor.post("/graphql", json={"query": STUDENTS}, headers=fresh)
        assert again.json() == {"data": {"scholarshipStudents": {"totalCount": 1}}}


async def test_given_a_signed_in_editor_when_her_role_or_password_changes_then_her_old_session_ends(
    database: Database, net: Network
) -> None:
    editor_id, version = await _user(database, "editor@example.cn")
    async with _client(database) as editor, _client(database) as admin:
        csrf = await _sign_in(editor, "editor@example.cn")
        admin_csrf = await _sign_in(admin, "admin@example.cn")
        changed = await admin.post(
            "/graphql",
            json={"query": UPDATE, "variables": {"id": editor_id, "v": version, "role": "VIEWER"}},
            headers=admin_csrf,
        )
        assert changed.json()["data"]["updateUser"]["errors"] == [], changed.text
        refused = await editor.post("/graphql", json={"query": STUDENTS}, headers=csrf)
        assert (
            refused.status_code == 401
            and refused.json()["errors"][0]["extensions"]["code"] == "SESSION_ENDED"
        )
        csrf = await _sign_in(editor, "editor@example.cn")
        async with database.transaction(SYSTEM) as session:
            user = await accounts.get_user_by_email(session, "editor@example.cn")
            await accounts.set_password(session, SYSTEM, user.id or 0, "another horse battery")  # type: ignore[union-attr]
        ended = await editor.post("/graphql", json={"query": STUDENTS}, headers=csrf)
        assert (
            ended.status_code == 401
            and ended.json()["errors"][0]["extensions"]["code"] == "SESSION_ENDED"
        )


async def test_given_an_org_admin_when_she_mints_a_token_acting_as_her_editor_then_it_is_refused(
    database: Database, net: Network
) -> None:
    editor_id, _ = await _user(database, "editor@example.cn")
    admin_id, _ = await _user(database, "admin@example.cn")
    async with _client(database) as admin:
        csrf = await _sign_in(admin, "admin@example.cn")
        other = await admin.post(
            "/graphql", json={"query": CREATE_TOKEN, "variables": {"u": editor_id}}, headers=csrf
        )
        payload = other.json()["data"]["createApiToken"]
        assert payload["token"] is None and payload["errors"][0]["code"] == "token.for_others"
        assert "超级管理员" in payload["errors"][0]["message"]
        own = await admin.post(
            "/graphql", json={"query": CREATE_TOKEN, "variables": {"u": admin_id}}, headers=csrf
        )
        assert own.json()["data"]["createApiToken"]["token"], own.text  # her own: fine


async def test_given_a_one_day_token_when_it_asks_for_a_token_then_nothing_outlives_it(
    database: Database, net: Network
) -> None:
    editor_id, _ = await _user(database, "editor@example.cn")
    async with database.transaction(SYSTEM) as session:
        user = await accounts.get_user_by_email(session, "editor@example.cn")
        parent, token = await accounts.issue_token(
            session, SYSTEM, user.id or 0, name="day", expires_days=1
        )  # type: ignore[union-attr]
        # Made with the parent's bearer (as the process would, were it asked): it never outlives it.
        as_parent = dataclasses.replace(SYSTEM, token_id=parent.id)
        child, _ = await accounts.issue_token(session, as_parent, user.id or 0, name="child")  # type: ignore[union-attr]
        assert child.expires_at == parent.expires_at
    async with _client(database) as http:
        answer = await http.post(
            "/graphql",
            json={"query": CREATE_TOKEN, "variables": {"u": editor_id}},
            headers={"authorization": f"Bearer {token}"},
        )
    payload = answer.json()["data"]["createApiToken"]
    assert payload["token"] is None and payload["errors"][0]["code"] == "token.needs_session"


@pytest.mark.parametrize("path", ["/admin/login", "/auth/login"])
async def test_given_another_website_when_it_posts_a_sign_in_form_then_it_is_refused(
    database: Database, net: Network, path: str
) -> None:
    form = {"email": "editor@example.cn", "password": PASSWORD}
    async with _client(database) as http:
        for headers in (
            {"origin": "http://evil.example"},
            {"referer": "http://evil.example/page"},
            {"origin": "null"},
        ):
            refused = await http.post(path, data=form, headers=headers)
            assert refused.status_code == 403, (headers, refused.text)
            assert "其他网站" in refused.text
            assert SESSION_COOKIE not in http.cookies
        ours = await http.post(path, data=form, headers={"origin": "http://hongfan.test"})
        assert ours.status_code in (200, 303), ours.text
        assert SESSION_COOKIE in http.cookies
