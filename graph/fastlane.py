"""The fast lane: a repeated read query answered by one replayed SQL statement.

The planner (``graph.planner``) turns a read query into one statement whose JSON is
the answer. When nothing in that answer needs Python afterwards (no masked or
audited field, no estimated count), the bytes of the request and the caller's
credential determine the response completely — up to the data, which the statement
reads afresh. So the first such request, answered normally, leaves behind the SQL
and parameters SQLAlchemy sent, and a later identical request runs that SQL
directly on the driver and returns PostgreSQL's text: no parsing, validation,
session, ORM or JSON work in Python. A request for the same document with other
variables re-binds the statement (:class:`graph.planner.Template`): only its
arguments are derived again. This is what Hasura's plan cache and PostGraphile's
compiled operations do.

Nothing is trusted from the previous request but the plan:

* a bearer token is checked again inside the same statement — not revoked, not
  expired, its user active and still with the role, organisation (and its path) and
  company the plan's row scope was built for (:func:`hongfan.accounts.token_still_grants_sql`).
  If not, the statement returns no row and the request takes the normal path, which
  answers 401 or plans afresh for the new scope;
* a request with a session cookie always takes the normal path (sessions expire by
  idleness and rotate; the admin UI does not use this route);
* a token due its once-a-minute ``last_used_at`` write takes the normal path, which
  writes it;
* a count past the exact limit, which the normal path counts apart (exact within its
  time budget, else a lower bound), makes
  the statement answer NULL: normal path, which keeps no plan while the count stays
  past the limit;
* any error at all: normal path.

The cache lives in each process and holds nothing another process needs.
"""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from graph.context import Context
from hongfan import accounts, deadline, reads
from hongfan.principal import Principal
from models import search

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024  # larger requests are not remembered
CACHE_SIZE = 1024
_SAFE_KEY = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")

# What SQLAlchemy sent for the planned statement, while a planned request runs.
_CAPTURE: ContextVar[list[tuple[str, Any]] | None] = ContextVar(
    "hongfan_fastlane_capture", default=None
)


def _on_cursor_execute(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool
) -> None:
    captured = _CAPTURE.get()
    if captured is not None and not executemany and statement.lstrip()[:6].upper() == "SELECT":
        captured.append((statement, parameters))


def install_capture(engine: AsyncEngine) -> None:
    """Let :func:`capture` see the SQL this engine sends (once per engine)."""
    sync_engine = engine.sync_engine
    if not sa.event.contains(sync_engine, "before_cursor_execute", _on_cursor_execute):
        sa.event.listen(sync_engine, "before_cursor_execute", _on_cursor_execute)


class capture:  # noqa: N801 — used as a context manager, named like one
    """Collect the SELECT statements sent by the engine inside the block."""

    def __enter__(self) -> list[tuple[str, Any]]:
        self.statements: list[tuple[str, Any]] = []
        self._token = _CAPTURE.set(self.statements)
        return self.statements

    def __exit__(self, *_exc: object) -> None:
        _CAPTURE.reset(self._token)


@dataclass(frozen=True)
class Replayable:
    """A planned statement as sent to the driver, and where its answer's parts are."""

    sql: str
    params: tuple[Any, ...]
    roots: tuple[
        tuple[str, Any], ...
    ]  # (response key, ConnectionShape | None) per column c0, c1, …
    template: Any = None  # graph.planner.Template: the same statement for other variables

    def envelope(self, credential_check: str | None) -> str | None:
        """SQL answering the whole response text, or NULL when Python must finish it."""
        parts: list[str] = []
        overflow: list[str] = []
        for index, (key, shape) in enumerate(self.roots):
            if not _SAFE_KEY.match(key):
                return None
            # (a connection is always an object; node(id:) is null when no row is visible)
            parts.append(f"'{',' if index else ''}\"{key}\":', coalesce(p.c{index}::text, 'null')")
            for total_key, name in getattr(shape, "total", ()) or ():
                if not _SAFE_KEY.match(total_key):
                    return None
                if name == "totalCount":
                    overflow.append(
                        f"(p.c{index} ->> '{total_key}')::bigint > {reads.EXACT_COUNT_LIMIT}"
                    )
                else:
                    overflow.append(f"(p.c{index} ->> '{total_key}') = 'false'")
        body = "concat('{\"data\":{', " + ", ".join(parts) + ", '}}')"
        if overflow:
            body = f"CASE WHEN {' OR '.join(overflow)} THEN NULL ELSE {body} END"
        where = f" WHERE {credential_check}" if credential_check else ""
        # MATERIALIZED: the overflow test and the body read the same columns; without
        # it PostgreSQL inlines the subquery and builds the JSON twice.
        return f"WITH p AS MATERIALIZED ({self.sql}) SELECT {body} FROM p{where}"


