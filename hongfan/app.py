"""The application factory: /graphql, /healthz, /readyz (and later /admin)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL

from graph.context import Context
from graph.schema import build_schema
from hongfan.auth import authenticate
from hongfan.db import Database
from hongfan.settings import Settings


class GraphQLApp(GraphQL):  # type: ignore[type-arg]
    """strawberry's ASGI view with our context, closed after every operation."""

    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__(
            build_schema(introspection=settings.introspection),
            graphql_ide="graphiql" if settings.graphiql else None,
            allow_queries_via_get=False,
        )
        self.db = db
        self.settings = settings

    def encode_json(self, data: object) -> str:
        # Chinese as characters, not \u escapes: smaller and readable in any client.
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    async def get_context(self, request: Any, response: Any = None) -> Context:
        principal = await authenticate(request)
        return Context(self.db, self.settings, principal, request)

    async def execute_operation(self, request: Any, request_adapter: Any, request_data: Any, context: Any, root_value: Any, sub_response: Any) -> Any:  # noqa: PLR0913
        try:
            return await super().execute_operation(
                request, request_adapter, request_data, context, root_value, sub_response
            )
        finally:
            await context.close()


def create_app(settings: Settings | None = None, db: Database | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    database = db or Database(settings)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        try:
            await database.ping()
        except Exception as error:  # noqa: BLE001 — any failure means "not ready"
            return JSONResponse({"status": "unavailable", "error": type(error).__name__}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def index(_request: Request) -> Response:
        return RedirectResponse("/graphql")

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await database.dispose()

    graphql = GraphQLApp(database, settings)
    app = Starlette(
        routes=[
            Route("/", index),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    return app
