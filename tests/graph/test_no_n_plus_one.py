"""A nested query costs the same number of SQL statements at 10 rows as at 100."""

from __future__ import annotations

from hongfan.db import Database
from hongfan.principal import SYSTEM
from tests import factories
from tests.conftest import StatementCounter
from tests.graph.conftest import data_of

NESTED = """{ scholarshipStudents(first: 100, orderBy: [{ name: ASC }]) { totalCount edges { node {
    name organisation { name parent { name } }
    grants { totalCount edges { node { year amount } } }
    internships { edges { node { status company { name organisation { name } } } } }
} } } }"""


async def _students(database: Database, count: int) -> None:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        district = await factories.organisation(s, "同安区", city)
        companies = [await factories.company(s, district) for _ in range(3)]
        for i in range(count):
            community = await factories.organisation(s, f"社区{i}", district, level="community")
            student = await factories.student(s, community, f"学生{i:03d}")
            await factories.grant(s, student, "1000.00", 2021)
            await factories.grant(s, student, "1200.00", 2022)
            await factories.internship(s, student, companies[i % 3])


async def test_nested_query_statement_count_does_not_grow_with_rows(
    run, database, sql_counter: StatementCounter
):
    await _students(database, 10)
    sql_counter.reset()
    small = data_of(await run(NESTED))
    at_ten = sql_counter.count
    assert small["scholarshipStudents"]["totalCount"] == 10

    async with database.transaction(SYSTEM) as s:
        from models import Organisation

        district = await s.get(Organisation, 2)
        assert district is not None
        companies_district = district
        for i in range(10, 100):
            community = await factories.organisation(
                s, f"社区{i}", companies_district, level="community"
            )
            student = await factories.student(s, community, f"学生{i:03d}")
            await factories.grant(s, student, "1000.00", 2021)
            await factories.grant(s, student, "1200.00", 2022)
            company = await factories.company(s, companies_district)
            await factories.internship(s, student, company)

    sql_counter.reset()
    large = data_of(await run(NESTED))
    at_hundred = sql_counter.count
    assert large["scholarshipStudents"]["totalCount"] == 100
    assert len(large["scholarshipStudents"]["edges"]) == 100
    first = large["scholarshipStudents"]["edges"][0]["node"]
    assert first["grants"]["totalCount"] == 2
    assert first["internships"]["edges"][0]["node"]["company"]["organisation"]["name"] == "同安区"
    assert at_hundred == at_ten, sql_counter.statements
    # page, count, organisations x2 levels, grants page + count, internships, companies, company orgs,
    # plus BEGIN/ROLLBACK: a handful, never one per row
    assert at_ten <= 14, sql_counter.statements
