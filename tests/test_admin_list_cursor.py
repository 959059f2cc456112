"""An admin list's page position is signed and names a row only: a bad one says so (#16.2, #12).

Given the students and internships of :mod:`tests.test_admin_list_keyset` (four pages of
students), when a superadmin opens page 2 with its position altered, made up, cut short,
in the old unsigned form, or signed with another key, then she gets the first page with
"翻页位置无效或已过期，已回到第一页" — never a 500, never some other page silently — and
the genuine position still opens page 2 without the notice. Whatever the list is sorted by
(a name, an ID number or a phone asked for), the positions in its links carry no name, ID
number or phone, plain or base64-encoded. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from types import SimpleNamespace

import httpx
import sqlalchemy as sa

from hongfan import signing
from hongfan.db import Database
from hongfan.pagination import ROW_CURSOR, Direction, SortKey, encode_cursor
from hongfan.principal import SYSTEM
from models import ScholarshipStudent
from tests.admin_ui.conftest import AdminClient
from tests.test_admin_list_keyset import _world, http  # noqa: F401  (the shared fixture)

NOTICE = "翻页位置无效或已过期，已回到第一页"
NOTICE_EN = "That page position is invalid or has expired; back to the first page"


def _ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="ids" value="(\d+)"', page)]


def _next(page: str) -> str:
    link = re.search(r'href="([^"]+)" rel="next"', page)
    assert link, "the page has a next link"
    return httpx.URL(html.unescape(link.group(1))).params["after"]


async def _list(client: AdminClient, query: str) -> httpx.Response:
    response = await client.get(f"/admin/scholarship-students?{query}")
    assert response.status_code == 200, response.text[:300]
    return response


async def test_given_an_altered_page_position_when_opened_then_the_first_page_says_so(
    database: Database,
    http: httpx.AsyncClient,  # noqa: F811
) -> None:
    """Given page 1 and its link to page 2; when the position in that link is altered in
    any way (a character changed, cut, made up, re-signed with another key, the old
    unsigned base64 form, nonsense) and opened as next or previous; then the first page
    shows with the notice, and the genuine position opens page 2 without it."""
    await _world(database)
    client = AdminClient(http)
    await client.login("root@example.cn")
    first = (await _list(client, "sort=major")).text
    assert NOTICE not in first
    made = _next(first)
    second = (await _list(client, f"sort=major&after={made}")).text
    assert NOTICE not in second and _ids(second) and _ids(second) != _ids(first)

    raw, _, mac = made.rpartition(".")
    last = _ids(first)[-1]  # the row the position names
    async with database.session(SYSTEM) as s:
        row = (
            await s.execute(sa.select(ScholarshipStudent).where(ScholarshipStudent.id == last))
        ).scalar_one()  # type: ignore[arg-type]
    keys = [SortKey("major", Direction.ASC), SortKey("id", Direction.ASC)]
    forged = {
        "a character changed": made[:-1] + ("A" if made[-1] != "A" else "B"),
        "another row, same signature": raw.replace(f".{last}", f".{last + 1}") + "." + mac,
        "cut short": made[: len(made) // 2],
        "signed with another key": signing.sign(raw, "another-secret", ROW_CURSOR),
        "the old unsigned form": encode_cursor(SimpleNamespace(major=row.major, id=row.id), keys),
        "made for another list": signing.sign(
            raw.replace(ScholarshipStudent.__tablename__, "internship"), "test-secret", ROW_CURSOR
        ),
        "nonsense": "%E4%BD%A0%00..~~" + "9" * 300,
    }
    for what, cursor in forged.items():
        for side in ("after", "before"):
            page = (await _list(client, f"sort=major&{side}={cursor}")).text
            assert NOTICE in page, (what, side)
            assert _ids(page) == _ids(first), (what, side)

    english = await _list(client, f"sort=major&lang=en&after={forged['cut short']}")
    assert NOTICE_EN in english.text and _ids(english.text) == _ids(first)


async def test_given_a_list_sorted_by_anything_when_paged_then_its_positions_hold_no_personal_data(
    database: Database,
    http: httpx.AsyncClient,  # noqa: F811
) -> None:
    """Given students with names, ID numbers and phones; when the list is sorted by name
    (the default), asked to sort by ID number or by phone, or by major, and paged; then no
    next link's position holds a student's name (characters or pinyin), ID number or phone,
    as it is or base64-decoded — and the position still leads to page 2."""
    await _world(database)
    client = AdminClient(http)
    await client.login("root@example.cn")
    async with database.session(SYSTEM) as s:
        students = (await s.execute(sa.select(ScholarshipStudent))).scalars().all()
    personal = set()
    for student in students:
        personal |= {student.name, student.name_pinyin.split(" ")[0], student.id_number}
        personal |= {student.phone or ""}
    personal.discard("")
    for sort in ("", "-name", "id_number", "-phone", "major"):
        first = (await _list(client, f"sort={sort}")).text
        cursor = _next(first)
        readable = [cursor]
        for part in cursor.split("."):
            try:
                readable.append(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode())
            except (binascii.Error, UnicodeDecodeError, ValueError):
                pass
        for text in readable:
            assert not [p for p in personal if p and p in text], (sort, text)
        second = (await _list(client, f"sort={sort}&after={cursor}")).text
        assert NOTICE not in second and _ids(second) and set(_ids(second)).isdisjoint(_ids(first))
