"""Callers for the access tests: one real user per role, calling /graphql over HTTP
with an API token, exactly as a partner system or frontend would."""

from __future__ import annotations

import httpx
import pytest

from hongfan import accounts
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from tests.access.caller import Caller
from tests.access.world import World

ROLE_USERS = {
    "superadmin": Role.SUPERADMIN,
    "org_admin": Role.ORG_ADMIN,
    "editor": Role.EDITOR,
    "viewer": Role.VIEWER,
    "partner": Role.PARTNER,
}


@pytest.fixture
async def http(database: Database):
    app = create_app(database.settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test"
    ) as client:
        yield client


@pytest.fixture
def make_caller(database: Database, http: httpx.AsyncClient):
    async def make(world: World, role: str) -> Caller:
        if role == "anonymous":
            return Caller(http, {})
        district_a = world.orgs["A"]
        company_a = world.records["Company"]["A"]
        async with database.transaction(SYSTEM) as session:
            user, _ = await accounts.create_user(
                session,
                SYSTEM,
                f"{role}@access.test",
                ROLE_USERS[role],
                organisation_id=district_a.id
                if role in {"org_admin", "editor", "viewer"}
                else None,
                company_id=company_a.id if role == "partner" else None,
                password="correct horse battery",
            )
            _, token = await accounts.issue_token(session, SYSTEM, user.id or 0, name="access-test")
        return Caller(http, {"authorization": f"Bearer {token}"})

    return make
