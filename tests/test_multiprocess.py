"""Several app processes on one PostgreSQL: nothing another process needs lives in memory.

Two real uvicorn processes on two ports: a session made on one works on the other, a
token revoked on one is refused by the other, and failed-login counts add up across both.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from hongfan import accounts
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from tests.conftest import postgres_url

PASSWORD = "two processes, one database"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HONGFAN_DATABASE_URL": url,
        "HONGFAN_SECRET_KEY": "shared-by-every-process",
        "HONGFAN_PORT": str(port),
        # the address's limit, so the cross-process count below is refused deterministically
        # (the account's own delay after five failures is one second: timing-dependent)
        "HONGFAN_LOGIN_MAX_FAILURES_IP": "5",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "hongfan.app:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90  # two processes starting on a busy 2-core machine
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(base)


@pytest.fixture
def two_processes(database: Database) -> Iterator[tuple[str, str]]:
    if database.dialect != "postgresql":
        pytest.skip("several processes share one PostgreSQL; SQLite is for a single process")
    url = postgres_url()
    ports = [_free_port(), _free_port()]
    processes = [_start(url, port) for port in ports]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, processes, strict=True):
            _wait_ready(base, process)
        yield bases[0], bases[1]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)


@pytest.fixture
async def admin(database: Database) -> str:
    async with database.transaction(SYSTEM) as session:
        user, _ = await accounts.create_user(
            session, SYSTEM, "boss@multi.test", Role.SUPERADMIN, password=PASSWORD
        )
    return user.email


@pytest.mark.postgres
async def test_a_session_made_on_one_process_works_on_the_other(
    admin: str, two_processes: tuple[str, str]
):
    first, second = two_processes
    async with httpx.AsyncClient() as http:
        login = await http.post(f"{first}/auth/login", json={"email": admin, "password": PASSWORD})
        assert login.status_code == 200
        csrf = login.json()["csrfToken"]
        me = await http.get(f"{second}/auth/me")
        assert me.status_code == 200 and me.json()["user"]["email"] == admin
        query = await http.post(
            f"{second}/graphql", json={"query": "{ me { email } }"}, headers={"x-csrf-token": csrf}
        )
        assert query.json()["data"]["me"]["email"] == admin
        out = await http.post(f"{second}/auth/logout", headers={"x-csrf-token": csrf})
        assert out.status_code == 200
        assert (await http.get(f"{first}/auth/me", cookies=login.cookies)).status_code == 401


@pytest.mark.postgres
async def test_a_token_revoked_on_one_process_is_refused_by_the_other(
    admin: str, two_processes: tuple[str, str]
):
    first, second = two_processes
    async with httpx.AsyncClient() as http:
        login = await http.post(f"{first}/auth/login", json={"email": admin, "password": PASSWORD})
        headers = {"x-csrf-token": login.json()["csrfToken"]}
        me = (
            await http.post(f"{first}/graphql", json={"query": "{ me { id } }"}, headers=headers)
        ).json()["data"]["me"]
        issued = (
            await http.post(
                f"{first}/graphql",
                json={
                    "query": "mutation($u: ID!) { createApiToken(userId: $u) { token apiToken { id } } }",
                    "variables": {"u": me["id"]},
                },
                headers=headers,
            )
        ).json()["data"]["createApiToken"]
        bearer = {"authorization": f"Bearer {issued['token']}"}
        probe = {"query": "{ me { email } }"}
        async with httpx.AsyncClient() as api:
            assert (
                await api.post(f"{second}/graphql", json=probe, headers=bearer)
            ).status_code == 200
            revoke = await http.post(
                f"{first}/graphql",
                json={
                    "query": "mutation($id: ID!) { revokeApiToken(id: $id) { apiToken { revokedAt } } }",
                    "variables": {"id": issued["apiToken"]["id"]},
                },
                headers=headers,
            )
            assert revoke.json()["data"]["revokeApiToken"]["apiToken"]["revokedAt"]
            assert (
                await api.post(f"{second}/graphql", json=probe, headers=bearer)
            ).status_code == 401


@pytest.mark.postgres
async def test_failed_login_counts_add_up_across_processes(
    admin: str, two_processes: tuple[str, str]
):
    first, second = two_processes
    async with httpx.AsyncClient() as http:
        for base in (first, second, first, second, first):
            failed = await http.post(
                f"{base}/auth/login", json={"email": admin, "password": "wrong password!"}
            )
            assert failed.status_code == 401
        # the address has had its five failures, counted across both processes
        locked = await http.post(
            f"{second}/auth/login", json={"email": admin, "password": PASSWORD}
        )
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 60
