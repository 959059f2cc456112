"""Every statement has a deadline: past it the database cancels it, the caller gets
STATEMENT_TIMEOUT, and no path runs the cancelled statement again (#9.2)."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa

from hongfan import deadline
from hongfan.db import Database, create_engine
from hongfan.principal import SYSTEM
from tests.hostile.conftest import Served, serve

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Work that takes seconds on either database.
SLOW = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(30)",
}
QUERY = "{ organisations(first: 5) { totalCount edges { node { name } } } }"


async def test_a_statement_past_its_deadline_is_cancelled_and_the_connection_serves_on(
    served: Served,
):
    # Given an engine whose reads have 200 ms and whose writes have 400 ms
    settings = dataclasses.replace(
        served.database.settings, statement_timeout_ms=200, write_statement_timeout_ms=400
    )
    database = Database(settings, create_engine(settings))
    try:
        for write in (False, True):
            session = database.session(SYSTEM, write=write)
            async with session:
                # When a statement would run for seconds, then the database cancels it
                with pytest.raises(sa.exc.DBAPIError) as caught:
                    await session.execute(sa.text(SLOW[database.dialect]))
                assert deadline.is_statement_timeout(caught.value)
            # and the next statement is answered
            async with database.session(SYSTEM) as session:
                assert (await session.execute(sa.text("SELECT 1"))).scalar() == 1
    finally:
        await database.dispose()


@contextlib.asynccontextmanager
async def _tight(served: Served) -> AsyncIterator[Database]:
    """The module's database behind an engine whose reads have 300 ms."""
    settings = dataclasses.replace(served.database.settings, statement_timeout_ms=300)
    database = Database(settings, create_engine(settings))
    try:
        yield database
    finally:
        await database.dispose()


class Statements:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.sent.append(statement)


async def _with_table_locked(served: Served, work: Any) -> Any:
    """Run ``work`` while another transaction holds the organisation table (PostgreSQL)."""
    async with served.database.engine.connect() as locker:
        await locker.begin()
        await locker.exec_driver_sql("LOCK TABLE organisation IN ACCESS EXCLUSIVE MODE")
        try:
            return await work()
        finally:
            await locker.rollback()


async def test_a_read_past_its_deadline_is_statement_timeout_and_runs_once(served: Served):
    if served.database.dialect != "postgresql":
        pytest.skip("a lock holds the read past its deadline on PostgreSQL; SQLite: the test above")
    async with _tight(served) as database, serve(database) as server:
        counter = Statements()
        engine = database.engine.sync_engine

        async def ask() -> Any:
            sa.event.listen(engine, "before_cursor_execute", counter)
            try:
                return await server.graphql({"query": QUERY}, headers={"accept-language": "en"})
            finally:
                sa.event.remove(engine, "before_cursor_execute", counter)

        response = await _with_table_locked(served, ask)
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "STATEMENT_TIMEOUT", body
        assert "took too long" in body["errors"][0]["message"]
        # the planned statement ran once; neither the field-by-field path nor a count re-ran it
        assert len([s for s in counter.sent if "organisation" in s]) == 1, counter.sent
    await served.still_serving()


async def test_a_replayed_read_past_its_deadline_is_not_run_again(served: Served):
    if served.database.dialect != "postgresql":
        pytest.skip("the fast lane replays PostgreSQL statements")
    async with _tight(served) as database, serve(database) as server:
        for _ in range(2):  # answered, then replayed
            assert "errors" not in (await server.graphql({"query": QUERY})).json()
        fastlane = server.app.state.fastlane
        assert fastlane.hits == 1
        counter = Statements()
        engine = database.engine.sync_engine

        async def ask() -> Any:
            sa.event.listen(engine, "before_cursor_execute", counter)
            try:
                return await server.graphql({"query": QUERY})
            finally:
                sa.event.remove(engine, "before_cursor_execute", counter)

        statements_before = fastlane.statements
        response = await _with_table_locked(served, ask)
        body = response.json()
        assert body["errors"][0]["extensions"]["code"] == "STATEMENT_TIMEOUT", body
        assert "超时" in body["errors"][0]["message"]
        assert fastlane.statements == statements_before + 1
        assert counter.sent == []  # the normal path did not run it again
    await served.still_serving()


async def test_a_write_past_its_deadline_is_statement_timeout_and_writes_nothing(served: Served):
    if served.database.dialect != "postgresql":
        pytest.skip("a lock holds the write past its deadline on PostgreSQL")
    from graph.context import Context
    from graph.schema import build_schema

    settings = dataclasses.replace(served.database.settings, write_statement_timeout_ms=300)
    database = Database(settings, create_engine(settings))
    mutation = 'mutation { createOrganisation(input: {name: "新组织"}) { organisation { id } errors { code } } }'

    async def create() -> Any:
        context = Context(database, settings, SYSTEM)
        try:
            return await build_schema().execute(mutation, context_value=context)
        finally:
            await context.close()

    try:
        result = await _with_table_locked(served, create)
    finally:
        await database.dispose()
    assert result.errors and result.errors[0].extensions["code"] == "STATEMENT_TIMEOUT", (
        result.errors
    )
    await served.still_serving()  # and the two organisations are still the only ones
