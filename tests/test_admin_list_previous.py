"""An admin list's 上一页 is a plain link back one page, asked of the server (#16.2).

Given the students and internships of :mod:`tests.test_admin_list_keyset` (ties and blanks
in every sortable column, up to four pages of 25), when a superadmin or a district org
admin follows "next" to the last page of a list sorted by a column — up and down, also a
search — and then 上一页 back to the start, then the pages come back exactly as they went,
in reverse, without JavaScript; the first page has no 上一页; and a before-position not
made for the list is treated as a tampered after-position is. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import re

import httpx
import pytest

from hongfan.db import Database
from tests.admin_ui.conftest import AdminClient
from tests.test_admin_list_keyset import _world, http  # noqa: F401  (the shared fixture)

WALKS = [
    ("internships", "position", ""),
    ("internships", "-end_date", ""),
    ("internships", "status", ""),
    ("scholarship-students", "-major", ""),
    ("scholarship-students", "organisation_id", ""),
    ("scholarship-students", "-graduation_year", "华"),
]


async def _open(client: AdminClient, slug: str, sort: str, search: str, **at: str) -> str:
    form = {"sort": sort, **({"q": search} if search else {}), **at}
    if search:  # a search, and its pages, are asked for by POST (#12)
        response = await client.post(f"/admin/{slug}", form)
    else:
        response = await client.get(f"/admin/{slug}?" + str(httpx.QueryParams(form)))
    assert response.status_code == 200, response.text[:300]
    return response.text


def _ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="ids" value="(\d+)"', page)]


def _position(page: str, name: str, rel: str) -> str | None:
    """Where the page's next (previous) link or button leads, as its after (before) value."""
    link = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    if link:
        return httpx.URL(html.unescape(link.group(1))).params[name]
    button = re.search(rf'name="{name}" value="([^"]+)" rel="{rel}"', page)
    return html.unescape(button.group(1)) if button else None


@pytest.mark.parametrize("caller", ["root@example.cn", "huli@example.cn"])
async def test_previous_walks_back_through_the_same_pages_in_reverse(
    database: Database,
    http: httpx.AsyncClient,  # noqa: F811
    caller: str,
):
    await _world(database)
    client = AdminClient(http)
    await client.login(caller)
    for slug, sort, search in WALKS:
        first = await _open(client, slug, sort, search)
        assert _position(first, "before", "prev") is None, (slug, sort, "first page")
        assert "上一页" not in first
        forward, page = [_ids(first)], first
        while after := _position(page, "after", "next"):
            page = await _open(client, slug, sort, search, after=after)
            forward.append(_ids(page))
            assert len(forward) <= 10, "more pages than rows"
        assert len(forward) > 1, (slug, sort, "the walk must cross a page boundary")
        backward = [forward[-1]]
        while before := _position(page, "before", "prev"):
            assert "上一页" in page
            page = await _open(client, slug, sort, search, before=before)
            backward.append(_ids(page))
            assert len(backward) <= 10, "more pages than rows"
        assert backward == forward[::-1], (slug, sort, search)


async def test_a_tampered_before_position_is_treated_as_a_tampered_after_position(
    database: Database,
    http: httpx.AsyncClient,  # noqa: F811
):
    await _world(database)
    client = AdminClient(http)
    await client.login("root@example.cn")
    first = await _open(client, "internships", "position", "")
    second = await _open(
        client, "internships", "position", "", after=_position(first, "after", "next") or ""
    )
    made = _position(second, "before", "prev")
    assert made is not None
    # The same position made for another ordering, and one whose bytes were altered.
    for forged in (made[:-2] + ("AA" if not made.endswith("AA") else "BB"), "x" + made):
        refused_after = await _open(client, "internships", "-position", "", after=forged)
        refused_before = await _open(client, "internships", "-position", "", before=forged)
        assert _ids(refused_before) == _ids(refused_after)
    unsorted_cursor = await _open(client, "internships", "-position", "", before=made)
    assert _ids(unsorted_cursor) == _ids(await _open(client, "internships", "-position", ""))
