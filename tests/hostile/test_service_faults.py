"""The database going away is a 503 with Retry-After, never a 500, and never loses a write
it acknowledged (issue #9.6).

PostgreSQL: the app talks to the database through a small TCP proxy this test owns; while
API clients read and make version-checked writes, the test cuts every connection (and
refuses new ones), restores the link, cuts and restores again. SQLite: concurrent writers
while another process holds the write lock past the busy timeout.

Every response must be a 200 without an internal error, or a 503 with ``Retry-After`` and
a GraphQL error body; reads must recover by themselves once the database is back; every
write that was answered 200 must be in the database afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from strawberry import relay

from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.app import create_app
from hongfan.db import Database, create_engine
from hongfan.principal import SYSTEM, Role
from models import ServiceSite
from tests import factories

WRITERS = 4
READERS = 2
# How long the load may take to show what a step waits for (a 503 while the database is
# away, a read and a write answered after it is back). A bound, not an expectation: it
# takes a fraction of a second alone, seconds on a loaded 2-core machine.
PATIENCE = 30.0
READ = "{ serviceSites(first: 10, orderBy: [{ name: ASC }]) { totalCount edges { node { id name version } } } }"
VERSION = "query($id: ID!) { node(id: $id) { ... on ServiceSite { name version } } }"
WRITE = (
    "mutation($input: UpdateServiceSiteInput!) { updateServiceSite(input: $input) "
    "{ serviceSite { id name version } errors { field code message } } }"
)


# -- a link the test can cut ------------------------------------------------------------


class Proxy:
    """A TCP proxy to ``host:port``; :meth:`cut` drops every connection and refuses new
    ones until :meth:`restore`."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.up = True
        self.links: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if not self.up:
            client_w.transport.abort()
            return
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.transport.abort()
            return
        self.links |= {client_w, server_w}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))
        self.links -= {client_w, server_w}

    def cut(self) -> None:
        self.up = False
        for writer in list(self.links):
            writer.transport.abort()

    def restore(self) -> None:
        self.up = True

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


# -- the load ---------------------------------------------------------------------------


@dataclasses.dataclass
class Load:
    http: httpx.AsyncClient
    headers: dict[str, str]
    statuses: Counter[int] = dataclasses.field(default_factory=Counter)
    problems: list[str] = dataclasses.field(default_factory=list)
    acknowledged: dict[str, int] = dataclasses.field(default_factory=dict)  # site id → seq
    ok_after: dict[str, float] = dataclasses.field(default_factory=dict)  # kind → last 200
    stopped: bool = False

    async def post(self, query: str, variables: dict[str, Any], kind: str) -> dict[str, Any] | None:
        """The GraphQL data of a 200; None for a 503 (after checking it is a proper one)."""
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )
        self.statuses[response.status_code] += 1
        if response.status_code == 503:
            retry = response.headers.get("retry-after", "")
            body = response.json()
            if not retry.isdigit() or body["errors"][0]["extensions"]["code"] != "UNAVAILABLE":
                self.problems.append(f"503 without Retry-After or code: {response.headers} {body}")
            return None
        if response.status_code != 200:
            self.problems.append(f"{response.status_code}: {response.text[:300]}")
            return None
        body = response.json()
        if body.get("errors"):
            self.problems.append(f"200 with errors: {body['errors']}")
            return None
        self.ok_after[kind] = time.monotonic()
        return dict(body["data"])

    async def reader(self) -> None:
        while not self.stopped:
            await self.post(READ, {}, "read")
            await asyncio.sleep(0.005)

    async def writer(self, site_id: str, number: int) -> None:
        version: int | None = None
        seq = 0
        while not self.stopped:
            if version is None:
                data = await self.post(VERSION, {"id": site_id}, "read")
                version = data["node"]["version"] if data else None
                continue
            seq += 1
            name = f"阵地{number}-{seq:04d}"
            data = await self.post(
                WRITE, {"input": {"id": site_id, "version": version, "name": name}}, "write"
            )
            payload = data["updateServiceSite"] if data else None
            if payload and payload["serviceSite"] and not payload["errors"]:
                self.acknowledged[site_id] = seq
                version = payload["serviceSite"]["version"]
            else:
                version = None  # a 503'd write may have committed: read the version again
            await asyncio.sleep(0.005)

    async def run(self, sites: list[str], faults: Callable[[], Awaitable[None]]) -> None:
        """Readers and version-checked writers, until ``faults`` is done."""

        async def then_stop() -> None:
            try:
                await faults()
            finally:
                self.stopped = True

        await asyncio.gather(
            *(self.writer(site, n) for n, site in enumerate(sites)),
            *(self.reader() for _ in range(READERS)),
            then_stop(),
        )

    async def until(self, what: str, check: Callable[[], bool]) -> None:
        """Wait (bounded, :data:`PATIENCE`) for the load to show ``check``: never a sleep
        that assumes how fast this machine is."""
        give_up = time.monotonic() + PATIENCE
        while not check():
            assert time.monotonic() < give_up, (
                f"no {what} within {PATIENCE} s: {self.statuses} {self.problems[:3]}"
            )
            await asyncio.sleep(0.02)

    async def recovered(self) -> None:
        """Until a read and a write have both been answered 200 from now on."""
        since = time.monotonic()
        await self.until(
            "read and write answered after the link came back",
            lambda: min(self.ok_after.get("read", 0), self.ok_after.get("write", 0)) > since,
        )

    async def refused(self) -> None:
        """Until some client has been answered 503 from now on."""
        before = self.statuses[503]
        await self.until("503 while the database was away", lambda: self.statuses[503] > before)