@dataclass
class Entry:
    sql: str
    params: tuple[Any, ...]
    touch_after: datetime | None  # a token's last_used_at is due a write from then on
    # the search statistics it was planned with: a frequent term is a plain LIKE, a rare
    # one the grams index (models.search); when they change, the request is planned again
    epoch: int = 0


@dataclass(frozen=True)
class Credential:
    kind: str  # "token" | "anonymous"
    digest: str | None = None


def _headers(scope: Any) -> dict[bytes, bytes]:
    return {name: value for name, value in scope.get("headers", ())}


def credential_of(scope: Any) -> Credential | None:
    """The credential a request presents, when the fast lane may serve it."""
    headers = _headers(scope)
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    if scope.get("method") != "POST" or content_type != b"application/json":
        return None
    cookie = headers.get(b"cookie")
    if cookie is not None and b"hongfan_session=" in cookie:
        return None
    authorization = headers.get(b"authorization")
    if authorization is None:
        return Credential("anonymous")
    scheme, _, token = authorization.decode("latin-1").strip().partition(" ")
    token = token.strip()
    if (
        scheme.lower() != "bearer"
        or not token.startswith(accounts.TOKEN_PREFIX)
        or len(token) > 200
    ):
        return None
    return Credential("token", accounts.digest(token))


_PLACEHOLDER_OR_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\$(\d+)")


