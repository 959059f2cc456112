"""Every statement has a deadline (#9.2).

PostgreSQL: ``statement_timeout`` is a connection setting: ``HONGFAN_STATEMENT_TIMEOUT_MS``
for the read engine's connections and the fast lane's alike, and
``HONGFAN_WRITE_STATEMENT_TIMEOUT_MS`` for the write engine's (``hongfan.db.Database``) —
imports write thousands of rows in one statement. Set when a connection opens, it costs a
write transaction no round trip. The server cancels a statement past it (SQLSTATE 57014).

SQLite: a progress handler on each connection interrupts a statement past its deadline
(the same two settings); SQLite then raises ``OperationalError: interrupted``.

:func:`is_statement_timeout` recognises either; the surfaces answer a clear error
(GraphQL: code ``STATEMENT_TIMEOUT``) and never run the cancelled statement again.
"""

from __future__ import annotations

import math
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

from hongfan.settings import Settings

CANCELLED = "57014"  # PostgreSQL: query_canceled (statement_timeout, or a cancel request)
# SQLite calls the progress handler every this many virtual-machine instructions (~0.1 ms).
PROGRESS_EVERY = 10_000
_STATE = "hongfan_deadline"


class StatementTimeout(Exception):  # noqa: N818 — named for what the caller sees
    """A statement ran past its deadline and was cancelled."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"statement cancelled after {seconds:g} s")
        self.seconds = seconds


def is_statement_timeout(error: BaseException) -> bool:
    """True for a statement the database cancelled at its deadline, however it is wrapped."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StatementTimeout):
            return True
        if (
            getattr(current, "sqlstate", None) == CANCELLED
            or getattr(current, "pgcode", None) == CANCELLED
        ):
            return True
        if type(current).__name__ == "OperationalError" and str(current) == "interrupted":
            return True  # sqlite3: the progress handler stopped the statement
        orig = getattr(current, "orig", None)
        current = (
            orig if isinstance(orig, BaseException) else (current.__cause__ or current.__context__)
        )
    return False


def read_seconds(settings: Settings) -> float:
    return settings.statement_timeout_ms / 1000


def postgres_server_settings(settings: Settings, *, write: bool = False) -> dict[str, str]:
    """What each PostgreSQL connection is opened with: a read connection's deadline, or a
    write connection's with ``write`` (0: no deadline)."""
    ms = settings.write_statement_timeout_ms if write else settings.statement_timeout_ms
    return {"statement_timeout": str(max(0, ms))}


def install(engine: AsyncEngine, settings: Settings, write_option: str) -> None:
    """Give a SQLite engine's statements their deadlines (reads, and writes where
    ``write_option`` is set in the execution options). PostgreSQL's are connection
    settings (:func:`postgres_server_settings`)."""
    read_ms = max(0, settings.statement_timeout_ms)
    write_ms = max(0, settings.write_statement_timeout_ms)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        state = {"deadline": math.inf}
        record.info[_STATE] = state

        def progress() -> int:
            return 1 if time.monotonic() > state["deadline"] else 0

        driver = getattr(
            dbapi_connection, "_connection", None
        )  # aiosqlite, behind SQLAlchemy's adapter
        raw = getattr(driver, "_conn", None)
        if driver is not None and raw is not None:
            # aiosqlite's own thread owns the sqlite3 connection: set it there.
            await_only(driver._execute(raw.set_progress_handler, progress, PROGRESS_EVERY))
        elif hasattr(dbapi_connection, "set_progress_handler"):  # plain sqlite3
            dbapi_connection.set_progress_handler(progress, PROGRESS_EVERY)

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _start(connection: sa.Connection, *_args: Any) -> None:
        state = connection.connection.info.get(_STATE)
        if state is not None:
            write = connection.get_execution_options().get(write_option, False)
            limit = write_ms if write else read_ms
            state["deadline"] = time.monotonic() + limit / 1000 if limit else math.inf

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def _stop(connection: sa.Connection, *_args: Any) -> None:
        state = connection.connection.info.get(_STATE)
        if state is not None:
            state["deadline"] = math.inf

    @event.listens_for(engine.sync_engine, "handle_error")
    def _failed(context: Any) -> None:
        connection = context.connection
        state = connection.connection.info.get(_STATE) if connection is not None else None
        if state is not None:
            state["deadline"] = math.inf  # the rollback that follows has no deadline


__all__ = [
    "StatementTimeout",
    "install",
    "is_statement_timeout",
    "postgres_server_settings",
    "read_seconds",
]
