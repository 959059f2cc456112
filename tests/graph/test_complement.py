"""Filters denote sets of rows: ``X`` and ``not: X`` add up to the total, whatever is blank.

Regression tests for issue #10's mechanism faults, each on SQLite and PostgreSQL and,
on PostgreSQL, through the planned path and field-by-field resolution alike:
``not`` of a relation filter is "no related row matches" (also when there is none),
``not`` of a field condition includes the blanks, a count-only nested connection is 0
rather than null, and the rows of a soft-deleted student (its grants) are gone with it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from strawberry import relay

from graph.context import Context
from graph.schema import build_schema
from hongfan import crud
from hongfan.db import Database
from hongfan.principal import ANONYMOUS, SYSTEM, Principal
from models import Course, ScholarshipStudent
from tests import factories


async def _answers(database: Database, query: str, principal: Principal = SYSTEM) -> list[Any]:
    """The data of ``query`` by every path this database has (resolved; planned on PostgreSQL)."""
    schema = build_schema()
    found = []
    for planned in (False, True) if database.dialect == "postgresql" else (False,):
        context = Context(database, database.settings, dataclasses.replace(principal))
        context.planning_enabled = planned
        try:
            result = await schema.execute(query, context_value=context)
        finally:
            await context.close()
        assert result.errors is None, result.errors
        assert context.planned is planned, (
            f"expected the {'planned' if planned else 'resolved'} path"
        )
        found.append(result.data)
    assert all(answer == found[0] for answer in found), found
    return found


async def _count(database: Database, plural: str, filter_text: str) -> int:
    answers = await _answers(
        database,
        f"{{ {plural}(filter: {filter_text}) {{ totalCount edges {{ node {{ id }} }} }} }}",
    )
    data = answers[0][plural]
    assert len(data["edges"]) == min(data["totalCount"], 20)
    return int(data["totalCount"])


async def _sites_and_courses(database: Database) -> None:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        tongan = await factories.organisation(s, "同安区", city)
        hut = await factories.site(s, tongan, "同安向日葵亲子小屋")
        home = await factories.site(s, tongan, "同安暖心家园", kind="warm_heart_home")
        await factories.site(s, tongan, "同安空阵地")
        await factories.course(s, tongan, "家庭健康指导员培训", site_id=hut.id)
        await factories.course(s, tongan, "亲子阅读", site_id=home.id)
        await factories.course(s, tongan, "没有阵地的讲座")  # a course with no site: a NULL link
        await factories.course(s, tongan, "另一个没有阵地的培训")


async def test_given_a_course_without_a_site_when_sites_without_courses_are_asked_then_they_are_found(
    database,
):
    await _sites_and_courses(database)
    total = await _count(database, "serviceSites", "{}")
    with_course = await _count(database, "serviceSites", "{ courses: {} }")
    without_course = await _count(database, "serviceSites", "{ not: { courses: {} } }")
    assert (total, with_course, without_course) == (3, 2, 1)
    training = await _count(
        database, "serviceSites", '{ courses: { title: { contains: "培训" } } }'
    )
    not_training = await _count(
        database, "serviceSites", '{ not: { courses: { title: { contains: "培训" } } } }'
    )
    assert (training, not_training) == (1, 2)


async def test_given_courses_without_a_site_when_not_held_at_a_hut_then_the_siteless_courses_are_included(
    database,
):
    await _sites_and_courses(database)
    total = await _count(database, "courses", "{}")
    at_hut = await _count(database, "courses", '{ site: { name: { contains: "小屋" } } }')
    not_at_hut = await _count(
        database, "courses", '{ not: { site: { name: { contains: "小屋" } } } }'
    )
    assert (total, at_hut, not_at_hut) == (4, 1, 3)
    # The to-one side: "has a site" and "has no site" are complements too.
    assert await _count(database, "courses", "{ site: {} }") == 2
    assert await _count(database, "courses", "{ not: { site: {} } }") == 2


async def _students_with_blank_majors(database: Database) -> None:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        district = await factories.organisation(s, "湖里区", city)
        await factories.student(s, district, "甲", major="护理学")
        await factories.student(s, district, "乙", major="计算机科学")
        await factories.student(s, district, "丙", major="会计")
        await factories.student(s, district, "丁", major=None)
        await factories.student(s, district, "戊", major=None)


async def test_given_blank_majors_when_a_condition_and_its_negation_are_counted_then_they_add_up(
    database,
):
    await _students_with_blank_majors(database)
    total = await _count(database, "scholarshipStudents", "{}")
    for condition in (
        '{ major: { contains: "学" } }',
        '{ major: { eq: "会计" } }',
        '{ major: { startsWith: "计" } }',
        '{ major: { in: ["会计", "护理学"] } }',
        '{ or: [{ major: { eq: "会计" } }, { name: { eq: "丁" } }] }',
        '{ major: { contains: "学" }, name: { eq: "甲" } }',
    ):
        matching = await _count(database, "scholarshipStudents", condition)
        complement = await _count(database, "scholarshipStudents", f"{{ not: {condition} }}")
        assert matching + complement == total, condition
        assert (
            await _count(database, "scholarshipStudents", f"{{ not: {{ not: {condition} }} }}")
            == matching
        )
    assert await _count(database, "scholarshipStudents", '{ not: { major: { eq: "会计" } } }') == 4
    assert await _count(database, "scholarshipStudents", '{ major: { ne: "会计" } }') == 4
    assert await _count(database, "scholarshipStudents", '{ major: { notIn: ["会计"] } }') == 4


async def test_given_students_without_grants_when_only_the_grant_count_is_asked_then_it_is_zero_not_null(
    database,
):
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        funded = await factories.student(s, city, "有助学金")
        await factories.student(s, city, "没有助学金")
        await factories.grant(s, funded, "1000.00", 2021)
        await factories.grant(s, funded, "1000.00", 2022)
    query = "{ scholarshipStudents(orderBy: [{ name: ASC }]) { edges { node { name grants { totalCount } } } } }"
    answers = await _answers(database, query)
    counts = {
        e["node"]["name"]: e["node"]["grants"]["totalCount"]
        for e in answers[0]["scholarshipStudents"]["edges"]
    }
    assert counts == {"有助学金": 2, "没有助学金": 0}
    empty = "{ scholarshipStudents { edges { node { name grants { __typename } } } } }"
    connections = [
        e["node"]["grants"]
        for e in (await _answers(database, empty))[0]["scholarshipStudents"]["edges"]
    ]
    assert connections == [{"__typename": "GrantConnection"}] * 2


async def test_given_a_deleted_student_when_grants_are_listed_and_counted_then_its_grants_are_gone(
    database,
):
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        district = await factories.organisation(s, "湖里区", city)
        kept = await factories.student(s, district, "留下")
        gone = await factories.student(s, district, "删除")
        await factories.grant(s, kept, "1000.00", 2022)
        await factories.grant(s, gone, "3000.00", 2022)
        company = await factories.company(s, district)
        await factories.internship(s, gone, company)
    async with database.transaction(SYSTEM) as s:
        await crud.delete(s, ScholarshipStudent, gone.id or 0)
    grants = (
        await _answers(
            database, "{ grants { totalCount edges { node { amount student { name } } } } }"
        )
    )[0]
    assert grants["grants"]["totalCount"] == 1
    assert [e["node"] for e in grants["grants"]["edges"]] == [
        {"amount": "1000.00", "student": {"name": "留下"}}
    ]
    internships = (
        await _answers(
            database,
            "{ internships { totalCount } companies { edges { node { internships { totalCount } } } } }",
        )
    )[0]
    assert internships["internships"]["totalCount"] == 0
    assert internships["companies"]["edges"][0]["node"]["internships"]["totalCount"] == 0
    assert await _statistics(database) == [{"year": 2022, "students": 1, "totalAmount": "1000.00"}]


async def _statistics(database: Database) -> list[dict[str, Any]]:
    schema = build_schema()
    context = Context(database, database.settings, SYSTEM)
    try:
        result = await schema.execute(
            "{ statistics { studentsFunded { year students totalAmount } } }", context_value=context
        )
    finally:
        await context.close()
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data["statistics"]["studentsFunded"]  # type: ignore[no-any-return]


async def test_given_a_deleted_course_when_not_filters_look_through_it_then_it_counts_as_no_course(
    database,
):
    await _sites_and_courses(database)
    async with database.transaction(SYSTEM) as s:
        from sqlalchemy import select

        training = (
            await s.execute(select(Course).where(Course.title == "家庭健康指导员培训"))
        ).scalar_one()
        await crud.delete(s, Course, training.id or 0)
    assert await _count(database, "serviceSites", "{ courses: {} }") == 1
    assert await _count(database, "serviceSites", "{ not: { courses: {} } }") == 2


def _readme_example(name: str) -> str:
    """The GraphQL example of the README whose operation is ``name``."""
    import pathlib
    import re

    readme = (pathlib.Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```graphql\n(.*?)```", readme, flags=re.S)
    return next(b for b in blocks if b.startswith(f"query {name}"))


async def test_given_huts_deep_under_a_district_when_the_readme_example_asks_within_it_then_they_are_listed(
    database,
):
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        tongan = await factories.organisation(s, "同安区", city)
        town = await factories.organisation(s, "大同街道", tongan, level="street")
        community = await factories.organisation(s, "东山社区", town, level="community")
        huli = await factories.organisation(s, "湖里区", city)
        await factories.site(s, community, "东山社区向日葵亲子小屋")
        await factories.site(s, tongan, "同安区向日葵亲子小屋")
        await factories.site(s, community, "东山社区暖心家园", kind="warm_heart_home")
        await factories.site(s, huli, "湖里区向日葵亲子小屋")
        hidden = await factories.organisation(
            s, "未发布社区", town, level="community", published=False
        )
        await factories.site(s, hidden, "未发布社区向日葵亲子小屋")
    district = str(relay.GlobalID("Organisation", str(tongan.id)))
    schema = build_schema()
    for principal, expected in ((SYSTEM, 3), (ANONYMOUS, 2)):
        for planned in (False, True) if database.dialect == "postgresql" else (False,):
            context = Context(database, database.settings, principal)
            context.planning_enabled = planned
            try:
                result = await schema.execute(
                    _readme_example("SunflowerHuts"),
                    variable_values={"district": district},
                    context_value=context,
                )
            finally:
                await context.close()
            assert result.errors is None and result.data is not None, result.errors
            sites = result.data["serviceSites"]
            assert sites["totalCount"] == expected
            assert all(e["node"]["name"].endswith("向日葵亲子小屋") for e in sites["edges"])
            assert "湖里区向日葵亲子小屋" not in [e["node"]["name"] for e in sites["edges"]]
    # Directly, too: the district and everything below it, and nothing for an id one cannot see.
    answers = await _answers(
        database, f'{{ organisations(filter: {{ within: "{district}" }}) {{ totalCount }} }}'
    )
    assert answers[0]["organisations"]["totalCount"] == 4
    invisible = str(relay.GlobalID("Organisation", str(hidden.id)))
    anonymous = await _answers(
        database,
        f'{{ organisations(filter: {{ within: "{invisible}" }}) {{ totalCount }} }}',
        ANONYMOUS,
    )
    assert anonymous[0]["organisations"]["totalCount"] == 0
