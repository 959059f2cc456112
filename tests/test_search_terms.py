"""A searched name finds the same rows however it was pasted: invisible characters and
full-width spaces are not part of what was meant, in the admin search box and in GraphQL.

Given students named 李华甲, 李华乙 … (tests/test_admin_list_keyset.py's world), when a
superadmin searches the admin list, or asks GraphQL for ``name: {contains: …}`` or
``startsWith``, with a soft hyphen, a function-application sign (U+2061), a Mongolian
vowel separator (U+180E), a left-to-right or right-to-left mark, a direction override or
a zero-width space inside the term — or a full-width space (U+3000) after it — then she
gets exactly the rows the plain term finds, neither none nor an error. On SQLite and
PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
import pytest

from graph.context import Context
from graph.schema import build_schema
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models.validators import search_term
from tests.admin_ui.conftest import AdminClient
from tests.test_admin_list_keyset import _world, http  # noqa: F401  (the shared fixture)

INVISIBLE = {
    "soft hyphen": "\u00ad",
    "function application": "\u2061",
    "Mongolian vowel separator": "\u180e",
    "left-to-right mark": "\u200e",
    "right-to-left mark": "\u200f",
    "right-to-left override": "\u202e",
    "zero-width space": "\u200b",
}
COUNT = """query($f: ScholarshipStudentFilter) {
  scholarshipStudents(filter: $f, first: 100) { totalCount edges { node { name } } } }"""


def test_a_search_term_loses_its_invisible_characters_and_the_blanks_around_it() -> None:
    """Given terms as people paste them; then each is what they meant."""
    assert search_term("李\u00ad华\u3000") == "李华"
    assert search_term("\u3000 李\u2061\u180e\u200e\u200f华\u00a0 ") == "李华"
    assert search_term("李 华") == "李 华"  # a space inside is meant


async def _names(database: Database, where: dict[str, Any]) -> list[str]:
    principal = dataclasses.replace(SYSTEM, language="zh")
    context = Context(database, database.settings, principal)
    try:
        result = await build_schema().execute(
            COUNT, variable_values={"f": where}, context_value=context
        )
    finally:
        await context.close()
    assert result.errors is None, result.errors
    found = result.data["scholarshipStudents"]  # type: ignore[index]
    assert found["totalCount"] == len(found["edges"])
    return sorted(e["node"]["name"] for e in found["edges"])


async def test_given_invisible_characters_in_a_graphql_name_filter_then_the_same_students(
    database: Database,
) -> None:
    """Given the students; when GraphQL's name filter is asked with each invisible character
    inside the term, or a full-width space after it (contains and startsWith); then the
    students found are those of the plain term."""
    await _world(database)
    plain = await _names(database, {"name": {"contains": "李华"}})
    starting = await _names(database, {"name": {"startsWith": "李"}})
    assert plain and starting
    for what, mark in INVISIBLE.items():
        assert await _names(database, {"name": {"contains": f"李{mark}华"}}) == plain, what
        assert await _names(database, {"name": {"startsWith": f"{mark}李"}}) == starting, what
    assert await _names(database, {"name": {"contains": "李华\u3000"}}) == plain
    assert await _names(database, {"name": {"contains": "李华 "}}) == plain
    assert await _names(database, {"name": {"startsWith": "李\u3000"}}) == starting


def _ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="ids" value="(\d+)"', page)]


@pytest.mark.parametrize("what", [*INVISIBLE, "full-width space after"])
async def test_given_an_invisible_character_in_the_admin_search_then_the_same_students(
    database: Database,
    http: httpx.AsyncClient,  # noqa: F811
    what: str,
) -> None:
    """Given the students; when the superadmin searches the student list for 李华 with an
    invisible character inside (or a full-width space after); then the list shows the
    students 李华 alone shows."""
    await _world(database)
    client = AdminClient(http)
    await client.login("root@example.cn")
    plain = await client.post("/admin/scholarship-students", {"q": "李华"})
    term = "李华\u3000" if what not in INVISIBLE else f"李{INVISIBLE[what]}华"
    pasted = await client.post("/admin/scholarship-students", {"q": term})
    assert plain.status_code == pasted.status_code == 200
    assert _ids(plain.text) and _ids(pasted.text) == _ids(plain.text), what
