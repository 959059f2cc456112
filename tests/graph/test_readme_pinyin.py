"""The README's pinyin example works for the account the README suggests (tester finding 8.4):
signed in as huli.admin, ``lsl`` finds 刘示例壬 and the other 湖里 刘/李/林/卢示例 students;
``lcs`` (刘测试九 …) is there for a superadmin."""

from __future__ import annotations

import sqlalchemy as sa

from hongfan.db import Database
from hongfan.principal import SYSTEM, Principal, Role
from models.organisations import Organisation
from tests import factories
from tests.graph.conftest import data_of

SEARCH = """query($p: String!) { scholarshipStudents(first: 100, filter: {name: {pinyin: $p}}) {
  totalCount edges { node { name } } } }"""


async def test_given_the_demo_signed_in_as_huli_admin_when_searching_the_readme_initials_then_its_students_are_found(
    demo_database: Database, run
) -> None:
    async with demo_database.session(SYSTEM) as s:
        huli = (
            await s.execute(sa.select(Organisation).where(Organisation.name == "湖里区"))
        ).scalar_one()
    admin = factories.staff(Role.ORG_ADMIN, huli, actor="huli.admin")
    found = data_of(await run(SEARCH, {"p": "lsl"}, principal=admin))["scholarshipStudents"]
    names = {edge["node"]["name"] for edge in found["edges"]}
    assert {"刘示例壬", "李示例十"} <= names, names
    assert all(n[0] in "刘李林卢" and n[1:3] == "示例" for n in names), names
    superadmin = Principal(kind="user", actor="admin", role=Role.SUPERADMIN)
    everyone = data_of(await run(SEARCH, {"p": "lcs"}, principal=superadmin))
    assert "刘测试九" in {e["node"]["name"] for e in everyone["scholarshipStudents"]["edges"]}
