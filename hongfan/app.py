"""The application factory: /graphql, /auth/*, /healthz, /readyz (and later /admin)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.asgi import GraphQL

from admin_ui import admin_mount
from graph import graphiql
from graph.context import Context
from graph.fastlane import FastLane, credential_of
from graph.http import GraphQLOverHTTP
from graph.schema import build_schema
from hongfan import accounts
from hongfan.auth import (
    SCOPE_KEY,
    SESSION_COOKIE,
    AuthenticationFailed,
    AuthInfo,
    SessionEnded,
    authenticate,
    authenticate_info,
    csrf_ok,
    csrf_refusal,
    page_language,
    remember_device,
    request_language,
    same_origin,
    sign_session,
    unsign_session,
)
from hongfan.bounded import Refusal, check_graphql_json, is_json, read_body
from hongfan.db import Database
from hongfan.deadline import StatementTimeout
from hongfan.headers import SecurityHeaders
from hongfan.settings import Settings
from hongfan.unavailable import DatabaseUnavailable, Unavailable, is_unavailable
from models.accounts import User
from models.base import utcnow
from models.messages import message

MAX_LOGIN_BODY = 16 * 1024
FASTLANE_KEY = "hongfan.fastlane"
NO_STORE = {"Cache-Control": "no-store"}


class GraphQLApp(GraphQL[Context, None]):
    """strawberry's ASGI view with our context, closed after every operation."""

    def __init__(self, db: Database, settings: Settings, fastlane: FastLane) -> None:
        super().__init__(
            build_schema(introspection=settings.introspection),
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=True,
        )
        self.db = db
        self.settings = settings
        self.fastlane = fastlane

    async def render_graphql_ide(self, request: Any) -> Any:
        # GraphiQL from the package itself (graph/static), never from a CDN
        return graphiql.page(page_language(request))

    def encode_json(self, data: object) -> str:
        # Chinese as characters, not \u escapes: smaller and readable in any client.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    async def get_context(self, request: Any, response: Any = None) -> Context:
        # GuardedGraphQL authenticated the request (and checked CSRF) already; the
        # answer is remembered on the scope, so this costs no second lookup.
        principal = await authenticate(request)
        return Context(self.db, self.settings, principal, request)

    async def execute_single(
        self,
        request: Any,
        request_adapter: Any,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: Any,
    ) -> Any:  # noqa: PLR0913
        if not isinstance(request_data.operation_name, str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string")
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            if request_adapter.method == "GET" and "not allowed when using GET" in error.reason:
                raise HTTPException(405, error.reason) from error  # GraphQL over HTTP: 405
            raise

    async def execute_operation(
        self,
        request: Any,
        request_adapter: Any,
        request_data: Any,
        context: Any,
        root_value: Any,
        sub_response: Any,
    ) -> Any:  # noqa: PLR0913
        try:
            result = await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        finally:
            await context.close()
        for error in getattr(result, "errors", None) or ():
            # graph.schema leaves these unmasked so they can be told apart here: the whole
            # request is a 503 with Retry-After (hongfan.unavailable), not a 200 with an error
            if is_unavailable(getattr(error, "original_error", None)):
                raise DatabaseUnavailable() from error.original_error
        key = request.scope.get(FASTLANE_KEY)
        if (
            key is not None
            and context.replayable is not None
            and not getattr(result, "errors", None)
        ):
            info = request.scope.get(SCOPE_KEY)
            self.fastlane.remember(
                key,
                context.replayable,
                context.principal,
                getattr(info, "token_used_at", None),
                (request_data.query, request_data.variables, request_data.operation_name),
            )
        return result


def _graphql_error(
    status: int, text: str, code: str, headers: dict[str, str] | None = None
) -> Response:
    body = {"errors": [{"message": text, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})


_REFUSAL_CODES = {413: "REQUEST_TOO_LARGE", 400: "BAD_REQUEST"}


def _refuse(scope: Scope, refusal: Refusal) -> Response:
    """A GraphQL error response for a request refused before it reached GraphQL."""
    text = message(refusal.code, request_language(Request(scope)), **refusal.params)
    response = _graphql_error(
        refusal.status, text, _REFUSAL_CODES.get(refusal.status, "BAD_REQUEST")
    )
    if refusal.status == 413:
        response.headers["Connection"] = "close"  # the rest of the body is not read
    return response


def _timed_out(scope: Scope, error: StatementTimeout) -> Response:
    """The answer to a replayed statement cancelled at its deadline, as the normal path gives it."""
    text = message(
        "statement.timeout", request_language(Request(scope)), seconds=f"{error.seconds:g}"
    )
    body = {
        "data": None,
        "errors": [{"message": text, "extensions": {"code": "STATEMENT_TIMEOUT"}}],
    }
    return JSONResponse(body, headers=NO_STORE)


class GuardedGraphQL:
    """/graphql behind authentication: a bad bearer token is 401, a cookie POST without CSRF 403.

    A request the fast lane (``graph.fastlane``) has seen before, from the same
    credential, is answered there without going further.
    """

    def __init__(self, app: ASGIApp, fastlane: FastLane, max_body: int) -> None:
        self.app = app
        self.fastlane = fastlane
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") == "POST":
            # Bounded before anything else reads it (#9): 413 past the limit, 400 for JSON
            # that is not a GraphQL request — on the fast lane and the normal path alike.
            body, receive = await read_body(scope, receive, self.max_body)
            if body is None:
                too_large = Refusal(413, "request.too_large", {"max": self.max_body // 1024})
                await _refuse(scope, too_large)(scope, receive, send)
                return
            credential = credential_of(scope) if self.fastlane.enabled else None
            key = self.fastlane.key(credential, body) if credential is not None else None
            if is_json(scope) and not self.fastlane.knows(key):
                refusal = check_graphql_json(body)
                if refusal is not None:
                    await _refuse(scope, refusal)(scope, receive, send)
                    return
            if key is not None:
                try:
                    answered = await self.fastlane.answer(key, utcnow())
                except StatementTimeout as error:
                    await _timed_out(scope, error)(scope, receive, send)
                    return
                if answered is not None:
                    await Response(answered, media_type="application/json")(scope, receive, send)
                    return
                scope[FASTLANE_KEY] = key
        if scope["type"] == "http":
            request = Request(scope, receive)
            lang = request_language(request)
            try:
                info = await authenticate_info(request)
            except AuthenticationFailed as error:
                response = _graphql_error(
                    401,
                    error.message(lang),
                    error.extension,
                    {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
                await response(scope, receive, send)
                return
            if not csrf_ok(request, info):
                await _graphql_error(403, message(csrf_refusal(request), lang), "CSRF")(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)


# -- /auth ----------------------------------------------------------------------------


def _auth_error(
    status: int, text: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    return JSONResponse(
        {"error": text, **extra}, status_code=status, headers={**NO_STORE, **(headers or {})}
    )


async def _credentials(request: Request) -> dict[str, Any] | None:
    """{email, password} from a JSON or url-encoded form body; None when unreadable."""
    body = await request.body()
    if len(body) > MAX_LOGIN_BODY:
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            return {key: values[0] for key, values in form.items() if values}
        data = json.loads(body or b"{}")
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _user_json(user: User) -> dict[str, Any]:
    return {"email": user.email, "role": user.role.value, "displayName": user.display_name}


def _auth_routes(database: Database, settings: Settings) -> list[Route]:
    policy = accounts.SessionPolicy.from_settings(settings)

    def clear_cookie(response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=settings.is_production, httponly=True, samesite="lax"
        )

    async def login(request: Request) -> Response:
        lang = request_language(request)
        if not same_origin(request, settings.cors_origins):
            return _auth_error(403, message("login.cross_site", lang), code="CROSS_SITE")
        data = await _credentials(request)
        email = data.get("email") if data else None
        password = data.get("password") if data else None
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            return _auth_error(400, message("login.missing", lang))
        previous = unsign_session(request.cookies.get(SESSION_COOKIE), settings.secret_key)
        ip = request.client.host if request.client else None
        try:
            async with database.transaction(accounts.AUTH) as session:
                auth_session, raw = await accounts.login(
                    session,
                    email,
                    password,
                    ip,
                    request.headers.get("user-agent"),
                    policy=policy,
                    device=request.cookies.get(accounts.DEVICE_COOKIE),
                )
                if previous is not None:
                    await accounts.logout(session, previous)  # the old id dies with the new login
                user = (
                    await session.execute(sa.select(User).where(User.id == auth_session.user_id))  # type: ignore[arg-type]
                ).scalar_one()
        except accounts.LoginRateLimited as error:
            return _auth_error(429, error.message(lang), {"Retry-After": str(error.retry_after)})
        except accounts.LoginFailed as error:
            return _auth_error(401, error.message(lang))
        response = JSONResponse(
            {"user": _user_json(user), "csrfToken": auth_session.csrf_token}, headers=NO_STORE
        )
        response.set_cookie(
            SESSION_COOKIE,
            sign_session(raw, settings.secret_key),
            max_age=int(policy.lifetime.total_seconds()),
            path="/",
            secure=settings.is_production,
            httponly=True,
            samesite="lax",
        )
        remember_device(response, request, email, settings)
        return response

    async def current(request: Request) -> AuthInfo | Response:
        lang = request_language(request)
        try:
            return await authenticate_info(request)
        except SessionEnded as error:
            response = _auth_error(401, error.message(lang), code=error.extension)
            clear_cookie(response)
            return response
        except AuthenticationFailed as error:
            return _auth_error(
                401, error.message(lang), {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )

    async def logout(request: Request) -> Response:
        info = await current(request)
        if isinstance(info, Response):
            if request.cookies.get(SESSION_COOKIE) and not request.headers.get("authorization"):
                ended = JSONResponse({"ok": True}, headers=NO_STORE)  # already over: just forget it
                clear_cookie(ended)
                return ended
            return info
        if not csrf_ok(request, info):
            return _auth_error(
                403, message(csrf_refusal(request), request_language(request)), code="CSRF"
            )
        if info.method == "session" and info.session_id is not None:
            async with database.transaction(accounts.AUTH) as session:
                await accounts.logout(session, info.session_id)
        response = JSONResponse({"ok": True}, headers=NO_STORE)
        clear_cookie(response)
        return response

    async def me(request: Request) -> Response:
        info = await current(request)
        if isinstance(info, Response):
            return info
        principal = info.principal
        if principal.user_id is None:
            return _auth_error(401, message("auth.required", principal.language))
        async with database.session(accounts.AUTH) as session:
            user = (
                await session.execute(sa.select(User).where(User.id == principal.user_id))  # type: ignore[arg-type]
            ).scalar_one_or_none()
        if user is None:
            return _auth_error(401, message("auth.required", principal.language))
        body = {
            "user": _user_json(user),
            "csrfToken": info.csrf_token,
            "authenticatedBy": info.method,
        }
        return JSONResponse(body, headers=NO_STORE)

    return [
        Route("/auth/login", login, methods=["POST"]),
        Route("/auth/logout", logout, methods=["POST"]),
        Route("/auth/me", me, methods=["GET"]),
    ]


def _graphql_endpoint(app: ASGIApp, settings: Settings) -> ASGIApp:
    """/graphql over HTTP (graph.http), and CORS for the origins configured (none by default).

    Cross-origin callers use bearer tokens: credentials (cookies) are never allowed, so a
    page on another origin cannot act as a signed-in user.
    """
    endpoint: ASGIApp = GraphQLOverHTTP(app, settings.cache_max_age)
    # the database going away is a 503 here already, inside CORS: a page on an allowed
    # origin can read it (and its Retry-After) instead of seeing a network error
    endpoint = Unavailable(endpoint, retry_after=settings.retry_after_seconds)
    if settings.cors_origins:
        endpoint = CORSMiddleware(
            endpoint,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept", "Accept-Language"],
            allow_credentials=False,
            expose_headers=["ETag", "Retry-After"],
            max_age=600,
        )
    return endpoint


def create_app(settings: Settings | None = None, db: Database | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    database = db or Database(settings)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        try:
            await database.ping()
        except Exception as error:  # noqa: BLE001 — any failure means "not ready"
            return JSONResponse(
                {"status": "unavailable", "error": type(error).__name__}, status_code=503
            )
        return JSONResponse({"status": "ok"})

    async def index(_request: Request) -> Response:
        return RedirectResponse("/admin/")

    @contextlib.asynccontextmanager
    async def lifespan(app_: Starlette) -> AsyncIterator[None]:
        yield
        # SIGTERM: uvicorn has drained the requests in flight (timeout_graceful_shutdown);
        # background import/export jobs stop at their next progress point (marked failed,
        # nothing half-written: their commits are all-or-nothing)
        runner = getattr(app_.state, "transfer_jobs", None)
        if runner is not None:
            await runner.stop(timeout=settings.shutdown_seconds)
        await database.dispose()

    fastlane = FastLane(database, settings, enabled=settings.planner)
    graphql = GraphQLApp(database, settings, fastlane)
    app = Starlette(
        routes=[
            Route("/", index),
            Route(
                "/graphql",
                _graphql_endpoint(
                    GuardedGraphQL(graphql, fastlane, settings.graphql_max_body_kb * 1024), settings
                ),
                methods=["GET", "POST", "OPTIONS"],
            ),
            *_auth_routes(database, settings),
            *(
                [Route(graphiql.ASSET_PREFIX + "{name}", graphiql.asset)]
                if settings.graphiql
                else []
            ),
            Route("/healthz", healthz),
            # Browsers ask for /favicon.ico on every page (a 404 in the console otherwise).
            Route(
                "/favicon.ico",
                lambda _request: RedirectResponse("/admin/static/favicon.svg", status_code=301),
            ),
            Route("/readyz", readyz),
            admin_mount(),
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(Unavailable, retry_after=settings.retry_after_seconds),
        ],
    )
    app.state.settings = settings
    app.state.db = database
    app.state.fastlane = fastlane
    return app
