"""GraphiQL and a website on another origin, in Chromium (#14.1, #14.5).

GraphiQL must load with every non-local request refused (no CDN), send the session's
X-CSRF-Token for a signed-in user, and take a pasted API token; a page on another origin
lists published sites through CORS and reads a mutation's field error.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.db import Database, create_engine
from hongfan.principal import SYSTEM, Role
from hongfan.settings import Settings
from tests import factories
from tests.e2e.conftest import LiveServer, free_port, run_async, serving

# The website: a real server on another port (another origin, on the loopback address
# space like the API, so Chromium's local-network checks do not interfere)
WEBSITE_PORT = free_port()
WEBSITE = f"http://127.0.0.1:{WEBSITE_PORT}"
PASSWORD = "correct horse battery"


async def _prepare(settings: Settings) -> str:
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    db = Database(settings, engine)
    try:
        async with db.transaction(SYSTEM) as s:
            city = await factories.organisation(s, "厦门市")
            await factories.site(s, city, "高林社区向日葵亲子小屋")
            await factories.site(s, city, "未发布的小屋", published=False)
            await factories.student(s, city, "林示例")
        async with db.transaction(AUTH) as s:
            user, _ = await accounts.create_user(
                s, SYSTEM, "staff@example.cn", Role.SUPERADMIN, password=PASSWORD
            )
            _, token = await accounts.issue_token(s, SYSTEM, user.id)  # type: ignore[arg-type]
    finally:
        await db.dispose()
    return token


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    path = tmp_path_factory.mktemp("graphiql") / "graphiql.db"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", secret_key="e2e", cors_origins=(WEBSITE,)
    )
    token = run_async(lambda: _prepare(settings))
    site_root = tmp_path_factory.mktemp("website")
    (site_root / "index.html").write_text("<!doctype html><title>website</title>", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site_root))
    website = http.server.ThreadingHTTPServer(("127.0.0.1", WEBSITE_PORT), handler)
    threading.Thread(target=website.serve_forever, daemon=True).start()
    try:
        with serving(settings, "GraphiQL test") as url:
            yield LiveServer(url, settings), token
    finally:
        website.shutdown()


@pytest.fixture
def offline_page(browser: Any, server: tuple[LiveServer, str]) -> Iterator[tuple[Any, list[str]]]:
    """A page whose every request off this machine is aborted (the "no network" case)."""
    live, _ = server
    context = browser.new_context(base_url=live.url, locale="zh-CN")
    context.set_default_timeout(15_000)
    refused: list[str] = []

    def route(request_route: Any) -> None:
        host = urlparse(request_route.request.url).hostname
        if host in {"127.0.0.1", "localhost"}:
            request_route.continue_()
        else:
            refused.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    yield context.new_page(), refused
    context.close()


def _run(page: Any, query: str) -> str:
    page.wait_for_selector(".graphiql-query-editor .CodeMirror")
    page.evaluate(
        "q => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q)",
        query,
    )
    page.click(".graphiql-execute-button")
    page.wait_for_function(
        "() => { const cm = document.querySelector('.graphiql-response .CodeMirror'); return cm && cm.CodeMirror.getValue().includes('\"data\"') || (cm && cm.CodeMirror.getValue().includes('errors')); }"
    )
    return str(
        page.evaluate(
            "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
        )
    )


def test_given_no_network_when_graphiql_opens_then_it_loads_and_runs_a_query(
    offline_page: tuple[Any, list[str]],
):
    page, refused = offline_page
    page.goto("/graphql")
    answer = _run(page, "{ serviceSites { totalCount edges { node { name } } } }")
    assert "高林社区向日葵亲子小屋" in answer and "未发布的小屋" not in answer
    assert refused == []  # it never even tried to reach a CDN
    assert page.inner_text("#hf-who").startswith("未登录")


def test_given_a_signed_in_user_then_graphiql_sends_the_csrf_token(
    offline_page: tuple[Any, list[str]],
):
    page, _ = offline_page
    signed = page.request.post(
        "/auth/login", data={"email": "staff@example.cn", "password": PASSWORD}
    )
    assert signed.ok
    page.goto("/graphql")
    page.wait_for_function(
        "() => document.getElementById('hf-who').textContent.includes('staff@example.cn')"
    )
    answer = _run(page, "{ scholarshipStudents { totalCount } }")
    assert '"totalCount": 1' in answer and "CSRF" not in answer


def test_given_a_pasted_token_then_graphiql_acts_as_its_user(
    offline_page: tuple[Any, list[str]], server: tuple[LiveServer, str]
):
    page, _ = offline_page
    page.goto("/graphql")
    page.fill("#hf-token", server[1])
    assert '"totalCount": 1' in _run(page, "{ scholarshipStudents { totalCount } }")
    page.fill("#hf-token", "hf_not-a-token")
    assert "UNAUTHENTICATED" in _run(page, "{ scholarshipStudents { totalCount } }")


def test_given_a_website_on_another_origin_then_it_lists_sites_and_shows_a_field_error(
    offline_page: tuple[Any, list[str]], server: tuple[LiveServer, str]
):
    page, _ = offline_page
    live, token = server
    page.goto(f"{WEBSITE}/")
    result = page.evaluate(
        """async ([api, token]) => {
          const query = '{ serviceSites(first: 1) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }';
          const get = await fetch(api + '?query=' + encodeURIComponent(query));
          const listed = await get.json();
          const next = await fetch(api, {method: 'POST', headers: {'content-type': 'application/json'},
            body: JSON.stringify({query: 'query($after: String) { serviceSites(first: 1, after: $after) { edges { node { name } } } }',
                                  variables: {after: listed.data.serviceSites.pageInfo.endCursor}})});
          const mutation = await fetch(api, {method: 'POST',
            headers: {'content-type': 'application/json', 'accept': 'application/graphql-response+json', 'authorization': 'Bearer ' + token},
            body: JSON.stringify({query: 'mutation { createServiceSite(input: {name: "", kind: SUNFLOWER_HUT, organisationId: "T3JnYW5pc2F0aW9uOjE="}) { errors { field code message } } }'})});
          let cookie = 'not sent';
          try { await fetch(api, {method: 'POST', credentials: 'include', headers: {'content-type': 'application/json'}, body: '{"query":"{ __typename }"}'}); cookie = 'readable'; }
          catch (e) { cookie = 'blocked'; }
          return {cache: get.headers.get('cache-control'), listed, next: await next.json(), mutation: await mutation.json(), cookie};
        }""",
        [f"{live.url}/graphql", token],
    )
    assert result["cache"] == "public, max-age=60"
    assert result["listed"]["data"]["serviceSites"]["totalCount"] == 1
    assert result["next"]["data"]["serviceSites"]["edges"] == []
    errors = result["mutation"]["data"]["createServiceSite"]["errors"]
    assert errors and errors[0]["field"] == "name"
    assert result["cookie"] == "blocked"  # credentials are never allowed cross-origin
