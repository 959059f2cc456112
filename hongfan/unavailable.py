"""The database going away is a 503 with ``Retry-After``, never a 500.

While PostgreSQL restarts, the network to it drops, the pool cannot hand out a connection
in time, or SQLite stays locked past its busy timeout, a request cannot be answered — but
nothing is wrong with the request, so it gets **503 Service Unavailable** with
``Retry-After`` (``HONGFAN_RETRY_AFTER_SECONDS``):

* ``/graphql``: a GraphQL error body, ``extensions.code = "UNAVAILABLE"``;
* ``/admin/…``: a page in the person's language (Chinese unless they chose English);
* everything else (``/auth/…``): ``{"error": …}``.

:func:`is_unavailable` decides from the exception (and its causes); :class:`Unavailable`
is the ASGI middleware that answers. A write that got a 503 was not acknowledged: it may
or may not have committed (the connection can drop during COMMIT), so clients retry with
the ``version`` they read and get a conflict when it did. An acknowledged write (200) was
committed before its answer was sent.

Reads recover by themselves: the pools replace connections the driver knows are closed,
and a disconnect renews a pool (``hongfan.db``); the fast lane's driver pool drops the ones
that died.
"""

from __future__ import annotations

import errno
import html
import json
import logging
import sqlite3
from collections.abc import Iterator

import sqlalchemy as sa
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hongfan.deadline import is_statement_timeout
from models.messages import message, negotiate_language

log = logging.getLogger("hongfan.unavailable")

# PostgreSQL SQLSTATEs that mean "not now", not "wrong request": connection exceptions
# (class 08), the server shutting down or starting up (57P01–57P03), too many connections.
_SQLSTATE_PREFIXES = ("08",)
_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300", "53400"})
# SQLite: the database stayed locked past the busy timeout, or its file cannot be opened
# (a volume not mounted yet: /readyz says 503 too).
_SQLITE_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN})
_SQLITE_TEXT = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "unable to open database file",
)
# asyncpg's client-side "the connection is gone" errors carry no SQLSTATE.
_DRIVER_TEXT = (
    "connection is closed",
    "connection was closed",
    "cannot perform operation: another operation",
)


_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.ETIMEDOUT,
        errno.EPIPE,
    }
)


class DatabaseUnavailable(Exception):
    """Raised where a request found the database unavailable and the answer is 503."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend([current.__cause__, current.__context__, getattr(current, "orig", None)])
        todo.append(getattr(current, "original_error", None))
        todo.extend(getattr(current, "exceptions", None) or ())  # an ExceptionGroup's members


def _one_is_unavailable(error: BaseException) -> bool:
    if isinstance(error, DatabaseUnavailable | sa.exc.TimeoutError):  # pool exhausted
        return True
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, ConnectionError | TimeoutError):  # refused, reset, connect timeout
        return True
    if isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS:  # e.g. host unreachable
        return True
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and (
        sqlstate in _SQLSTATES or sqlstate.startswith(_SQLSTATE_PREFIXES)
    ):
        return True
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        return code in _SQLITE_BUSY or any(t in str(error) for t in _SQLITE_TEXT)
    module = type(error).__module__
    if module.startswith("asyncpg") and type(error).__name__ in {
        "InterfaceError",
        "ConnectionDoesNotExistError",
        "InternalClientError",
    }:
        return any(t in str(error) for t in _DRIVER_TEXT) or "Connection" in type(error).__name__
    return False


def is_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` (or anything that caused it) means the database could not be reached."""
    if error is None or is_statement_timeout(error):
        return False  # a statement past its deadline: the request's fault, answered as such (#9.2)
    return any(_one_is_unavailable(each) for each in _chain(error))


# -- the answer -------------------------------------------------------------------------


def _language(scope: Scope, *, page: bool) -> str:
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
    query = scope.get("query_string", b"").decode("latin-1")
    cookies = headers.get("cookie", "")
    if "lang=en" in query or "hongfan_lang=en" in cookies:
        return "en"
    if "lang=zh" in query or "hongfan_lang=zh" in cookies or page:
        return "zh"
    return negotiate_language(headers.get("accept-language"))


def unavailable_response(scope: Scope, retry_after: int) -> tuple[bytes, str]:
    """The 503's body and content type for the path the request went to."""
    path: str = scope.get("path", "")
    page = path == "/admin" or path.startswith("/admin/")
    lang = _language(scope, page=page)
    text = message("service.unavailable", lang)
    if page:
        title = message("service.unavailable_title", lang)
        body = (
            f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
            '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{html.escape(title)}</title><link rel="stylesheet" href="/admin/static/admin.css">'
            f'</head><body><main id="main"><h1>{html.escape(title)}</h1><p role="alert">{html.escape(text)}</p>'
            f'<p><a href="{html.escape(path)}">{html.escape(message("service.try_again", lang))}</a></p>'
            "</main></body></html>"
        )
        return body.encode(), "text/html; charset=utf-8"
    if path == "/graphql":
        payload: object = {
            "errors": [
                {"message": text, "extensions": {"code": "UNAVAILABLE", "retryAfter": retry_after}}
            ]
        }
    else:
        payload = {"error": text, "code": "UNAVAILABLE"}
    return json.dumps(payload, ensure_ascii=False).encode(), "application/json"


class Unavailable:
    """ASGI middleware: an exception that :func:`is_unavailable` recognises becomes a 503 with
    ``Retry-After`` (when the response has not started yet; otherwise the connection ends)."""

    def __init__(self, app: ASGIApp, retry_after: int = 5) -> None:
        self.app = app
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message_: Message) -> None:
            nonlocal started
            if message_["type"] == "http.response.start":
                started = True
            await send(message_)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            if started or not is_unavailable(error):
                raise
            log.warning(
                "database unavailable: %s %s answered 503 (%s)",
                scope.get("method"),
                scope.get("path"),
                type(error).__name__,
            )
            body, content_type = unavailable_response(scope, self.retry_after)
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", content_type.encode()),
                        (b"content-length", str(len(body)).encode()),
                        (b"retry-after", str(self.retry_after).encode()),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
