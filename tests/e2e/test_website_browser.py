"""The "done when" of #14: a website on another origin, in Chromium, calls Hongfan the way
urql's default client does (GET for queries, POST for mutations, ``Accept:
application/graphql-response+json``) with the ``fetch`` helper of docs/frontend.md — the
very code of the guide — lists the published sites, pages forward and back, and shows a
mutation's field error."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.db import Database, create_engine
from hongfan.principal import SYSTEM, Role
from hongfan.settings import Settings
from tests import factories
from tests.e2e.conftest import ROOT, free_port, run_async, serving

WEBSITE_PORT = free_port()
WEBSITE = f"http://127.0.0.1:{WEBSITE_PORT}"
PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>服务阵地</title>
<h1>服务阵地</h1><ul id="sites"></ul><p id="pages"></p><p id="error" role="alert"></p>
<script src="hongfan.js"></script></html>"""


def guide_helper() -> str:
    """The fetch helper exactly as docs/frontend.md prints it."""
    guide = (ROOT / "docs" / "frontend.md").read_text(encoding="utf-8")
    (script,) = [s for s in re.findall(r"^```js\n(.*?)^```$", guide, re.S | re.M) if "fetch(" in s]
    return script


async def _prepare(settings: Settings) -> tuple[str, str]:
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    db = Database(settings, engine)
    try:
        async with db.transaction(SYSTEM) as s:
            city = await factories.organisation(s, "厦门市")
            for name in ("甲社区向日葵亲子小屋", "乙社区向日葵亲子小屋", "丙社区暖心家园"):
                await factories.site(s, city, name)
            await factories.site(s, city, "未发布的小屋", published=False)
        async with db.transaction(AUTH) as s:
            user, _ = await accounts.create_user(
                s, SYSTEM, "staff@example.cn", Role.SUPERADMIN, password="correct horse battery"
            )
            _, token = await accounts.issue_token(s, SYSTEM, user.id)  # type: ignore[arg-type]
    finally:
        await db.dispose()
    return token, f"Organisation:{city.id}"


@pytest.fixture(scope="module")
def website(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """The API on one port, the website (another origin) on another: (api, token, city id)."""
    import base64

    path = tmp_path_factory.mktemp("website") / "website.db"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}", secret_key="e2e", cors_origins=(WEBSITE,)
    )
    token, city = run_async(lambda: _prepare(settings))
    root = tmp_path_factory.mktemp("website-root")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "hongfan.js").write_text(guide_helper(), encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", WEBSITE_PORT), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        with serving(settings, "website test's API") as url:
            yield f"{url}/graphql", token, base64.b64encode(city.encode()).decode()
    finally:
        site.shutdown()


SCRIPT = """async ([api, token, city]) => {
  const list = `query Sites($first: Int, $after: String, $last: Int, $before: String) {
    serviceSites(first: $first, after: $after, last: $last, before: $before, orderBy: {id: ASC}) {
      totalCount edges { node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
  const first = await hongfan(api, list, {first: 2});
  const next = await hongfan(api, list, {first: 2, after: first.data.serviceSites.pageInfo.endCursor});
  const back = await hongfan(api, list, {last: 2, before: next.data.serviceSites.pageInfo.startCursor});
  const ul = document.getElementById('sites');
  for (const page of [first, next]) for (const {node} of page.data.serviceSites.edges) {
    const li = document.createElement('li'); li.textContent = node.name; ul.appendChild(li);
  }
  document.getElementById('pages').textContent = `共 ${first.data.serviceSites.totalCount} 个`;
  const created = await hongfan(api,
    `mutation { createServiceSite(input: {name: "", kind: SUNFLOWER_HUT, organisationId: "${city}"}) { serviceSite { id } errors { field code message } } }`,
    {}, token);
  const error = created.data.createServiceSite.errors[0];
  document.getElementById('error').textContent = `${error.field}：${error.message}`;
  const anonymousPeople = await hongfan(api, '{ scholarshipStudents { totalCount } }');
  return {first, next, back, created, anonymousPeople};
}"""


def test_given_a_website_on_another_origin_when_it_calls_like_urql_then_it_lists_pages_and_shows_a_field_error(
    browser: Any, website: tuple[str, str, str]
):
    api, token, city = website
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(15_000)
    sent: list[tuple[str, str, str]] = []
    context.on(
        "request",
        lambda request: (
            sent.append((request.method, request.url, request.headers.get("accept", "")))
            if request.url.startswith(api)
            else None
        ),
    )
    try:
        page = context.new_page()
        page.goto(f"{WEBSITE}/index.html")
        page.wait_for_function("() => typeof hongfan === 'function'")
        result = page.evaluate(SCRIPT, [api, token, city])
        listed = page.inner_text("#sites")
        shown_error = page.inner_text("#error")
        pages = page.inner_text("#pages")
    finally:
        context.close()
    names = lambda answer: [e["node"]["name"] for e in answer["data"]["serviceSites"]["edges"]]  # noqa: E731
    assert names(result["first"]) == ["甲社区向日葵亲子小屋", "乙社区向日葵亲子小屋"]
    assert names(result["next"]) == ["丙社区暖心家园"]
    assert names(result["back"]) == names(result["first"])  # paged back to where it started
    assert result["back"]["data"]["serviceSites"]["pageInfo"]["hasPreviousPage"] is False
    assert "未发布的小屋" not in listed and "丙社区暖心家园" in listed
    assert pages == "共 3 个"
    errors = result["created"]["data"]["createServiceSite"]["errors"]
    assert errors[0]["field"] == "name" and result["created"]["status"] == 200
    assert shown_error.startswith("name：") and len(shown_error) > len("name：")
    # an anonymous people-list: told to sign in, readable across origins
    assert result["anonymousPeople"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # urql's defaults on the wire: queries by GET, the mutation by POST, the media type asked
    methods = [method for method, _url, _accept in sent if method != "OPTIONS"]
    assert methods == ["GET", "GET", "GET", "POST", "GET"]
    assert all(
        a.startswith("application/graphql-response+json") for m, _u, a in sent if m != "OPTIONS"
    )
