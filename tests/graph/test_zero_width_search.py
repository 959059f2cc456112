"""A search term is normalised as stored text is: a zero-width space copied with a name
(``刘\\u200b示例``) is removed, so the term finds the name it was copied from (tester finding:
it matched nothing in the admin search and in GraphQL filters)."""

from __future__ import annotations

import sqlalchemy as sa

from admin_ui.search import text_match
from hongfan.db import Database
from hongfan.principal import SYSTEM, Principal, Role
from models import ScholarshipStudent
from tests import factories
from tests.graph.conftest import data_of

ADMIN = Principal(kind="user", actor="admin", role=Role.SUPERADMIN)
SEARCH = """query($f: ScholarshipStudentFilter) { scholarshipStudents(first: 10, filter: $f) {
  edges { node { name } } } }"""


async def test_given_a_term_with_a_zero_width_space_when_searching_then_the_name_is_found(
    database: Database, run
) -> None:
    # Given 刘示例 and another student
    async with database.transaction(SYSTEM) as s:
        home = await factories.organisation(s, "厦门市")
        await factories.student(s, home, "刘示例")
        await factories.student(s, home, "王测试")
    # When a GraphQL filter's term carries a zero-width space, then 刘示例 is found
    for operand in (
        {"contains": "刘\u200b示例"},
        {"eq": "刘示例\u200b"},
        {"startsWith": "\u200b刘"},
        {"in": ["刘\u200d示例"]},
        {"pinyin": "l\u200bsl"},
    ):
        found = data_of(await run(SEARCH, {"f": {"name": operand}}, principal=ADMIN))
        names = [e["node"]["name"] for e in found["scholarshipStudents"]["edges"]]
        assert names == ["刘示例"], (operand, names)
    # When the admin search's term carries one, then 刘示例 is found too
    async with database.session(SYSTEM) as s:
        for term in ("刘\u200b示例", "liu\u200bshi"):
            where = text_match(ADMIN, ScholarshipStudent, term).where
            assert where is not None
            found = await s.execute(sa.select(ScholarshipStudent.name).where(where))  # type: ignore[call-overload]
            assert list(found.scalars()) == ["刘示例"], term
