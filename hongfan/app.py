"""The application factory (the wiring): /graphql, /auth/* (hongfan.auth_routes), /healthz, /readyz, /admin."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

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
from graph.http_persisted import PersistedOperations
from graph.schema import build_schema
from hongfan.auth import (
    SCOPE_KEY,
    AuthenticationFailed,
    UnsupportedScheme,
    authenticate,
    authenticate_info,
    csrf_ok,
    csrf_refusal,
    foreign_scheme,
    page_language,
    request_language,
)
from hongfan.auth_routes import NO_STORE, auth_routes
from hongfan.bounded import Refusal, check_graphql_json, is_json, read_body
from hongfan.db import Database
from hongfan.deadline import StatementTimeout
from hongfan.disconnect import CancelOnDisconnect
from hongfan.headers import SecurityHeaders
from hongfan.persisted import AddressQuota, PersistedStore
from hongfan.secret_file import with_secret
from hongfan.settings import Settings
from hongfan.unavailable import DatabaseUnavailable, Unavailable, is_unavailable
from models.base import utcnow
from models.messages import message

log = logging.getLogger(__name__)

FASTLANE_KEY = "hongfan.fastlane"


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
        # A client that goes away before its answer is complete has its work cancelled
        # (#9.2) — on the normal path: a replayed answer is done before it could matter.
        self.app = CancelOnDisconnect(app)
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
                if foreign_scheme(request):
                    raise UnsupportedScheme()  # Basic & co.: 401, never silently anonymous
                info = await authenticate_info(request)
            except AuthenticationFailed as error:
                response = _graphql_error(
                    401,
                    error.message(lang),
                    error.extension,
                    # RFC 6750: no error code when no bearer token was sent at all
                    {
                        "WWW-Authenticate": "Bearer"
                        if isinstance(error, UnsupportedScheme)
                        else 'Bearer error="invalid_token"'
                    },
                )
                await response(scope, receive, send)
                return
            if not csrf_ok(request, info):
                await _graphql_error(403, message(csrf_refusal(request), lang), "CSRF")(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)


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
    settings = with_secret(settings or Settings.from_env())
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
        # Which search terms are frequent, read before the first request (a frequent term
        # is searched by a plain LIKE, #16.5) and again every few minutes.
        try:
            await asyncio.wait_for(database.refresh_search_statistics(), 5.0)
        except Exception as error:  # noqa: BLE001 — without them every term takes the index
            log.warning("search statistics not read: %s", type(error).__name__)
        statistics = asyncio.create_task(database.keep_search_statistics())
        yield
        statistics.cancel()
        # SIGTERM: uvicorn has drained the requests in flight (timeout_graceful_shutdown);
        # background import/export jobs stop at their next progress point (marked failed,
        # nothing half-written: their commits are all-or-nothing)
        runner = getattr(app_.state, "transfer_jobs", None)
        if runner is not None:
            await runner.stop(timeout=settings.shutdown_seconds)
        await database.dispose()

    fastlane = FastLane(database, settings, enabled=settings.planner)
    graphql = GraphQLApp(database, settings, fastlane)
    persisted = PersistedStore(database, settings.persisted_max_chars, settings.persisted_max_count)
    app = Starlette(
        routes=[
            Route("/", index),
            Route(
                "/graphql",
                _graphql_endpoint(
                    GuardedGraphQL(
                        PersistedOperations(
                            graphql,
                            persisted,
                            AddressQuota(settings.persisted_anonymous_per_hour),
                        ),
                        fastlane,
                        settings.graphql_max_body_kb * 1024,
                    ),
                    settings,
                ),
                methods=["GET", "POST", "OPTIONS"],
            ),
            *auth_routes(database, settings),
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
    app.state.persisted = persisted
    return app
