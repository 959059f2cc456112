"""The read deadline spans a request's Python work between statements, not only each statement.

SQLite's progress handler stops a statement past HONGFAN_STATEMENT_TIMEOUT_MS, but a
request issuing many quick statements with Python work between them (thousands of
nested rows resolved one batch at a time) could run for minutes. From its first read, a
request's reads share the deadline: no statement starts past it.
"""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

import graph.context
from graph.context import Context
from graph.errors import UserError
from hongfan.db import Database
from hongfan.principal import SYSTEM


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_given_a_request_past_its_read_deadline_when_it_asks_for_another_statement_then_statement_timeout(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(graph.context, "monotonic", clock)
    settings = dataclasses.replace(database.settings, statement_timeout_ms=5000)
    context = Context(database, settings, SYSTEM)
    try:
        assert (await context.execute(sa.text("SELECT 1"))).scalar() == 1
        clock.now += 4.0  # Python work between statements, within the deadline
        assert (await context.execute(sa.text("SELECT 2"))).scalar() == 2
        clock.now += 2.0  # now six seconds after the first read
        with pytest.raises(UserError) as refused:
            await context.execute(sa.text("SELECT 3"))
        assert refused.value.extensions == {"code": "STATEMENT_TIMEOUT"}
        assert context.timed_out
    finally:
        await context.close()


async def test_without_a_deadline_a_request_reads_on(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    monkeypatch.setattr(graph.context, "monotonic", clock)
    context = Context(
        database, dataclasses.replace(database.settings, statement_timeout_ms=0), SYSTEM
    )
    try:
        await context.execute(sa.text("SELECT 1"))
        clock.now += 10_000
        assert (await context.execute(sa.text("SELECT 2"))).scalar() == 2
    finally:
        await context.close()
