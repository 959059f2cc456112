"""Work for a client that has gone away is cancelled (#9.2): when the HTTP client
disconnects during a long /graphql request, PostgreSQL stops the running statement at
once instead of running it to its deadline, and the service answers the next request."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
import uvicorn
from sqlalchemy.ext.asyncio import AsyncConnection

from hongfan.app import create_app
from hongfan.db import Database, create_engine
from tests.hostile.conftest import Served

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUERY = "{ organisations(first: 5) { totalCount edges { node { name } } } }"
# Statements of other connections waiting for the organisation table's lock.
WAITING = sa.text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND state = 'active' AND wait_event_type = 'Lock'"
)


async def until(check: object, seconds: float = 15.0) -> None:
    """Poll ``check`` (an async callable returning bool) until true, at most ``seconds``."""
    give_up = time.monotonic() + seconds
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < give_up, f"still not true after {seconds} s"
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def organisations_locked(served: Served) -> AsyncIterator[AsyncConnection]:
    """Another transaction holds the organisation table: a read of it waits (and is
    seen waiting in pg_stat_activity) until the lock goes or the read is cancelled."""
    async with served.database.engine.connect() as locker:
        await locker.begin()
        await locker.exec_driver_sql("LOCK TABLE organisation IN ACCESS EXCLUSIVE MODE")
        try:
            yield locker
        finally:
            await locker.rollback()


@contextlib.asynccontextmanager
async def uvicorn_serving(database: Database) -> AsyncIterator[int]:
    """The app under a real uvicorn on a free port (the server that sends http.disconnect)."""
    config = uvicorn.Config(
        create_app(database.settings, database),
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        await until(lambda: asyncio.sleep(0, server.started))
        yield int(server.servers[0].sockets[0].getsockname()[1])
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


async def test_given_a_long_graphql_read_when_the_client_disconnects_then_postgres_stops_it(
    served: Served,
) -> None:
    if served.database.dialect != "postgresql":
        pytest.skip("pg_stat_activity shows the statement; SQLite's stop at their deadline")
    # Given a service whose reads may run for a minute
    settings = dataclasses.replace(served.database.settings, statement_timeout_ms=60_000)
    database = Database(settings, create_engine(settings))
    try:
        async with uvicorn_serving(database) as port, organisations_locked(served) as locker:

            async def waiting() -> int:
                # the statistics are a snapshot per transaction: a fresh one each time
                await locker.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
                return int((await locker.execute(WAITING)).scalar_one())

            # When a client asks for organisations while the table is held (its read waits)
            body = json.dumps({"query": QUERY}).encode()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST /graphql HTTP/1.1\r\nhost: hongfan.test\r\n"
                b"content-type: application/json\r\n"
                + f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            await until(lambda: _at_least(waiting, 1))
            # and goes away before the answer
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            # Then its statement is cancelled: nothing waits for the lock any more, well
            # before the minute its deadline allows (the bound here is the poll's, 15 s)
            await until(lambda: _at_most(waiting, 0))
            assert not await reader.read()  # and no answer was sent
            # and its connection went back to the pool (discarded: it was mid-statement) —
            # soon after, not necessarily by the time the lock wait is gone (a loaded CI
            # machine once saw it a moment later)
            pool = database.engine.pool
            await until(lambda: asyncio.sleep(0, pool.checkedout() == 0))  # type: ignore[attr-defined]
        # And the next client is answered at once, on a pool that lost nothing
        async with uvicorn_serving(database) as port:
            for _ in range(settings.db_pool_size + 1):
                answer = await _post(port, body)
                assert answer.startswith(b"HTTP/1.1 200"), answer[:300]
                assert "湖里区".encode() in answer
    finally:
        await database.dispose()
    await served.still_serving()


async def _at_least(count: object, n: int) -> bool:
    return int(await count()) >= n  # type: ignore[operator]


async def _at_most(count: object, n: int) -> bool:
    return int(await count()) <= n  # type: ignore[operator]


async def _post(port: int, body: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nhost: hongfan.test\r\nconnection: close\r\n"
        b"content-type: application/json\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 15)
    writer.close()
    return answer
