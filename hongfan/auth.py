"""Who is calling: turn an HTTP request into a Principal.

Every surface asks this module, so a session cookie and an API token lead to
the same Principal and the same policy.

* ``Authorization: Bearer hf_…`` — an API token (:mod:`hongfan.accounts`). A
  token that is unknown, expired or revoked is refused (:class:`AuthenticationFailed`,
  HTTP 401), never silently treated as anonymous.
* the ``hongfan_session`` cookie — a login session. Its value is
  ``<raw id>.<HMAC-SHA256 of the id under HONGFAN_SECRET_KEY>``; a bad signature,
  or a session that is revoked, expired or idle too long, is anonymous.
  Cookie-authenticated requests that change state must carry the session's CSRF
  token in ``X-CSRF-Token`` (:func:`csrf_ok`); bearer-token requests need none.
  A validly signed cookie whose session has ended (signed out, revoked, expired) is
  refused (:class:`SessionEnded`, HTTP 401 "sign in again"), not treated as anonymous.
* neither — anonymous.

:func:`authenticate_info` remembers its answer on the connection's scope
(``scope["hongfan.auth"]``), so asking twice in one request costs one lookup.
"""

from __future__ import annotations

import dataclasses
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from starlette.requests import HTTPConnection
from starlette.responses import Response

from hongfan import accounts, signing
from hongfan.principal import ANONYMOUS, Principal
from models.base import utcnow
from models.messages import message, negotiate_language

SESSION_COOKIE = "hongfan_session"
CSRF_HEADER = "x-csrf-token"
SCOPE_KEY = "hongfan.auth"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

log = logging.getLogger(__name__)


def request_language(connection: HTTPConnection) -> str:
    """The API's language: ``?lang``, the language cookie, else the client's ``Accept-Language``
    (an API client sets that header on purpose)."""
    chosen = connection.query_params.get("lang") or connection.cookies.get("hongfan_lang")
    if chosen in {"zh", "en"}:
        return chosen
    return negotiate_language(connection.headers.get("accept-language"))


def page_language(connection: HTTPConnection) -> str:
    """The admin UI's language: Chinese unless the person chose English (the switch's cookie,
    or ``?lang=en``). A browser's ``Accept-Language`` is the computer's setting, not a choice
    made for Hongfan: the association works in Chinese, English on choice (DOMAIN.md)."""
    chosen = connection.query_params.get("lang") or connection.cookies.get("hongfan_lang")
    return chosen if chosen in {"zh", "en"} else "zh"


@dataclass(frozen=True)
class AuthInfo:
    """How a request authenticated: the principal, and for sessions the CSRF token."""

    principal: Principal
    method: str  # "token" | "session" | "anonymous"
    csrf_token: str | None = None
    session_id: str | None = None  # the raw login-session id, for logout
    token_used_at: datetime | None = None  # the token's last_used_at after this request


class AuthenticationFailed(Exception):
    """Credentials were presented and are not valid (HTTP 401)."""

    code = "token.invalid"
    extension = "UNAUTHENTICATED"  # the GraphQL error's extensions.code

    def message(self, lang: str) -> str:
        return message(self.code, lang)


class UnsupportedScheme(AuthenticationFailed):
    """``Authorization`` with a scheme other than Bearer (e.g. Basic) on /graphql: refused
    with 401 rather than answered as anonymous, so a client that sent credentials is told
    they were not used (a proxy's own Basic auth must not pass the header on to /graphql)."""

    code = "token.scheme"


def foreign_scheme(connection: HTTPConnection) -> bool:
    """True when ``Authorization`` is present with a scheme other than Bearer."""
    header = connection.headers.get("authorization")
    if header is None:
        return False
    scheme = header.strip().partition(" ")[0]
    return scheme.lower() != "bearer"


class SessionEnded(AuthenticationFailed):
    """The session cookie names a login session that has ended (signed out, revoked when
    the account was deactivated or its access or password changed, expired): sign in again."""

    code = "session.ended"
    extension = "SESSION_ENDED"


