"""The admin UI cannot be framed or made to run a script it did not ship (issue #9.8).

Every admin response carries a Content-Security-Policy that allows scripts from the site's
own files only (no ``unsafe-inline``), forbids framing, sniffing and sending the page's URL
to other sites; and the templates give that policy nothing to break: no inline script, no
``on…=`` handler, no ``style=`` attribute, no ``javascript:`` link.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from hongfan.app import create_app
from hongfan.db import Database
from hongfan.headers import ADMIN_CSP
from tests.conftest import settings_for

TEMPLATES = Path(__file__).resolve().parents[2] / "admin_ui" / "templates"


def directives(csp: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


@pytest.fixture
async def client(tmp_path: Path) -> httpx.AsyncClient:
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    app = create_app(settings, Database(settings))
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_given_the_admin_sign_in_page_when_fetched_then_it_may_not_be_framed_or_run_inline_script(
    client: httpx.AsyncClient,
) -> None:
    # When anyone opens the sign-in page (no database needed for it)
    response = await client.get("/admin/login")
    assert response.status_code == 200
    # Then the policy allows the site's own scripts only, and nobody may frame it
    csp = directives(response.headers["content-security-policy"])
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/admin/", "/admin/static/admin.js", "/admin/nope/1"])
async def test_given_any_admin_url_when_fetched_then_the_same_headers_come_with_it(
    client: httpx.AsyncClient, path: str
) -> None:
    # A redirect to the sign-in page, a static file, a page that does not exist: all protected
    response = await client.get(path)
    assert response.headers["content-security-policy"] == ADMIN_CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_given_the_api_when_called_then_it_is_not_sniffed_nor_framed(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on…= event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"<style[\s>]", re.I), "an inline <style>"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_given_the_admin_templates_then_nothing_in_them_needs_unsafe_inline(template: str) -> None:
    # The policy allows no inline script or style, so a template that had one would break
    # silently in the browser; say which template and what instead
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for pattern, what in INLINE:
        match = pattern.search(text)
        assert match is None, (
            f"{template} has {what} ({match.group(0)!r}): move it to admin_ui/static"
        )
