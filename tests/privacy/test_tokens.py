"""Tokens do not mint tokens (#12.7): issuing one needs a signed-in session whose password
was checked lately (or a superadmin issuing for someone else); revoking a token revokes
the tokens it created."""

from __future__ import annotations

from datetime import timedelta

import httpx
import sqlalchemy as sa
from strawberry import relay

from hongfan import accounts
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM, Principal, Role
from models.accounts import ApiToken, AuthSession
from models.base import utcnow
from tests import factories

PASSWORD = "correct horse battery"
CREATE = (
    "mutation($u: ID!, $p: String) { createApiToken(userId: $u, password: $p) "
    "{ token apiToken { id } errors { field code message } } }"
)
ME = {"query": "{ me { email } }"}


async def _world(database: Database) -> dict[str, int]:
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市")
        huli = await factories.organisation(session, "湖里区", city)
        ids = {}
        for email, role, org in (
            ("editor@tokens.test", Role.EDITOR, huli.id),
            ("root@tokens.test", Role.SUPERADMIN, None),
        ):
            user, _ = await accounts.create_user(
                session, SYSTEM, email, role, organisation_id=org, password=PASSWORD
            )
            ids[email] = int(user.id or 0)
    return ids


def _gid(pk: int) -> str:
    return str(relay.GlobalID("User", str(pk)))


async def _signed_in(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    login = await http.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"x-csrf-token": login.json()["csrfToken"]}


async def _age_sessions(database: Database, minutes: int) -> None:
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            sa.update(AuthSession).values(created_at=utcnow() - timedelta(minutes=minutes))
        )


async def test_given_only_a_bearer_token_when_it_asks_for_another_token_then_it_is_refused(
    database: Database,
) -> None:
    ids = await _world(database)
    async with database.transaction(SYSTEM) as session:
        _, bearer = await accounts.issue_token(
            session, SYSTEM, ids["editor@tokens.test"], name="script"
        )
    app = create_app(database.settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test"
    ) as http:
        body = {"query": CREATE, "variables": {"u": _gid(ids["editor@tokens.test"]), "p": PASSWORD}}
        answer = (
            await http.post("/graphql", json=body, headers={"authorization": f"Bearer {bearer}"})
        ).json()
    payload = answer["data"]["createApiToken"]
    assert payload["token"] is None and payload["errors"][0]["code"] == "token.needs_session"
    assert "登录会话" in payload["errors"][0]["message"]
    async with database.session(SYSTEM) as session:
        assert (
            await session.execute(sa.select(sa.func.count()).select_from(ApiToken))
        ).scalar_one() == 1


async def test_given_a_session_when_the_sign_in_is_old_then_the_password_is_asked_again(
    database: Database,
) -> None:
    ids = await _world(database)
    app = create_app(database.settings, database)
    me = _gid(ids["editor@tokens.test"])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test"
    ) as http:
        headers = await _signed_in(http, "editor@tokens.test")
        fresh = (
            await http.post(
                "/graphql", json={"query": CREATE, "variables": {"u": me}}, headers=headers
            )
        ).json()
        assert fresh["data"]["createApiToken"]["token"], (
            fresh
        )  # just signed in: the password was checked
        await _age_sessions(database, 20)
        stale = (
            await http.post(
                "/graphql", json={"query": CREATE, "variables": {"u": me}}, headers=headers
            )
        ).json()
        assert stale["data"]["createApiToken"]["errors"][0]["code"] == "token.reauth"
        wrong = (
            await http.post(
                "/graphql",
                json={"query": CREATE, "variables": {"u": me, "p": "guess"}},
                headers=headers,
            )
        ).json()
        assert wrong["data"]["createApiToken"]["errors"][0]["code"] == "token.reauth_failed"
        again = (
            await http.post(
                "/graphql",
                json={"query": CREATE, "variables": {"u": me, "p": PASSWORD}},
                headers=headers,
            )
        ).json()
        assert again["data"]["createApiToken"]["token"]
        # A superadmin issuing for someone else acts as an administrator, without the re-check.
        http.cookies.clear()
        root = await _signed_in(http, "root@tokens.test")
        await _age_sessions(database, 20)
        other = (
            await http.post(
                "/graphql", json={"query": CREATE, "variables": {"u": me}}, headers=root
            )
        ).json()
        assert other["data"]["createApiToken"]["token"]
        own = (
            await http.post(
                "/graphql",
                json={"query": CREATE, "variables": {"u": _gid(ids["root@tokens.test"])}},
                headers=root,
            )
        ).json()
        assert own["data"]["createApiToken"]["errors"][0]["code"] == "token.reauth"


async def test_given_a_token_that_created_others_when_it_is_revoked_then_its_offspring_stop_working(
    database: Database,
) -> None:
    ids = await _world(database)
    editor = ids["editor@tokens.test"]
    async with database.transaction(SYSTEM) as session:
        parent, parent_secret = await accounts.issue_token(session, SYSTEM, editor, name="parent")
        # A token made with the parent's bearer before tokens stopped minting tokens.
        as_parent = Principal(
            kind="user",
            actor=f"user:{editor}",
            role=Role.EDITOR,
            user_id=editor,
            token_id=parent.id,
        )
        child, child_secret = await accounts.issue_token(session, as_parent, editor, name="child")
        as_child = Principal(
            kind="user", actor=f"user:{editor}", role=Role.EDITOR, user_id=editor, token_id=child.id
        )
        _, grandchild_secret = await accounts.issue_token(
            session, as_child, editor, name="grandchild"
        )
    app = create_app(database.settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test"
    ) as http:
        for secret in (child_secret, grandchild_secret):
            assert (
                await http.post("/graphql", json=ME, headers={"authorization": f"Bearer {secret}"})
            ).status_code == 200
        headers = await _signed_in(http, "editor@tokens.test")
        revoke = "mutation($id: ID!) { revokeApiToken(id: $id) { apiToken { revokedAt } errors { code } } }"
        done = await http.post(
            "/graphql",
            json={
                "query": revoke,
                "variables": {"id": str(relay.GlobalID("ApiToken", str(parent.id)))},
            },
            headers=headers,
        )
        assert done.json()["data"]["revokeApiToken"]["apiToken"]["revokedAt"]
        http.cookies.clear()
        for secret in (parent_secret, child_secret, grandchild_secret):
            assert (
                await http.post("/graphql", json=ME, headers={"authorization": f"Bearer {secret}"})
            ).status_code == 401
