"""Persisted operations in the database, shared by every process (issue #14.4).

* :class:`PersistedStore` — Apollo's automatic persisted queries: documents by the
  SHA-256 of their text. It is bounded: a document longer than
  ``HONGFAN_PERSISTED_MAX_CHARS`` characters, one that does not parse, or any new one
  once ``HONGFAN_PERSISTED_MAX_COUNT`` are stored, is run but not stored — the next
  request by hash alone gets ``PERSISTED_QUERY_NOT_FOUND`` and the client sends the text
  again, as it does for any miss (a warning is logged once per process when full).
  Documents bound to partner tokens are stored whatever the count. An anonymous caller
  may add at most ``HONGFAN_PERSISTED_ANONYMOUS_PER_HOUR`` new documents an hour from one
  client address (:class:`AddressQuota`, per process); past that its documents run
  without being stored, so nobody can fill the store for everyone else.
* the allow-lists of partner tokens: :func:`bind_operations` when a token is created,
  :meth:`PersistedStore.allowed` when it is used. Neither changes after the token is
  created (a new list is a new token), so each process caches them.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from graphql import GraphQLError, parse
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hongfan.accounts.common import AUTH
from hongfan.operations import Operation, operations_of, sha256_hex
from models.persisted import PersistedOperation, TokenOperation

log = logging.getLogger(__name__)

CACHE_SIZE = 1024


def _put(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


class AddressQuota:
    """At most ``per_hour`` events an hour per client address (a sliding window, in memory:
    each process counts its own; the least recently seen addresses are forgotten first)."""

    WINDOW = 3600.0
    MAX_ADDRESSES = 10_000

    def __init__(self, per_hour: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_hour = per_hour
        self.clock = clock
        self.events: OrderedDict[str, deque[float]] = OrderedDict()

    def take(self, address: str) -> bool:
        """Count one event for ``address``; False (and nothing counted) when it is over."""
        now = self.clock()
        events = self.events.get(address)
        if events is None:
            events = self.events[address] = deque()
            while len(self.events) > self.MAX_ADDRESSES:
                self.events.popitem(last=False)
        self.events.move_to_end(address)
        while events and events[0] <= now - self.WINDOW:
            events.popleft()
        if len(events) >= self.per_hour:
            return False
        events.append(now)
        return True


class PersistedStore:
    """Documents by hash, and token allow-lists, read through small per-process caches."""

    def __init__(self, database: Any, max_chars: int, max_count: int) -> None:
        self.database = database
        self.max_chars = max_chars
        self.max_count = max_count
        self.documents: OrderedDict[str, str] = OrderedDict()
        self.allow_lists: OrderedDict[int, dict[str, str] | None] = OrderedDict()
        self.full_logged = False

    async def get(self, sha256: str) -> str | None:
        """The document stored under ``sha256`` (lower-case hex), or None."""
        cached = self.documents.get(sha256)
        if cached is not None:
            self.documents.move_to_end(sha256)
            return cached
        async with self.database.session(AUTH) as session:
            document = (
                await session.execute(
                    sa.select(col(PersistedOperation.document)).where(
                        col(PersistedOperation.sha256) == sha256
                    )
                )
            ).scalar_one_or_none()
        if document is not None:
            _put(self.documents, sha256, document)
        return document

    def storable(self, document: str) -> bool:
        if len(document) > self.max_chars:
            return False
        try:
            parse(document, no_location=True)
        except GraphQLError:
            return False
        return True

    async def put(
        self, sha256: str, document: str, may_add: Callable[[], bool] | None = None
    ) -> bool:
        """Store ``document`` (whose SHA-256 the caller checked); True when it is stored now.

        ``may_add``, when given, is asked only when the document is new: False leaves it
        unstored (the caller's quota is spent)."""
        if sha256 in self.documents:
            return True
        if not self.storable(document):
            return False
        async with self.database.transaction(AUTH) as session:
            known = (
                await session.execute(
                    sa.select(col(PersistedOperation.sha256)).where(
                        col(PersistedOperation.sha256) == sha256
                    )
                )
            ).scalar_one_or_none()
            if known is None:
                count = (
                    await session.execute(
                        sa.select(sa.func.count()).select_from(PersistedOperation)
                    )
                ).scalar_one()
                if count >= self.max_count:
                    if not self.full_logged:
                        self.full_logged = True
                        log.warning(
                            "persisted operations: %d stored, the limit (HONGFAN_PERSISTED_MAX_COUNT);"
                            " new ones run without being stored",
                            count,
                        )
                    return False
                if may_add is not None and not may_add():
                    return False
                session.add(PersistedOperation(sha256=sha256, document=document))
        _put(self.documents, sha256, document)
        return True

    async def allowed(self, token_id: int) -> dict[str, str] | None:
        """The token's operations (canonical SHA-256 → name); None when it may run any."""
        if token_id in self.allow_lists:
            self.allow_lists.move_to_end(token_id)
            return self.allow_lists[token_id]
        async with self.database.session(AUTH) as session:
            rows = (
                await session.execute(
                    sa.select(col(TokenOperation.sha256), col(TokenOperation.name)).where(
                        col(TokenOperation.token_id) == token_id
                    )
                )
            ).all()
        allow_list = {sha: name for sha, name in rows} or None
        _put(self.allow_lists, token_id, allow_list)
        return allow_list


async def bind_operations(
    session: AsyncSession, token_id: int, operations: list[Operation]
) -> None:
    """Bind a new token to ``operations`` and store their canonical texts by hash, so a
    partner may send the hash alone from the first request on."""
    for operation in operations:
        session.add(TokenOperation(token_id=token_id, name=operation.name, sha256=operation.sha256))
        exists = (
            await session.execute(
                sa.select(col(PersistedOperation.sha256)).where(
                    col(PersistedOperation.sha256) == operation.sha256
                )
            )
        ).scalar_one_or_none()
        if exists is None:
            session.add(PersistedOperation(sha256=operation.sha256, document=operation.canonical))
    await session.flush()


async def token_operation_names(
    session: AsyncSession, token_ids: list[int]
) -> dict[int, list[str]]:
    """The names of the operations each of ``token_ids`` is bound to (absent: unbound)."""
    if not token_ids:
        return {}
    rows = (
        await session.execute(
            sa.select(col(TokenOperation.token_id), col(TokenOperation.name))
            .where(col(TokenOperation.token_id).in_(token_ids))
            .order_by(col(TokenOperation.id))
        )
    ).all()
    names: dict[int, list[str]] = {}
    for token_id, name in rows:
        names.setdefault(token_id, []).append(name)
    return names


__all__ = [
    "AddressQuota",
    "PersistedStore",
    "bind_operations",
    "operations_of",
    "sha256_hex",
    "token_operation_names",
]
