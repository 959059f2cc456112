"""A served Hongfan with a small published network, on SQLite and PostgreSQL, and the check
every hostile test ends with: the service answers the next ordinary request at once."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from hongfan.app import create_app
from hongfan.db import Database, create_engine
from hongfan.principal import SYSTEM
from hongfan.settings import Settings
from tests import factories
from tests.conftest import _reset_schema, postgres_url, settings_for

ORDINARY = "{ organisations(first: 5) { totalCount edges { node { id name } } } }"


@dataclasses.dataclass
class Served:
    http: httpx.AsyncClient
    database: Database
    app: Any

    async def graphql(self, body: Any, **kwargs: Any) -> httpx.Response:
        return await self.http.post("/graphql", json=body, **kwargs)

    async def still_serving(self) -> None:
        """The next ordinary request is answered normally, at once."""
        response = await self.graphql({"query": ORDINARY})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        assert body["data"]["organisations"]["totalCount"] == 2


@contextlib.asynccontextmanager
async def serve(database: Database, settings: Settings | None = None) -> AsyncIterator[Served]:
    app = create_app(settings or database.settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hongfan.test") as http:
        yield Served(http, database, app)


@pytest_asyncio.fixture(
    scope="module",
    loop_scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
async def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Served]:
    """One small published network per module and database: the tests here only read."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('hostile') / 'hostile.db'}"
    else:
        url = postgres_url()
    settings = settings_for(url)
    engine = create_engine(settings)
    await _reset_schema(engine)
    database = Database(settings, engine)
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市")
        await factories.organisation(session, "湖里区", city)
    async with serve(database) as server:
        yield server
    await database.dispose()


def refused(response: httpx.Response, status: int, code: str) -> str:
    """The GraphQL error of a refused request: its status, code and message."""
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert errors[0]["extensions"]["code"] == code, errors
    return str(errors[0]["message"])