def _literal(value: Any) -> str | None:
    """``value`` as a PostgreSQL literal (standard_conforming_strings on), or None."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | date | datetime):
        value = value.isoformat() if isinstance(value, date | datetime) else str(value)
    if isinstance(value, str):
        if "\x00" in value:
            return None
        return "'" + value.replace("'", "''") + "'"
    return None


def inline_parameters(sql: str, params: tuple[Any, ...]) -> str | None:
    """``sql`` with each ``$n`` outside quotes replaced by the literal of ``params[n-1]``.

    PostgreSQL plans a statement without parameters once and reuses the plan, where
    ``plan_cache_mode=force_custom_plan`` (needed for statements with parameters: a
    generic plan cannot see a search term) would plan it again on every execution —
    11 ms for the admin's nested student list. The values are those SQLAlchemy bound
    (the casts it wrote stay in place); None when one has no safe literal form.
    """
    literals = [_literal(value) for value in params]
    if any(literal is None for literal in literals):
        return None
    failed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal failed
        number = match.group(1)
        if number is None:
            return match.group(0)  # a quoted literal or identifier: unchanged
        index = int(number) - 1
        if not 0 <= index < len(literals):
            failed = True
            return match.group(0)
        return literals[index] or "NULL"

    inlined = _PLACEHOLDER_OR_QUOTED.sub(replace, sql)
    return None if failed else inlined


class FastLane:
    """Remembered plans per (credential, request body), replayed on the driver."""

    def __init__(self, database: Any, settings: Any, enabled: bool) -> None:
        self.database = database
        self.settings = settings
        self.enabled = enabled and database.dialect == "postgresql"
        self.entries: OrderedDict[tuple[Credential, bytes], Entry] = OrderedDict()
        self.templates: OrderedDict[tuple[Any, ...], TemplateEntry] = OrderedDict()
        self.template_hits = 0  # of the hits, those answered by re-binding a template
        self.hits = 0  # requests answered here, for tests and the benchmark
        self.misses = 0
        self.statements = 0  # statements sent, for the benchmark's per-request counts
        if self.enabled:
            install_capture(database.engine)

    def key(self, credential: Credential, body: bytes) -> tuple[Credential, bytes] | None:
        if len(body) > MAX_BODY:
            return None
        return (credential, body)

    def knows(self, key: tuple[Credential, bytes] | None) -> bool:
        """Whether this very request was answered normally before (so it is well-formed)."""
        return key is not None and key in self.entries

    async def answer(self, key: tuple[Credential, bytes], now: datetime) -> bytes | None:
        """The response body, or None to take the normal path."""
        entry = self.entries.get(key)
        if entry is not None:
            if entry.touch_after is not None and now >= entry.touch_after:
                return None
            if entry.epoch != search.gram_shares_epoch():
                self.entries.pop(key, None)
                return None
            text = await self._fetch(entry.sql, entry.params)
            if text is None:
                self.entries.pop(key, None)
                return None
            self.hits += 1
            return text
        return await self._answer_from_template(key, now)

    async def _answer_from_template(
        self, key: tuple[Credential, bytes], now: datetime
    ) -> bytes | None:
        """A request not seen before, for a document and credential that were."""
        if not self.templates:
            return None
        credential, body = key
        try:
            request = json.loads(body)
            query, variables = request["query"], request.get("variables") or {}
            operation_name = request.get("operationName")
        except (ValueError, TypeError, KeyError):
            return None
        if not isinstance(query, str) or not isinstance(variables, dict):
            return None
        if operation_name is not None and not isinstance(operation_name, str):
            return None
        template_key = (credential, query, operation_name, skeleton(variables))
        entry = self.templates.get(template_key)
        if entry is None or (entry.touch_after is not None and now >= entry.touch_after):
            return None
        context = Context(self.database, self.settings, entry.principal)
        bound = entry.template.bind(context, variables)
        if bound is None:
            return None
        # Parameters, not literals: each new set of values would otherwise be a new
        # statement to prepare; PostgreSQL plans it for its values either way.
        text = await self._fetch(entry.sql, bound + entry.credential_params)
        if text is None:
            self.templates.pop(template_key, None)
            return None
        self.hits += 1
        self.template_hits += 1
        return text

    async def _fetch(self, sql: str, params: tuple[Any, ...]) -> bytes | None:
        """The statement's text; None when it answered NULL or no row, or failed.

        A statement cancelled at its deadline raises :class:`hongfan.deadline.StatementTimeout`.
        """
        try:
            pool = await self.database.driver_pool()
            async with pool.acquire() as connection:
                self.statements += 1
                text = await connection.fetchval(sql, *params)
        except Exception as error:  # noqa: BLE001 — the normal path is always correct
            if deadline.is_statement_timeout(error):
                # Cancelled at its deadline (#9.2): the normal path would run it again.
                raise deadline.StatementTimeout(deadline.read_seconds(self.settings)) from error
            log.info("fast lane: falling back after %s", type(error).__name__)
            return None
        if text is None:  # the credential no longer grants this scope, or a count overflowed
            self.misses += 1
            return None
        return text.encode()

    def remember(
        self,
        key: tuple[Credential, bytes],
        replayable: Replayable,
        principal: Principal,
        token_used_at: datetime | None,
        request: tuple[str, dict[str, Any] | None, str | None] | None = None,
    ) -> None:
        """Keep what a normally answered, fully SQL-finished request ran, for next time.

        ``request`` is its (query, variables, operation name): with the plan's template,
        the same document with other variables is answered here too.
        """
        credential = key[0]
        check: str | None = None
        credential_params: tuple[Any, ...] = ()
        touch_after: datetime | None = None
        if credential.kind == "token":
            if principal.user_id is None or credential.digest is None:
                return
            if token_used_at is None:
                return  # its use could not be recorded: the next request tries again
            check = accounts.token_still_grants_sql(len(replayable.params) + 1)
            credential_params = accounts.token_still_grants_params(credential.digest, principal)
            touch_after = token_used_at + accounts.TOUCH_EVERY
        elif principal.user_id is not None:
            return
        sql = replayable.envelope(check)
        if sql is None:
            return
        params = replayable.params + credential_params
        inlined = inline_parameters(sql, params)
        exact_sql, exact_params = (inlined, ()) if inlined is not None else (sql, params)
        _put(
            self.entries,
            key,
            Entry(exact_sql, exact_params, touch_after, search.gram_shares_epoch()),
        )
        if request is not None and replayable.template is not None:
            query, variables, operation_name = request
            template_key = (credential, query, operation_name, skeleton(variables or {}))
            _put(
                self.templates,
                template_key,
                TemplateEntry(replayable.template, sql, credential_params, principal, touch_after),
            )


def _put(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


def skeleton(value: Any) -> Any:
    """The shape of a variables value: where it has objects, lists and which scalar types."""
    if isinstance(value, dict):
        return tuple(sorted((k, skeleton(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(skeleton(v) for v in value)
    return type(value).__name__


@dataclass
class TemplateEntry:
    template: Any  # graph.planner.Template
    sql: str  # its statement in the envelope, with the credential check after its parameters
    credential_params: tuple[Any, ...]
    principal: Principal  # the scope it was planned for, re-checked by the statement
    touch_after: datetime | None


__all__ = ["FastLane", "Replayable", "capture", "credential_of", "install_capture"]
