"""Query.aggregate: grants per year with their sum, as the caller may see them; bad asks explained."""

from __future__ import annotations

from hongfan.principal import SYSTEM, Principal, Role
from tests import factories
from tests.graph.conftest import data_of

QUERY = """{ aggregate(type: "Grant", groupBy: ["year"], measures: [{op: COUNT}, {op: SUM, field: "amount"}]) {
  groups values } }"""


async def test_grants_per_year_with_their_sum_under_the_callers_scope(run, database) -> None:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "测试市")
        a = await factories.organisation(s, "甲区", city)
        b = await factories.organisation(s, "乙区", city)
        await factories.grant(s, await factories.student(s, a), "1500.50", year=2022)
        await factories.grant(s, await factories.student(s, b), "800.00", year=2022)
    admin = Principal(kind="user", actor="t", role=Role.SUPERADMIN)
    rows = data_of(await run(QUERY, principal=admin))["aggregate"]
    assert rows == [{"groups": {"year": 2022}, "values": {"count": 2, "sumAmount": "2300.50"}}]
    editor = Principal(
        kind="user", actor="t", role=Role.EDITOR, organisation_id=b.id, organisation_path=b.path
    )
    rows = data_of(await run(QUERY, principal=editor))["aggregate"]
    assert rows == [{"groups": {"year": 2022}, "values": {"count": 1, "sumAmount": "800.00"}}]


async def test_grouping_by_personal_data_is_refused_in_the_callers_language(run, database) -> None:
    query = '{ aggregate(type: "ScholarshipStudent", groupBy: ["familyCategory"]) { groups } }'
    result = await run(query)
    assert result.errors and "无法按此统计" in result.errors[0].message
    result = await run(query, lang="en")
    assert result.errors and "Cannot aggregate" in result.errors[0].message
