"""The HTTP surface: /graphql, GraphiQL, /healthz, /readyz, language negotiation."""

from __future__ import annotations

import httpx
import pytest

from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM
from hongfan.settings import Settings
from tests import factories


@pytest.fixture
async def client(database: Database):
    app = create_app(database.settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_health_and_readiness(client: httpx.AsyncClient):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ok"}


async def test_readyz_reports_unavailable_when_the_database_is_unreachable(tmp_path):
    settings = Settings(
        database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", secret_key="x"
    )
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        response = await http.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


async def test_given_a_browser_asking_for_the_site_icon_then_it_gets_the_sail_not_a_404(
    client: httpx.AsyncClient,
):
    icon = await client.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")


async def test_graphiql_is_served_on_get(client: httpx.AsyncClient):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_anonymous_post_sees_published_organisations_but_no_people(
    client: httpx.AsyncClient, database: Database
):
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        hidden = await factories.organisation(s, "未发布的组织", city, published=False)
        await factories.student(s, hidden, "林示例")
    query = "{ organisations { edges { node { name } } } }"
    response = await client.post("/graphql", json={"query": query})
    body = response.json()
    assert [e["node"]["name"] for e in body["data"]["organisations"]["edges"]] == ["厦门市"]
    # people: told to sign in, the same whether or not there are any
    people = await client.post("/graphql", json={"query": "{ scholarshipStudents { totalCount } }"})
    error = people.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED" and "登录" in error["message"]
    assert people.json()["data"] is None


async def test_errors_follow_accept_language(client: httpx.AsyncClient):
    query = "{ organisations(first: 1000) { totalCount } }"
    zh = await client.post("/graphql", json={"query": query})
    en = await client.post(
        "/graphql", json={"query": query}, headers={"accept-language": "en-US,en;q=0.9"}
    )
    assert "每页条数" in zh.json()["errors"][0]["message"]
    assert "page size" in en.json()["errors"][0]["message"]


async def test_unexpected_errors_are_masked():
    # the database is unreachable, so the query fails inside the server: the caller sees no driver detail
    settings = Settings(
        database_url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", secret_key="x"
    )
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        response = await http.post("/graphql", json={"query": "{ organisations { totalCount } }"})
    # an unreachable database is "try again shortly" (503, #9.6), never a 500 nor driver detail
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    error = response.json()["errors"][0]
    assert error["message"] == "数据库暂时无法访问，请稍后重试"
    assert error["extensions"]["code"] == "UNAVAILABLE"
    assert "asyncpg" not in response.text and "connect" not in response.text.lower()