async def world(database: Database) -> tuple[list[str], str]:
    """``WRITERS`` service sites (their global ids) and a superadmin's API token."""
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市")
        sites = [await factories.site(session, city, f"阵地{n}-0000") for n in range(WRITERS)]
    async with database.transaction(AUTH) as session:
        user, _ = await accounts.create_user(
            session, SYSTEM, "ops@example.cn", Role.SUPERADMIN, password="correct horse battery"
        )
        principal = await accounts.principal_for(session, user)
        _, token = await accounts.issue_token(session, principal, user.id)  # type: ignore[arg-type]
    return [str(relay.GlobalID("ServiceSite", str(site.id))) for site in sites], token


async def names_in(database: Database) -> dict[int, str]:
    async with database.session(SYSTEM) as session:
        rows = (await session.execute(sa.select(ServiceSite.id, ServiceSite.name))).all()
    return {int(row[0]): str(row[1]) for row in rows}


def assert_nothing_acknowledged_was_lost(
    load: Load, stored: dict[int, str], ids: list[str]
) -> None:
    for number, site in enumerate(ids):
        name = stored[int(relay.GlobalID.from_id(site).node_id)]
        assert name.startswith(f"阵地{number}-"), name
        assert int(name.rsplit("-", 1)[1]) >= load.acknowledged.get(site, 0), (
            site,
            name,
            load.acknowledged,
        )


@contextlib.asynccontextmanager
async def client_of(database: Database, token: str) -> AsyncIterator[Load]:
    app = create_app(database.settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://hongfan.test", timeout=30
    ) as http:
        yield Load(http, {"authorization": f"Bearer {token}"})


# -- PostgreSQL: the link cut twice -----------------------------------------------------


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_given_postgres_drops_out_twice_under_load_then_clients_get_503_and_no_acknowledged_write_is_lost(
    database: Database,
) -> None:
    ids, token = await world(database)
    url = database.engine.url
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    settings = dataclasses.replace(
        database.settings,
        database_url=url.set(port=port).render_as_string(hide_password=False),
        db_connect_timeout_seconds=2,
        retry_after_seconds=2,
    )
    behind = Database(settings, create_engine(settings))
    try:
        async with client_of(behind, token) as load:

            async def faults() -> None:
                await load.recovered()  # reads and writes are answered to begin with
                for down in (1.0, 0.7):
                    proxy.cut()
                    await asyncio.sleep(down)  # down for a while: every kind of request hits it
                    await load.refused()
                    proxy.restore()
                    # Then reads and writes recover by themselves once the link is back
                    await load.recovered()

            await load.run(ids, faults)
            assert await load.post(READ, {}, "read") is not None
            # And a signed-in admin page says so, in Chinese, while the link is down
            signed_in = await load.http.post(
                "/auth/login", json={"email": "ops@example.cn", "password": "correct horse battery"}
            )
            assert signed_in.status_code == 200, signed_in.text
            proxy.cut()
            page = await load.http.get("/admin/")
            proxy.restore()
            assert (await load.http.get("/admin/")).status_code == 200
    finally:
        await behind.dispose()
        await proxy.close()
    assert load.problems == [], load.problems[:5]
    assert load.statuses[503] > 0 and load.statuses[200] > 0, load.statuses
    assert set(load.statuses) <= {200, 503}, load.statuses
    assert page.status_code == 503 and page.headers["retry-after"] == "2"
    assert "服务暂时不可用" in page.text and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert_nothing_acknowledged_was_lost(load, await names_in(database), ids)


# -- SQLite: locked past the busy timeout -----------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_given_sqlite_locked_by_another_process_then_writers_get_503_and_no_acknowledged_write_is_lost(
    database: Database,
) -> None:
    ids, token = await world(database)
    settings = dataclasses.replace(
        database.settings, sqlite_busy_timeout_ms=150, retry_after_seconds=1
    )
    app_db = Database(settings, create_engine(settings))
    path = database.engine.url.database or ""

    other = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
    try:
        async with client_of(app_db, token) as load:

            async def faults() -> None:
                await load.recovered()
                for _ in range(2):
                    # another process takes the write lock and keeps it past the busy timeout
                    await asyncio.to_thread(other.execute, "BEGIN IMMEDIATE")
                    await asyncio.sleep(0.3)
                    await load.refused()
                    await asyncio.to_thread(other.execute, "COMMIT")
                    await load.recovered()

            await load.run(ids, faults)
            assert await load.post(READ, {}, "read") is not None
    finally:
        other.close()
        await app_db.dispose()
    assert load.problems == [], load.problems[:5]
    assert load.statuses[503] > 0 and load.statuses[200] > 0, load.statuses
    assert set(load.statuses) <= {200, 503}, load.statuses
    assert_nothing_acknowledged_was_lost(load, await names_in(database), ids)


# -- what counts as "the database went away" --------------------------------------------


def _wrapped(error: BaseException) -> sa.exc.DBAPIError:
    return sa.exc.OperationalError("SELECT 1", {}, error)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (_wrapped(ConnectionRefusedError(111, "Connection refused")), True),
        (_wrapped(sqlite3.OperationalError("database is locked")), True),
        (sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), True),
        (TimeoutError(), True),
        (FileNotFoundError(2, "No such file"), False),  # a job's file: a bug or a 404, not a 503
        (sa.exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")), False),
        (_wrapped(sqlite3.OperationalError("no such table: x")), False),
        (ValueError("bad"), False),
        (_wrapped(sqlite3.OperationalError("interrupted")), False),  # past its deadline (#9.2)
    ],
)
def test_only_a_database_that_cannot_be_reached_is_a_503(
    error: BaseException, unavailable: bool
) -> None:
    from hongfan.unavailable import is_unavailable

    assert is_unavailable(error) is unavailable
