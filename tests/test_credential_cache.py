"""A served process answers a bearer token from memory, and forgets it when it changes.

On PostgreSQL the app remembers who a token is (hongfan.credential_cache) while it listens
for the notifications of migration 0021's triggers; a token revoked, an account
deactivated or moved, from another connection as the command line or another process
would, is refused or re-read once the notification has arrived. SQLite and an app used
without its lifespan keep nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hongfan import accounts
from hongfan.app import create_app
from hongfan.credential_cache import CredentialCache, Remembered
from hongfan.db import Database
from hongfan.principal import SYSTEM, Principal, Role
from models.base import utcnow
from tests import factories
from tests.conftest import StatementCounter
from tests.test_accounts import Network, build_network, make_user

STUDENTS = "{ scholarshipStudents { edges { node { name } } } }"


@dataclasses.dataclass
class Served:
    http: httpx.AsyncClient
    database: Database
    bearer: dict[str, str]
    user_id: int
    network: Network


async def _token(
    database: Database, email: str, role: Role, organisation_id: int
) -> tuple[int, str]:
    user, _ = await make_user(database, email, role, organisation_id=organisation_id)
    async with database.transaction(accounts.AUTH) as session:
        _, plaintext = await accounts.issue_token(session, SYSTEM, user.id)
    return int(user.id), plaintext


def _resolving(database: Database) -> Any:
    """Settings whose requests all take the normal path: the fast lane, which replays a
    request seen before, checks the token inside its own statement (graph/fastlane.py)."""
    return dataclasses.replace(database.settings, planner=False)


async def _names(served: Served) -> list[str] | int:
    response = await served.http.post("/graphql", json={"query": STUDENTS}, headers=served.bearer)
    if response.status_code != 200:
        return response.status_code
    edges = response.json()["data"]["scholarshipStudents"]["edges"]
    return sorted(edge["node"]["name"] for edge in edges)


async def _forgotten(cache: CredentialCache, generation: int) -> None:
    """Until the notification of a committed change has arrived (at most 5 s)."""
    deadline = time.monotonic() + 5
    while cache.generation == generation:
        assert time.monotonic() < deadline, "no notification arrived"
        await asyncio.sleep(0.01)


@pytest.fixture
async def served(database: Database) -> AsyncIterator[Served]:
    """The app with its lifespan running (the listener up), an org admin of 湖里区 with a
    token, a student in 湖里区 and one in 思明区."""
    if database.dialect != "postgresql":
        pytest.skip("only PostgreSQL notifies: SQLite keeps nothing")
    network = await build_network(database)
    async with database.transaction(SYSTEM) as s:
        await factories.student(s, network.dianqian, "林示例")
        await factories.student(s, network.siming, "陈示例")
    user_id, plaintext = await _token(database, "huli@example.cn", Role.ORG_ADMIN, network.huli.id)
    app = create_app(_resolving(database), database)
    async with app.router.lifespan_context(app):
        deadline = time.monotonic() + 10
        while not database.credentials.listening:
            assert time.monotonic() < deadline, "the credential listener did not start"
            await asyncio.sleep(0.02)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield Served(http, database, {"authorization": f"Bearer {plaintext}"}, user_id, network)


@pytest.mark.postgres
async def test_given_a_token_used_once_when_it_is_used_again_then_no_token_is_read(
    served: Served, sql_counter: StatementCounter
):
    assert await _names(served) == ["林示例"]
    sql_counter.reset()
    assert await _names(served) == ["林示例"]
    assert not [s for s in sql_counter.statements if "api_token" in s]
    assert served.database.credentials.hits >= 1


@pytest.mark.postgres
async def test_given_a_remembered_token_when_another_connection_revokes_it_then_it_is_refused(
    served: Served,
):
    assert await _names(served) == ["林示例"]
    cache = served.database.credentials
    before = cache.generation
    elsewhere = Database(served.database.settings)  # another pool, as the command line's
    try:
        async with elsewhere.transaction(accounts.AUTH) as session:
            await session.execute(
                sa.text("UPDATE api_token SET revoked_at = now() WHERE user_id = :u"),
                {"u": served.user_id},
            )
    finally:
        await elsewhere.dispose()
    await _forgotten(cache, before)
    assert await _names(served) == 401


@pytest.mark.postgres
async def test_given_a_remembered_token_when_its_account_is_deactivated_then_it_is_refused(
    served: Served,
):
    assert await _names(served) == ["林示例"]
    before = served.database.credentials.generation
    async with served.database.transaction(accounts.AUTH) as session:
        await session.execute(
            sa.text("UPDATE app_user SET is_active = false WHERE id = :u"), {"u": served.user_id}
        )
    await _forgotten(served.database.credentials, before)
    assert await _names(served) == 401


@pytest.mark.postgres
async def test_given_a_remembered_token_when_its_account_moves_district_then_it_sees_the_new_one(
    served: Served,
):
    assert await _names(served) == ["林示例"]
    before = served.database.credentials.generation
    async with served.database.transaction(accounts.AUTH) as session:
        await session.execute(
            sa.text("UPDATE app_user SET organisation_id = :o WHERE id = :u"),
            {"o": served.network.siming.id, "u": served.user_id},
        )
    await _forgotten(served.database.credentials, before)
    assert await _names(served) == ["陈示例"]


@pytest.mark.postgres
async def test_given_a_remembered_token_when_its_use_is_recorded_then_nothing_is_forgotten(
    served: Served,
):
    assert await _names(served) == ["林示例"]
    cache = served.database.credentials
    before = cache.generation
    async with served.database.transaction(accounts.AUTH) as session:
        await session.execute(
            sa.text("UPDATE api_token SET last_used_at = now() WHERE user_id = :u"),
            {"u": served.user_id},
        )
        await session.execute(sa.text("SELECT pg_notify('some_other_channel', '')"))
    await asyncio.sleep(0.3)  # long enough for a notification to arrive, were one sent
    assert cache.generation == before
    assert await _names(served) == ["林示例"]


async def test_given_an_app_used_without_its_lifespan_when_a_token_is_used_twice_then_both_read_it(
    database: Database, sql_counter: StatementCounter
):
    network = await build_network(database)
    _, plaintext = await _token(database, "huli@example.cn", Role.ORG_ADMIN, network.huli.id)
    app = create_app(_resolving(database), database)
    bearer = {"authorization": f"Bearer {plaintext}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        for _ in range(2):
            sql_counter.reset()
            response = await http.post("/graphql", json={"query": STUDENTS}, headers=bearer)
            assert response.status_code == 200
            assert [s for s in sql_counter.statements if "api_token" in s]
    assert not database.credentials.listening and database.credentials.hits == 0


def _remembered(expires_in: timedelta | None = None) -> Remembered:
    principal = Principal(kind="user", actor="user:1:a@b.cn", role=Role.EDITOR, user_id=1)
    expires = utcnow() + expires_in if expires_in is not None else None
    return Remembered(1, principal, expires, None, time.monotonic())


def test_given_a_lookup_that_began_before_a_change_when_it_ends_then_it_is_not_kept():
    cache = CredentialCache(30)
    cache.listening = True
    generation = cache.generation
    cache.forget_all()  # the notification arrived while the lookup was reading
    cache.put("d", _remembered(), generation)
    assert cache.get("d") is None
    cache.put("d", _remembered(), cache.generation)
    assert cache.get("d") is not None


def test_given_a_remembered_token_when_it_expires_or_its_time_is_up_then_it_is_read_again(
    monkeypatch: pytest.MonkeyPatch,
):
    cache = CredentialCache(30)
    cache.listening = True
    cache.put("expired", _remembered(timedelta(seconds=-1)), cache.generation)
    assert cache.get("expired") is None
    cache.put("old", _remembered(), cache.generation)
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 31)
    assert cache.get("old") is None


def test_given_the_listener_is_down_when_a_token_authenticates_then_nothing_is_kept():
    cache = CredentialCache(30)
    cache.listening = True
    cache.put("d", _remembered(), cache.generation)
    cache._stopped_listening()
    assert cache.get("d") is None
    cache.put("d", _remembered(), cache.generation)
    cache.listening = True
    assert cache.get("d") is None
