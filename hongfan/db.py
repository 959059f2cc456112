"""Engines and sessions. ``Database.session(principal)`` is the one way to a session."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hongfan import deadline, keys, redaction, row_scope
from hongfan.errors import HongfanError
from hongfan.principal import Principal
from hongfan.settings import Settings
from hongfan.unavailable import is_unavailable
from models import search

log = logging.getLogger(__name__)

WRITE = "hongfan_write"
# Session flag: the statement that writes (and, without a transaction, commits) was sent.
WRITE_SENT = "hongfan_write_sent"
T = TypeVar("T")


def _configure_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so writes can BEGIN IMMEDIATE:
        # a deferred BEGIN that later writes fails with SQLITE_BUSY under
        # concurrency instead of waiting for the busy timeout.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # SQLite's busy handler retries a locked database (with backoff) for this long;
        # past it the error is a 503 (hongfan.unavailable), never a 500.
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _drop_closed_connections(engine: AsyncEngine) -> None:
    """Hand out no connection the driver already knows is closed — without a round trip.

    Instead of a pre-ping per checkout (one round trip each), a connection that the server
    or the network closed (a restart, a cut link: the socket saw EOF or a reset) is
    recognised locally (asyncpg's ``is_closed``) and replaced before use. One that died
    silently fails on its first statement: SQLAlchemy then invalidates it and every
    connection opened before it (the pool is renewed), and the request is a 503 — or
    :meth:`Database.write` runs a write again once, since nothing of it was committed.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = getattr(dbapi_connection, "_connection", None)  # asyncpg, behind the adapter
        if driver is not None and driver.is_closed():
            raise sa.exc.DisconnectionError("the connection was closed")

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: sa.engine.ExceptionContext) -> None:
        # A connection the server ended while it sat in the pool can fail with a driver
        # error SQLAlchemy does not count as a disconnect (asyncpg: "cannot switch to
        # state …; another operation is in progress"): it must not go back to the pool.
        if not context.is_disconnect and is_unavailable(context.original_exception):
            context.is_disconnect = True


def create_engine(settings: Settings, *, write: bool = False) -> AsyncEngine:
    """The engine for ``settings``' database. PostgreSQL: ``write`` gives its connections the
    write deadline as their default (see :class:`Database`)."""
    url = sa.make_url(settings.database_url)
    # Statement parameters are personal data (ID numbers, phones): never in a log line or
    # an exception's text, even with echo on (#12.3).
    kwargs: dict[str, Any] = {"echo": settings.db_echo, "hide_parameters": True}
    if url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30}
    else:
        # Plan every statement for its own values: a generic plan cannot see a search term
        # or a skewed filter value and was measured 50–100× slower on those queries.
        kwargs["connect_args"] = {
            "server_settings": {
                "plan_cache_mode": "force_custom_plan",
                **deadline.postgres_server_settings(settings, write=write),
            },
            # a database that does not answer is a 503 within seconds, not a minute's hang
            "timeout": settings.db_connect_timeout_seconds,
        }
        kwargs.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=10,
        )
    engine = create_async_engine(url, **kwargs)
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine, settings.sqlite_busy_timeout_ms)
        deadline.install(engine, settings, WRITE)
    else:
        _drop_closed_connections(engine)
    return engine


async def _nothing_to_reset(_connection: Any) -> None:
    return None


