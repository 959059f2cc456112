"""Sign-in throttling that cannot be used to lock people out (issue #9.7).

Someone who knows a colleague's e-mail address guesses passwords from another address:
the guesser's address is refused after its failures, the account is only slowed down
(growing delays, never a lock), and the colleague's own browser — trusted since its last
sign-in — is not slowed down at all. docs/sign-in-throttling.md says why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from hongfan import accounts
from hongfan.accounts import DEVICE_COOKIE, Throttle
from hongfan.accounts.throttling import delay_after
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import Role
from models.accounts import LoginFailure
from models.base import utcnow
from tests.test_accounts import build_network, make_user

OWNER = "owner@example.cn"
PASSWORD = "correct horse battery"


@pytest.fixture
async def owner(database: Database) -> str:
    network = await build_network(database)
    await make_user(database, OWNER, Role.EDITOR, organisation_id=network.huli.id)
    return OWNER


@pytest.fixture
async def browser_at(database: Database) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """``browser_at("10.0.0.7")``: an HTTP client whose requests come from that address."""
    opened: list[httpx.AsyncClient] = []

    def make(address: str, **settings: object) -> httpx.AsyncClient:
        app = create_app(dataclasses.replace(database.settings, **settings), database)  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        client = httpx.AsyncClient(transport=transport, base_url="http://test")
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


async def sign_in(
    client: httpx.AsyncClient, password: str = PASSWORD, email: str = OWNER
) -> httpx.Response:
    return await client.post("/auth/login", json={"email": email, "password": password})


async def guessed_from_everywhere(
    database: Database, email: str, failures: int, *, stopped_seconds_ago: int = 0
) -> None:
    """``failures`` wrong guesses at the account from as many addresses, two seconds apart,
    the last one ``stopped_seconds_ago``."""
    now = utcnow() - timedelta(seconds=stopped_seconds_ago)
    async with database.transaction(accounts.AUTH) as session:
        for n in range(failures):
            at = now - timedelta(seconds=2 * (failures - n - 1))
            session.add(LoginFailure(key=f"email:{email}", at=at))
            session.add(LoginFailure(key=f"ip:203.0.113.{n % 250}", at=at))


# The throttle's SQL (counts, the PostgreSQL advisory lock) runs on both databases in the
# first test; the others are about the rules, on SQLite only (each sign-in is an argon2 hash).
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_the_account_waits_longer_after_each_failure_but_never_more_than_the_cap() -> None:
    throttle = Throttle(free_account=5, max_delay=timedelta(seconds=60))
    waits = [delay_after(n, throttle).total_seconds() for n in range(4, 14)]
    assert waits == [0, 1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert delay_after(10_000, throttle) == timedelta(seconds=60)


async def test_given_a_guesser_on_the_account_then_the_owners_browser_passes_at_once_and_a_new_one_after_the_delay(
    database: Database, owner: str, browser_at
) -> None:
    # Given the owner signed in from this browser before (it keeps the device cookie)
    desk = browser_at("10.1.1.10")
    first = await sign_in(desk)
    assert first.status_code == 200, first.text
    assert DEVICE_COOKIE in desk.cookies
    # When someone has been guessing the password from all over the internet
    await guessed_from_everywhere(database, owner, 40)
    # Then a new browser (or one with a made-up device cookie) has to wait at most a
    # minute, and is told so in seconds
    stranger = browser_at("198.51.100.9")
    stranger.cookies.set(DEVICE_COOKIE, "made-up." + "A" * 43)
    slowed = await sign_in(stranger)
    assert slowed.status_code == 429
    assert 0 < int(slowed.headers["retry-after"]) <= 60
    assert "秒后再试" in slowed.json()["error"]
    # But the owner's browser signs in at once with the right password
    again = await sign_in(desk)
    assert again.status_code == 200, again.text
    # And once the guessing has stopped for a minute, any browser does too: no lock
    await guessed_from_everywhere(database, owner, 40, stopped_seconds_ago=61)
    later = await sign_in(stranger)
    assert later.status_code == 200, later.text
    async with database.session(accounts.AUTH) as session:
        left = (
            await session.execute(
                sa.select(sa.func.count()).where(LoginFailure.key == f"email:{owner}")  # type: ignore[arg-type]
            )
        ).scalar_one()
    assert left == 0  # a success forgets the account's failures


async def failed_from(database: Database, address: str, stopped_seconds_ago: int) -> None:
    """Move the failures recorded from ``address`` back so the latest is that many seconds old."""
    async with database.transaction(accounts.AUTH) as session:
        latest = (
            await session.execute(
                sa.select(sa.func.max(LoginFailure.at)).where(LoginFailure.key == f"ip:{address}")  # type: ignore[arg-type]
            )
        ).scalar_one()
        shift = (latest - utcnow()) + timedelta(seconds=stopped_seconds_ago)
        for failure in (await session.execute(sa.select(LoginFailure))).scalars():
            failure.at = failure.at - shift


@SQLITE_ONLY
async def test_given_one_address_guessing_many_accounts_then_it_is_refused_on_those_and_slowed_for_others(
    database: Database, owner: str, browser_at
) -> None:
    # Given a guesser trying more accounts than its address may fail on, from one address
    guesser = browser_at("192.0.2.66", login_max_failures_ip=3)
    for n in range(3):
        assert (
            await sign_in(guesser, email=f"guess{n}@example.cn", password="x" * 12)
        ).status_code == 401
    # Then the accounts it failed against are refused from there until its failures age out
    refused = await sign_in(guesser, email="guess0@example.cn")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 60
    assert "set-cookie" not in refused.headers
    # And any other account from that address waits a few seconds, no more than a minute
    slowed = await sign_in(guesser, email="guess9@example.cn", password="x" * 12)
    assert slowed.status_code == 429 and 0 < int(slowed.headers["retry-after"]) <= 60
    # And the owner, from their own address, signs in as usual
    assert (await sign_in(browser_at("10.1.1.12", login_max_failures_ip=3))).status_code == 200


@SQLITE_ONLY
async def test_given_an_office_behind_one_address_when_someone_there_fails_22_times_then_a_colleague_still_signs_in(
    database: Database, owner: str, browser_at
) -> None:
    """The tester's scenario (finding 2): 22 wrong sign-ins with made-up e-mails from the
    office's one NAT address, then a colleague signs in to her own account from a new browser
    at that address with the right password."""
    office = "198.51.100.77"
    script = browser_at(office)
    for n in range(22):
        if n >= 20:  # past 20 the script has to wait between tries: it does
            await failed_from(database, office, stopped_seconds_ago=61)
        assert (
            await sign_in(script, email=f"nobody{n}@example.cn", password="wrong password")
        ).status_code == 401
    # When the colleague signs in at once, she is asked to wait seconds, not 15 minutes
    colleague = browser_at(office)
    at_once = await sign_in(colleague)
    assert at_once.status_code == 429, at_once.text
    assert 0 < int(at_once.headers["retry-after"]) <= 60
    assert "秒后再试" in at_once.json()["error"]
    # And after that short wait the right password signs her in
    await failed_from(database, office, stopped_seconds_ago=61)
    later = await sign_in(colleague)
    assert later.status_code == 200, later.text
    # While the made-up accounts stay refused from that address
    assert (await sign_in(script, email="nobody3@example.cn")).status_code == 429


@SQLITE_ONLY
async def test_given_a_browser_trusted_for_a_colleague_then_it_is_no_pass_for_the_owners_account(
    database: Database, owner: str, browser_at
) -> None:
    colleague_email = "colleague@example.cn"
    async with database.session(accounts.AUTH) as session:
        huli = (await session.execute(sa.text("SELECT organisation_id FROM app_user"))).scalar_one()
    await make_user(database, colleague_email, Role.EDITOR, organisation_id=huli)
    shared = browser_at("10.1.1.13")
    assert (await sign_in(shared, email=colleague_email)).status_code == 200
    await guessed_from_everywhere(database, owner, 40)
    assert (await sign_in(shared)).status_code == 429


@SQLITE_ONLY
async def test_given_an_admin_sign_in_page_then_a_slowed_down_account_is_told_in_chinese_and_the_owner_passes(
    database: Database, owner: str, browser_at
) -> None:
    desk = browser_at("10.1.1.15")
    form = {"email": owner, "password": PASSWORD}
    assert (await desk.post("/admin/login", data=form)).status_code == 303
    assert DEVICE_COOKIE in desk.cookies
    await guessed_from_everywhere(database, owner, 40)
    stranger = await browser_at("198.51.100.10").post("/admin/login", data=form)
    assert stranger.status_code == 429 and "秒后再试" in stranger.text
    assert (await desk.post("/admin/login", data=form)).status_code == 303
