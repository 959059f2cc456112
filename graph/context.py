"""Per-request context: the caller, one database session, and the DataLoaders."""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Awaitable, Callable, Hashable
from time import monotonic
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from graph.errors import UserError
from hongfan import deadline, reads
from hongfan.db import Database
from hongfan.disconnect import client_gone
from hongfan.principal import Principal
from hongfan.settings import Settings
from models.audit import AuditEntry
from models.messages import message


class SharedLoader(DataLoader[Any, Any]):
    """A DataLoader whose loads survive the cancellation of one of their waiters.

    Resolvers asking for the same key share one future. graphql-core (3.3+) cancels
    a failed field's siblings, and awaiting a bare future from a cancelled task
    cancels the future itself, so every other resolver waiting for that key would
    fail with ``CancelledError``. Each waiter gets its own shield instead.
    """

    def load(self, key: Any) -> Awaitable[Any]:
        return asyncio.shield(super().load(key))

    def load_many(self, keys: Any) -> Awaitable[list[Any]]:
        return asyncio.gather(*(self.load(key) for key in keys))


class Context:
    """What every resolver receives as ``info.context``.

    Reads share one session (one connection, one transaction) per request.
    strawberry resolves sibling fields concurrently and an AsyncSession must
    not be used by two coroutines at once, so reads are serialised by a lock:
    DataLoader batching keeps the number of statements small anyway.
    """

    def __init__(
        self, db: Database, settings: Settings, principal: Principal, request: Any = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.principal = principal
        self.request = request
        self.request_id = uuid.uuid4().hex
        self._session: AsyncSession | None = None
        self._closed = False
        self._lock = asyncio.Lock()
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}
        # (type name, record id) → (organisation id, fields read in clear)
        self._sensitive_reads: dict[tuple[str, int], tuple[int | None, set[str]]] = {}
        # type name → sensitive fields the request looked records up by (filters), audited
        self.lookups: dict[str, set[str]] = {}
        # Answer plannable read queries from one SQL statement (graph.planner).
        self.planning_enabled = settings.planner
        self.planned = False  # set when the planner answered, for tests and benchmarks
        # What the planner ran, when its JSON was the whole answer (graph.fastlane).
        self.replayable: Any = None
        self._timed_out = False
        # The read deadline spans the request's reads, Python work between statements
        # included (SQLite's progress handler only sees inside a statement): from the
        # first read, no statement starts past it (#9.2).
        self._reads_deadline: float | None = None

    @property
    def language(self) -> str:
        return self.principal.language

    async def _shielded(self, work: Callable[[], Awaitable[Any]]) -> Any:
        """Run ``work`` under the session lock, shielded from the caller's cancellation.

        graphql-core (3.3+) cancels a field's sibling resolvers as soon as one of them
        fails, and a client that goes away cancels the whole request. Cancelling
        asyncpg mid-statement closes the connection, which would fail every other read
        of the request and its clean-up; so a started statement always runs to its end,
        still holding the lock, and ``close`` waits for it — unless the client has gone
        away (:func:`hongfan.disconnect.client_gone`): then the statement is cancelled too.
        """

        async def locked() -> Any:
            async with self._lock:
                if self._timed_out:  # the request's transaction is spent: no statement runs again
                    raise self._timeout_error()
                self._check_reads_deadline()
                try:
                    return await work()
                except Exception as error:
                    if deadline.is_statement_timeout(error):
                        self._timed_out = True
                        raise self._timeout_error() from error
                    raise

        task = asyncio.ensure_future(locked())
        # An abandoned task's failure is nobody's answer: retrieve it so it is not logged.
        task.add_done_callback(lambda done: None if done.cancelled() else done.exception())
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if client_gone(getattr(self.request, "scope", None)):
                # nobody waits for the answer (hongfan.disconnect): PostgreSQL stops the
                # statement (asyncpg sends a cancel request) instead of running it on
                task.cancel()
            raise

    def _check_reads_deadline(self) -> None:
        now = monotonic()
        if self._reads_deadline is None:
            seconds = deadline.read_seconds(self.settings)
            self._reads_deadline = now + seconds if seconds > 0 else math.inf
        elif now > self._reads_deadline:
            self._timed_out = True
            raise self._timeout_error()

    def _timeout_error(self) -> UserError:
        seconds = deadline.read_seconds(self.settings)
        return UserError(
            message("statement.timeout", self.language, seconds=f"{seconds:g}"),
            code="STATEMENT_TIMEOUT",
        )

    @property
    def timed_out(self) -> bool:
        """A statement of this request passed its deadline (#9.2): nothing may run it again."""
        return self._timed_out

    def _ensure_session(self) -> AsyncSession:
        if self._closed:
            # A DataLoader batch dispatched by a resolver that was cancelled (a sibling
            # failed) may run after the request ended: it must not open a session that
            # nobody closes (it would sit "idle in transaction", holding its locks).
            raise RuntimeError("the request is over; its reads are closed")
        if self._session is None:
            self._session = self.db.session(self.principal)
            self._session.info["request_id"] = self.request_id
        return self._session

    async def execute(self, statement: Any) -> Any:
        return await self._shielded(lambda: self._ensure_session().execute(statement))

    async def count_within(self, statement: Any, budget_ms: int) -> int | None:
        """The scoped count ``statement`` returns, or None when it takes over ``budget_ms``.

        PostgreSQL: the count runs in a savepoint under ``SET LOCAL statement_timeout``;
        rolling the savepoint back afterwards (it read nothing it must keep) restores the
        timeout, and a count cancelled by it leaves the request's other reads working.
        SQLite has no statement timeout: the count is simply made.
        """
        return await self._shielded(lambda: self._count_within(statement, budget_ms))  # type: ignore[no-any-return]

    async def _count_within(self, statement: Any, budget_ms: int) -> int | None:
        return await reads.count_within(self._ensure_session(), statement, budget_ms)

    async def execute_isolated(self, statement: Any) -> Any:
        """Run ``statement`` in a savepoint: if it fails, the request's other reads still work."""
        return await self._shielded(lambda: self._execute_isolated(statement))

    async def _execute_isolated(self, statement: Any) -> Any:
        session = self._ensure_session()
        if not session.in_transaction():
            # Nothing read yet in this request: on failure roll the whole (empty)
            # transaction back instead of paying two round trips for a savepoint.
            try:
                return list((await session.execute(statement)).all())
            except Exception:
                await session.rollback()
                raise
        async with session.begin_nested():
            result = await session.execute(statement)
            return list(result.all())

    def loader(
        self, key: Hashable, batch: Callable[[list[Any]], Awaitable[list[Any]]]
    ) -> DataLoader[Any, Any]:
        """The request's DataLoader for ``key``, created on first use."""
        existing = self._loaders.get(key)
        if existing is None:
            existing = SharedLoader(load_fn=batch)
            self._loaders[key] = existing
        return existing

    def forget_loaded(self) -> None:
        """Drop cached loads after a write, so the payload shows what was written."""
        self._loaders.clear()

    def note_sensitive_read(
        self, type_name: str, record_id: int, organisation_id: int | None, field: str
    ) -> None:
        _, fields = self._sensitive_reads.setdefault(
            (type_name, record_id), (organisation_id, set())
        )
        fields.add(field)

    def note_lookup(self, type_name: str, field: str) -> None:
        self.lookups.setdefault(type_name, set()).add(field)

    async def _write_sensitive_reads(self) -> None:
        """One audit entry per record whose sensitive fields were read in clear."""
        reads, self._sensitive_reads = self._sensitive_reads, {}
        entries = [
            AuditEntry(
                actor=self.principal.actor,
                action="read_sensitive",
                entity=type_name,
                record_id=record_id,
                changes={"fields": sorted(fields)},
                request_id=self.request_id,
                organisation_id=organisation_id,
            )
            for (type_name, record_id), (organisation_id, fields) in reads.items()
        ]
        lookups, self.lookups = self.lookups, {}
        entries += [
            AuditEntry(
                actor=self.principal.actor,
                action="lookup_sensitive",
                entity=type_name,
                record_id=0,
                changes={"fields": sorted(fields), "surface": "graphql"},
                request_id=self.request_id,
                organisation_id=self.principal.organisation_id,
            )
            for type_name, fields in lookups.items()
        ]
        async with self.db.transaction(self.principal) as session:
            session.add_all(entries)

    async def close(self) -> None:
        try:
            if self._sensitive_reads or self.lookups:
                await self._write_sensitive_reads()
        finally:
            async with self._lock:  # a shielded statement may still be running
                self._closed = True
                if self._session is not None:
                    session, self._session = self._session, None
                    await session.close()