# -- the signed session cookie --------------------------------------------------------


def sign_session(raw: str, secret: str) -> str:
    """The cookie value for a raw session id."""
    return signing.sign(raw, secret)


def unsign_session(value: str | None, secret: str) -> str | None:
    """The raw session id of a cookie value; None when the signature does not match."""
    return signing.unsign(value, secret)


def remember_device(
    response: Response, connection: HTTPConnection, email: str, settings: Any
) -> None:
    """After a successful sign-in: the trusted-device cookie for this account
    (:mod:`hongfan.accounts.devices`), so others' failures never slow this browser down."""
    current = connection.cookies.get(accounts.DEVICE_COOKIE)
    value = accounts.device_cookie(accounts.normalise_email(email), settings.secret_key, current)
    if value == current:
        return
    response.set_cookie(
        accounts.DEVICE_COOKIE,
        value,
        max_age=accounts.DEVICE_DAYS * 86400,
        path="/",
        secure=settings.is_production,
        httponly=True,
        samesite="lax",
    )


# -- authentication -------------------------------------------------------------------


def _bearer(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization")
    if not header:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None  # other schemes (e.g. a proxy's Basic auth) are not ours
    return credentials.strip()


def _state(connection: HTTPConnection) -> Any:
    app = connection.scope.get("app")
    return getattr(app, "state", None)


async def _touch(db: Any, touch: Any, row: Any) -> None:
    """Record use in its own short write; a busy database only skips the bookkeeping."""
    try:
        async with db.transaction(accounts.AUTH) as session:
            await touch(session, row)
    except sa.exc.OperationalError as error:  # e.g. SQLite busy: harmless to skip
        log.warning("could not record the use of a credential: %s", error)


_UNREAD: Any = object()


async def _from_driver(db: Any, plaintext: str, lang: str) -> Any:
    """The live token read by one plain statement (PostgreSQL: the driver pool beside the
    ORM's), or ``_UNREAD`` when that could not be done — the ORM path then reads it, and
    answers 503 when the database is down."""
    if getattr(db, "dialect", None) != "postgresql":
        return _UNREAD
    try:
        pool = await db.driver_pool()
        async with pool.acquire() as connection:
            return await accounts.lookup_live_token(connection, plaintext, language=lang)
    except Exception as error:  # noqa: BLE001 — the ORM path reads it the usual way
        log.info("token lookup: falling back after %s", type(error).__name__)
        return _UNREAD


async def _from_orm(db: Any, plaintext: str, lang: str) -> accounts.LiveToken | None:
    lookup = getattr(db, "lookup_session", db.session)  # reads only: no transaction needed
    found: tuple[Any, Principal] | None = None
    for attempt in (1, 2):
        try:
            async with lookup(accounts.AUTH) as session:
                found = await accounts.lookup_token_principal(session, plaintext, language=lang)
            break
        except sa.exc.DBAPIError as error:
            # a connection that died unseen (renewed now): a read is safe to send again
            if attempt == 2 or not error.connection_invalidated:
                raise
    if found is None:
        return None
    token, principal = found
    return accounts.LiveToken(token.id or 0, token.last_used_at, principal)


async def _from_token(db: Any, plaintext: str, lang: str) -> AuthInfo:
    """Every request reads its token (a revoked one is refused by the very next request,
    in any process): on PostgreSQL in one plain driver statement (#16.6)."""
    live = await _from_driver(db, plaintext, lang)
    if live is _UNREAD:
        live = await _from_orm(db, plaintext, lang)
    if live is None:
        raise AuthenticationFailed()
    principal = dataclasses.replace(live.principal, credential="token", token_id=live.id)
    used_at = live.last_used_at
    if accounts.touch_due(used_at):
        await _touch(db, accounts.touch_token_id, live.id)
        used_at = utcnow()
    return AuthInfo(principal, "token", token_used_at=used_at)


async def _from_cookie(db: Any, settings: Any, raw: str, lang: str) -> AuthInfo | None:
    policy = accounts.SessionPolicy.from_settings(settings)
    async with db.session(accounts.AUTH) as session:
        try:
            found = await accounts.lookup_session(session, raw, policy=policy, strict=True)
        except accounts.SessionEnded as ended:
            raise SessionEnded() from ended
        if found is None:
            return None
        auth_session, user = found
        principal = await accounts.principal_for(session, user, language=lang)
    principal = dataclasses.replace(
        principal, credential="session", password_checked_at=auth_session.created_at
    )
    if accounts.touch_due(auth_session.last_seen_at):
        await _touch(db, accounts.touch_session, auth_session)
    return AuthInfo(principal, "session", csrf_token=auth_session.csrf_token, session_id=raw)


async def authenticate_info(connection: HTTPConnection) -> AuthInfo:
    """How the caller authenticated (remembered on the scope for the rest of the request)."""
    cached = connection.scope.get(SCOPE_KEY)
    if isinstance(cached, AuthInfo):
        return cached
    lang = request_language(connection)
    state = _state(connection)
    db = getattr(state, "db", None)
    settings = getattr(state, "settings", None)
    info: AuthInfo | None = None
    plaintext = _bearer(connection)
    if plaintext is not None:
        if db is None:
            raise AuthenticationFailed()
        info = await _from_token(db, plaintext, lang)
    elif db is not None and settings is not None:
        raw = unsign_session(connection.cookies.get(SESSION_COOKIE), settings.secret_key)
        if raw is not None:
            info = await _from_cookie(db, settings, raw, lang)
    if info is None:
        info = AuthInfo(dataclasses.replace(ANONYMOUS, language=lang), "anonymous")
    connection.scope[SCOPE_KEY] = info
    return info


async def authenticate(connection: HTTPConnection) -> Principal:
    """The caller's principal, in the caller's language. No credentials → anonymous.

    Raises :class:`AuthenticationFailed` for a bearer token that does not authenticate.
    """
    return (await authenticate_info(connection)).principal


def same_origin(connection: HTTPConnection, allowed: tuple[str, ...] = ()) -> bool:
    """False when a browser says the request comes from another site (login CSRF).

    A browser sends ``Origin`` (else ``Referer``) with a form or fetch POST; it must be this
    server (the ``Host`` the request came to) or one of ``allowed`` (HONGFAN_CORS_ORIGINS).
    A client that sends neither (a script, curl) is not a browser and is let through:
    login CSRF needs a victim's browser.
    """
    host = connection.headers.get("host", "")
    origin = connection.headers.get("origin")
    if origin is None:
        referer = connection.headers.get("referer")
        if not referer:
            return True
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"
    origin = origin.strip().rstrip("/").lower()
    if origin in {o.lower() for o in allowed}:
        return True
    scheme, _, netloc = origin.partition("://")
    return scheme in {"http", "https"} and bool(host) and netloc == host.strip().lower()


def csrf_refusal(connection: HTTPConnection) -> str:
    """The message code telling a refused cookie request exactly what was wrong with its CSRF header."""
    return "http.csrf_wrong" if connection.headers.get(CSRF_HEADER) else "http.csrf_header"


def csrf_ok(connection: HTTPConnection, info: AuthInfo) -> bool:
    """False for a cookie-authenticated, state-changing request without the session's CSRF token."""
    if info.method != "session" or connection.scope.get("method", "GET") in SAFE_METHODS:
        return True
    sent = connection.headers.get(CSRF_HEADER, "")
    expected = info.csrf_token or ""
    return bool(sent) and bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "AuthInfo",
    "AuthenticationFailed",
    "SessionEnded",
    "UnsupportedScheme",
    "authenticate",
    "authenticate_info",
    "csrf_ok",
    "foreign_scheme",
    "page_language",
    "remember_device",
    "request_language",
    "same_origin",
    "sign_session",
    "unsign_session",
]