class Database:
    """The database: read, lookup and write sessions over one or two engines.

    On PostgreSQL writes have an engine (a pool) of their own, whose connections carry the
    write deadline as their default ``statement_timeout``: a write transaction needs no
    ``SET LOCAL`` round trip of its own. A version-checked update is then two round trips
    — its read, and the UPDATE with its audit entry, which needs no BEGIN or COMMIT around
    it (``one_statement``, #16.6); a write of several statements adds BEGIN and COMMIT.
    SQLite has one writer, in-process.
    """

    def __init__(self, settings: Settings, engine: AsyncEngine | None = None) -> None:
        row_scope.install()
        redaction.install()
        keys.load(settings)  # sealed columns need it; a clear error when it is missing or bad
        self.settings = settings
        self.engine = engine or create_engine(settings)
        self.write_engine = self.engine
        if self.engine.dialect.name == "postgresql":
            # the same database as the given engine (a test may point it elsewhere)
            url = self.engine.url.render_as_string(hide_password=False)
            self.write_engine = create_engine(
                dataclasses.replace(settings, database_url=url), write=True
            )
        self._reads = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._writes = async_sessionmaker(
            self.write_engine.execution_options(**{WRITE: True}),
            expire_on_commit=False,
            autoflush=False,
        )
        # A write whose only change is one statement (atomic by itself) needs no transaction
        # around it on PostgreSQL: no BEGIN and COMMIT round trips, and the row it changes is
        # locked only while that statement runs (:meth:`write`, ``one_statement``).
        self._one_statement_writes = (
            async_sessionmaker(
                self.write_engine.execution_options(**{WRITE: True}, isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
                autoflush=False,
            )
            if self.engine.dialect.name == "postgresql"
            else None
        )
        # Credential lookups are single reads: on PostgreSQL they run outside a transaction,
        # which spares each request's lookup the BEGIN and ROLLBACK round trips (#16.6).
        # (SQLite begins its transactions itself, in-process: nothing to spare there.)
        self._lookups = (
            async_sessionmaker(
                self.engine.execution_options(isolation_level="AUTOCOMMIT"),
                expire_on_commit=False,
                autoflush=False,
            )
            if self.engine.dialect.name == "postgresql"
            else self._reads
        )
        self._driver_pool: Any = None
        self._driver_pool_lock = asyncio.Lock()

    @property
    def engines(self) -> tuple[AsyncEngine, ...]:
        """Every engine this database sends statements through (reads first)."""
        if self.write_engine is self.engine:
            return (self.engine,)
        return (self.engine, self.write_engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, principal: Principal, *, write: bool = False) -> AsyncSession:
        """A session whose every statement runs under ``principal``'s row scope."""
        maker = self._writes if write else self._reads
        session = maker()
        session.info["principal"] = principal
        return session

    def lookup_session(self, principal: Principal) -> AsyncSession:
        """A read session for lookups that need no transaction (a credential and its user):
        each statement on its own, no BEGIN/ROLLBACK on PostgreSQL. Never for writes."""
        session = self._lookups()
        session.info["principal"] = principal
        return session

    @asynccontextmanager
    async def transaction(
        self, principal: Principal, *, one_statement: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A write session in one transaction: committed on success, rolled back on error.

        ``one_statement`` (PostgreSQL): the caller writes one statement at most, which is
        atomic by itself: its statements run without BEGIN/COMMIT (each commits as it ends),
        and reads see committed data as in a transaction at READ COMMITTED."""
        maker = self._one_statement_writes if one_statement else None
        try:
            if maker is None:
                session = self.session(principal, write=True)
            else:
                session = maker()
                session.info["principal"] = principal
            async with session, session.begin():
                yield session
                if maker is not None and (session.new or session.dirty or session.deleted):
                    raise RuntimeError("a one-statement write left changes for a flush")
        except HongfanError as error:
            if error.after_rollback:  # what the refusal itself must leave in the audit log
                async with self.session(principal, write=True) as session, session.begin():
                    session.add_all(error.after_rollback)
            raise

    async def write(
        self,
        principal: Principal,
        action: Callable[[AsyncSession], Awaitable[T]],
        *,
        request_id: str | None = None,
        one_statement: bool = False,
    ) -> T:
        """``action`` in one write transaction (:meth:`transaction`); its result.

        A connection that turns out dead (it died silently since its last use: the server
        restarted, the network dropped it) fails the transaction before its COMMIT was
        sent, so nothing of it was written: the action runs once more, on a fresh
        connection — the pool has been renewed — instead of answering 503. A failure
        during COMMIT is not run again: it may have committed (a 503, and the client's
        retry with the version it read tells).

        ``one_statement``: ``action`` changes the database by one statement at most (a
        version-checked update with its audit entry, hongfan.crud): on PostgreSQL it runs
        without a transaction (:meth:`transaction`). That statement is its commit: once it
        was sent (:data:`WRITE_SENT`), a failure is not run again either.
        """
        for attempt in (1, 2):
            acted = False
            info: dict[str, Any] = {}
            try:
                async with self.transaction(principal, one_statement=one_statement) as session:
                    info = session.info
                    if request_id is not None:
                        session.info["request_id"] = request_id
                    result = await action(session)
                    acted = True
                return result
            except sa.exc.DBAPIError as error:
                # without a transaction, the writing statement once sent may have committed
                committed = self._one_statement_writes is not None and one_statement
                sent = committed and info.get(WRITE_SENT, False)
                if attempt == 2 or acted or sent or not error.connection_invalidated:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def ping(self, timeout: float = 2.0) -> None:
        """Raise unless the database answers within ``timeout`` seconds.

        A readiness probe must fail fast while the database is down, not hang for the
        pool's or the driver's own (much longer) timeouts.
        """

        async def probe() -> None:
            async with self.engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")

        await asyncio.wait_for(probe(), timeout)

    async def refresh_search_statistics(self) -> None:
        """Read which search terms are frequent (``models.search.refresh_gram_shares``)."""
        if self.dialect != "postgresql":
            return
        async with self.engine.connect() as connection:
            await search.refresh_gram_shares(connection)

    async def keep_search_statistics(self) -> None:
        """Refresh them every ``search.REFRESH_SECONDS`` until cancelled (a failure: the
        cached ones stay until the next try)."""
        while True:
            await asyncio.sleep(search.REFRESH_SECONDS)
            try:
                await self.refresh_search_statistics()
            except Exception as error:  # noqa: BLE001 — they choose a plan, never the answer
                log.warning("search statistics not refreshed: %s", type(error).__name__)

    async def driver_pool(self) -> Any:
        """A small asyncpg pool beside SQLAlchemy's, for statements replayed verbatim.

        ``graph.fastlane`` re-runs SQL that SQLAlchemy compiled earlier; going through the
        ORM session again would cost more than the statement itself. PostgreSQL only.
        """
        if self._driver_pool is None:
            async with self._driver_pool_lock:
                if self._driver_pool is None:
                    import asyncpg

                    url = self.engine.url.set(drivername="postgresql")
                    self._driver_pool = await asyncpg.create_pool(
                        url.render_as_string(hide_password=False),
                        min_size=1,
                        max_size=max(1, self.settings.db_pool_size),
                        # Literals inlined by graph.fastlane rely on standard strings.
                        server_settings={
                            "plan_cache_mode": "force_custom_plan",
                            "standard_conforming_strings": "on",
                            **deadline.postgres_server_settings(self.settings),
                        },
                        # to connect; a failure sends the request the normal way
                        timeout=self.settings.db_connect_timeout_seconds,
                        # Its statements are single SELECTs that change nothing of the
                        # session: asyncpg's default reset (UNLISTEN, RESET ALL, … — a round
                        # trip on every release) has nothing to undo. An open transaction
                        # is still rolled back by asyncpg itself.
                        reset=_nothing_to_reset,
                    )
        return self._driver_pool

    async def dispose(self) -> None:
        pool, self._driver_pool = self._driver_pool, None
        if pool is not None:
            await pool.close()
        for engine in self.engines:
            await engine.dispose()
