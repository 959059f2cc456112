"""Who a bearer token is, remembered between requests and forgotten when it may change.

Every request with a token used to begin by reading the token, its account and the path
of the account's organisation: a round trip and an ORM read, a quarter of the app's work
for a version-checked update (#16.6). A process now keeps that answer for
``HONGFAN_CREDENTIAL_CACHE_SECONDS`` (30 s; 0 turns this off) and forgets all of it the
moment PostgreSQL announces that a token, an account or an organisation's path changed:
triggers (migration 0021) ``NOTIFY hongfan_credentials`` when such a write commits,
whoever made it — this process, another one, the command line or a hand-written
statement — and this process ``LISTEN``\\ s on a connection of its own. So a revoked
token, a deactivated account or a changed role is refused by every process as soon as
the notification arrives (well under a millisecond on one machine), as it was when every
request read the database.

Nothing is kept while that connection is not listening — before it is up, after it
dropped (or failed its ping every :data:`PING_SECONDS`), on SQLite, and when the app is
used without its lifespan (tests driving it in-process): every request then reads the
database. A lookup that began before a change and finished after it is not kept (the
:attr:`CredentialCache.generation` moved). A token that does not authenticate is never
kept, so a guess costs what it did. Entries are keyed by the token's SHA-256 digest (what
the database keeps), never the token; the language of a request is not part of them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hongfan.principal import Principal
from models.accounts import CREDENTIALS_CHANNEL
from models.base import utcnow

CHANNEL = CREDENTIALS_CHANNEL  # the triggers of models.accounts (migration 0021) notify it
PING_SECONDS = 5.0  # how often the listening connection proves it is alive
PING_TIMEOUT_SECONDS = 2.0
RETRY_SECONDS = 2.0  # after the listening connection failed, before connecting again
CAPACITY = 10_000  # entries; past it the cache starts again empty

log = logging.getLogger(__name__)


@dataclass
class Remembered:
    """A token that authenticated: its id, the principal (language aside), when it
    expires (UTC, or None) and when its use was last recorded (``last_used_at``)."""

    token_id: int
    principal: Principal
    expires_at: datetime | None
    last_used_at: datetime | None
    stored_at: float  # time.monotonic()


class CredentialCache:
    """Tokens' principals by digest, for ``seconds`` at most, while :attr:`listening`."""

    def __init__(self, seconds: int, capacity: int = CAPACITY) -> None:
        self.seconds = seconds
        self.capacity = capacity
        self.listening = False
        self.generation = 0  # moves whenever everything is forgotten
        self.hits = 0
        self._entries: dict[str, Remembered] = {}

    @property
    def active(self) -> bool:
        return self.listening and self.seconds > 0

    def get(self, digest: str) -> Remembered | None:
        """The remembered answer for a token's digest, if it is still good."""
        if not self.active:
            return None
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if time.monotonic() - entry.stored_at >= self.seconds or (
            entry.expires_at is not None and entry.expires_at <= utcnow()
        ):
            self._entries.pop(digest, None)
            return None
        self.hits += 1
        return entry

    def put(self, digest: str, entry: Remembered, generation: int) -> None:
        """Keep ``entry`` unless something changed since its lookup began (``generation``,
        read before it) or nothing may be kept now."""
        if not self.active or generation != self.generation:
            return
        if len(self._entries) >= self.capacity:
            self._entries.clear()
        self._entries[digest] = entry

    def forget_all(self) -> None:
        self.generation += 1
        self._entries.clear()

    def _notified(self, *_args: Any) -> None:
        self.forget_all()

    def _stopped_listening(self, *_args: Any) -> None:
        self.listening = False
        self.forget_all()

    async def listen(self, dsn: str, connect_timeout: float) -> None:
        """Listen on :data:`CHANNEL` until cancelled, reconnecting after a failure; keep
        entries only while the connection is up and answers its pings."""
        import asyncpg

        while True:
            connection: Any = None
            try:
                connection = await asyncpg.connect(dsn, timeout=connect_timeout)
                connection.add_termination_listener(self._stopped_listening)
                await connection.add_listener(CHANNEL, self._notified)
                self.forget_all()  # whatever changed while nobody listened
                self.listening = True
                while True:
                    await asyncio.sleep(PING_SECONDS)
                    await asyncio.wait_for(connection.fetchval("SELECT 1"), PING_TIMEOUT_SECONDS)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 — without it, requests read the database
                log.warning("credential cache not listening: %s", type(error).__name__)
            finally:
                self._stopped_listening()
                if connection is not None and not connection.is_closed():
                    connection.terminate()
            await asyncio.sleep(RETRY_SECONDS)
