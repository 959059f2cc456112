"""The public GraphQL contract: lists, filters, ordering, cursors, relations, node, mutations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from strawberry import relay

from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import Organisation
from tests import factories
from tests.graph.conftest import data_of


def gid(type_name: str, pk: int | None) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def _network(database: Database) -> dict[str, Any]:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        siming = await factories.organisation(s, "思明区", city)
        huli = await factories.organisation(s, "湖里区", city)
        street = await factories.organisation(s, "殿前街道", huli, level="street")
        gaolin = await factories.organisation(s, "高林社区", street, level="community")
        await factories.site(s, gaolin, "高林社区向日葵亲子小屋")
        await factories.site(s, siming, "思明区暖心家园", kind="warm_heart_home")
        student = await factories.student(s, gaolin, "林示例")
        await factories.grant(s, student, "1500.50", 2021)
        await factories.grant(s, student, "2000.00", 2022)
    return {
        "city": city,
        "siming": siming,
        "huli": huli,
        "street": street,
        "gaolin": gaolin,
        "student": student,
    }


async def test_organisations_filtered_by_name_contains_chinese_fragment(run, database):
    await _network(database)
    result = await run(
        '{ organisations(filter: { name: { contains: "思明" } }) { totalCount edges { node { name level } } } }'
    )
    data = data_of(result)["organisations"]
    assert data["totalCount"] == 1
    assert data["edges"][0]["node"] == {"name": "思明区", "level": "DISTRICT"}


async def test_relation_filter_finds_students_by_their_organisations_name(run, database):
    await _network(database)
    query = """{ scholarshipStudents(filter: { organisation: { parent: { name: { eq: "殿前街道" } } } }) {
        edges { node { name organisation { name parent { name } } } } } }"""
    edges = data_of(await run(query))["scholarshipStudents"]["edges"]
    assert [e["node"]["name"] for e in edges] == ["林示例"]
    assert edges[0]["node"]["organisation"] == {"name": "高林社区", "parent": {"name": "殿前街道"}}


async def test_and_or_not_combine(run, database):
    await _network(database)
    query = """{ organisations(filter: { or: [{ name: { eq: "思明区" } }, { name: { startsWith: "湖里" } }],
        not: { level: { eq: CITY } } }, orderBy: [{ name: ASC }]) { edges { node { name } } } }"""
    names = [e["node"]["name"] for e in data_of(await run(query))["organisations"]["edges"]]
    assert sorted(names) == ["思明区", "湖里区"]


async def test_children_and_parent_both_ways(run, database):
    await _network(database)
    query = """{ organisations(filter: { parentId: { isNull: true } } ) { edges { node { name
        children(orderBy: [{ name: ASC }]) { totalCount edges { node { name parent { name } } } } } } } }"""
    root = data_of(await run(query))["organisations"]["edges"]
    assert len(root) == 1
    children = root[0]["node"]["children"]
    assert children["totalCount"] == 2
    assert {e["node"]["parent"]["name"] for e in children["edges"]} == {"厦门市"}


async def test_money_is_exact_decimal_and_grants_nest_under_students(run, database):
    await _network(database)
    query = "{ scholarshipStudents { edges { node { grants(orderBy: [{ year: ASC }]) { edges { node { year amount } } } } } } }"
    grants = data_of(await run(query))["scholarshipStudents"]["edges"][0]["node"]["grants"]["edges"]
    assert [(g["node"]["year"], g["node"]["amount"]) for g in grants] == [
        (2021, "1500.50"),
        (2022, "2000.00"),
    ]
    assert sum(Decimal(g["node"]["amount"]) for g in grants) == Decimal("3500.50")


async def test_walking_pages_with_cursors_sees_every_row_once_in_order(run, database):
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        for i in range(23):
            # repeated and missing addresses exercise the tiebreak and the nulls-last rule
            await factories.organisation(
                s,
                f"社区{i:02d}",
                city,
                level="community",
                address=None if i % 4 == 0 else f"地址{i % 3}",
            )
    seen: list[str] = []
    after = None
    while True:
        result = await run(
            """query($after: String) { organisations(filter: { level: { eq: COMMUNITY } },
               orderBy: [{ address: DESC }], first: 5, after: $after) {
               totalCount pageInfo { hasNextPage endCursor } edges { node { name address } } } }""",
            {"after": after},
        )
        page = data_of(result)["organisations"]
        assert page["totalCount"] == 23
        seen.extend(e["node"]["name"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 23 and len(set(seen)) == 23
    # one query of everything in the same order gives the same sequence
    full = await run(
        "{ organisations(filter: { level: { eq: COMMUNITY } }, orderBy: [{ address: DESC }], first: 100) { edges { node { name address } } } }"
    )
    nodes = [e["node"] for e in data_of(full)["organisations"]["edges"]]
    assert [n["name"] for n in nodes] == seen
    addresses = [n["address"] for n in nodes]
    assert addresses[-6:] == [None] * 6  # nulls last


@pytest.mark.parametrize("first", [-1, 101])
async def test_page_size_outside_limits_is_refused_with_a_clear_message(run, database, first):
    await _network(database)
    result = await run(f"{{ organisations(first: {first}) {{ totalCount }} }}")
    assert result.errors and "每页条数" in result.errors[0].message


async def test_garbage_cursor_is_refused(run, database):
    await _network(database)
    result = await run('{ organisations(after: "not-a-cursor") { totalCount } }', lang="en")
    assert result.errors and "cursor" in result.errors[0].message


async def test_node_fetches_every_record_type_by_global_id(run, database):
    net = await _network(database)
    async with database.transaction(SYSTEM) as s:
        company = await factories.company(s, net["huli"])
        internship = await factories.internship(s, net["student"], company)
        course = await factories.course(s, net["huli"])
        enrolment = await factories.enrolment(s, course, net["gaolin"])
    for type_name, pk in [
        ("Organisation", net["gaolin"].id),
        ("ScholarshipStudent", net["student"].id),
        ("Company", company.id),
        ("Internship", internship.id),
        ("Course", course.id),
        ("Enrolment", enrolment.id),
    ]:
        result = await run(
            "query($id: ID!) { node(id: $id) { __typename id } }", {"id": gid(type_name, pk)}
        )
        assert data_of(result)["node"] == {"__typename": type_name, "id": gid(type_name, pk)}
    missing = await run("query($id: ID!) { node(id: $id) { id } }", {"id": gid("Company", 999999)})
    assert data_of(missing)["node"] is None


CREATE_STUDENT = """mutation($input: CreateScholarshipStudentInput!) { createScholarshipStudent(input: $input) {
    scholarshipStudent { id name version organisation { name } } errors { field code message } } }"""


def _student_input(home: Organisation, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "陈示例",
        "gender": "FEMALE",
        "idNumber": "11010519491231002X",
        "familyCategory": "ONLY_CHILD_LOW_INCOME",
        "organisationId": gid("Organisation", home.id),
        "university": "集美大学",
        "enrolmentYear": 2022,
        "graduationYear": 2026,
        **overrides,
    }


async def test_create_with_bad_id_number_and_phone_gives_field_errors_in_chinese_and_writes_nothing(
    run, database
):
    net = await _network(database)
    bad = _student_input(
        net["gaolin"], idNumber="110105194912310021", phone="12345", graduationYear=2020
    )
    payload = data_of(await run(CREATE_STUDENT, {"input": bad}))["createScholarshipStudent"]
    assert payload["scholarshipStudent"] is None
    by_field = {e["field"]: e for e in payload["errors"]}
    assert by_field["idNumber"]["code"] == "id_number.check_digit"
    assert "校验位" in by_field["idNumber"]["message"]
    assert by_field["phone"]["code"] == "phone.format"
    count = data_of(await run("{ scholarshipStudents { totalCount } }"))["scholarshipStudents"][
        "totalCount"
    ]
    assert count == 1


async def test_field_errors_in_english_when_asked(run, database):
    net = await _network(database)
    bad = _student_input(net["gaolin"], graduationYear=2020, gender="MALE")
    payload = data_of(await run(CREATE_STUDENT, {"input": bad}, lang="en"))[
        "createScholarshipStudent"
    ]
    messages = {e["field"]: e["message"] for e in payload["errors"]}
    assert "graduation year" in messages["graduationYear"]
    assert "gender" in messages["gender"].lower()


async def test_duplicate_id_number_is_a_field_error(run, database):
    net = await _network(database)
    first = data_of(await run(CREATE_STUDENT, {"input": _student_input(net["gaolin"])}))[
        "createScholarshipStudent"
    ]
    assert first["errors"] == []
    again = data_of(
        await run(CREATE_STUDENT, {"input": _student_input(net["gaolin"], name="另一人")})
    )
    assert [e["code"] for e in again["createScholarshipStudent"]["errors"]] == ["unique"]


UPDATE_SITE = """mutation($input: UpdateServiceSiteInput!) { updateServiceSite(input: $input) {
    serviceSite { name version } errors { field code message } } }"""


async def test_stale_update_is_a_conflict_and_keeps_the_other_edit(run, database):
    net = await _network(database)
    listed = data_of(
        await run(
            '{ serviceSites(filter: { name: { contains: "高林" } }) { edges { node { id version } } } }'
        )
    )
    node = listed["serviceSites"]["edges"][0]["node"]
    first = await run(
        UPDATE_SITE, {"input": {"id": node["id"], "version": node["version"], "name": "甲的修改"}}
    )
    assert data_of(first)["updateServiceSite"]["serviceSite"] == {"name": "甲的修改", "version": 2}
    second = await run(
        UPDATE_SITE, {"input": {"id": node["id"], "version": node["version"], "name": "乙的修改"}}
    )
    payload = data_of(second)["updateServiceSite"]
    assert payload["serviceSite"] is None
    assert payload["errors"][0]["code"] == "conflict.version"
    again = data_of(
        await run(
            "query($id: ID!) { node(id: $id) { ... on ServiceSite { name version } } }",
            {"id": node["id"]},
        )
    )
    assert again["node"] == {"name": "甲的修改", "version": 2}
    assert net["gaolin"].id is not None


async def test_end_date_before_start_is_refused(run, database):
    net = await _network(database)
    query = """mutation($input: CreateCourseInput!) { createCourse(input: $input) { course { id } errors { field code } } }"""
    variables = {
        "input": {
            "title": "父母课堂",
            "category": "PARENTING",
            "organisationId": gid("Organisation", net["gaolin"].id),
            "startDate": "2022-10-14",
            "endDate": "2022-10-01",
        }
    }
    payload = data_of(await run(query, variables))["createCourse"]
    assert payload["errors"] == [{"field": "endDate", "code": "date_range.end_before_start"}]


async def test_delete_hides_the_record_and_restore_brings_it_back(run, database):
    net = await _network(database)
    site_id = gid("ServiceSite", 1)
    deleted = data_of(
        await run(
            "mutation($id: ID!) { deleteServiceSite(id: $id) { serviceSite { deletedAt } errors { code } } }",
            {"id": site_id},
        )
    )
    assert deleted["deleteServiceSite"]["serviceSite"]["deletedAt"] is not None
    assert data_of(await run("{ serviceSites { totalCount } }"))["serviceSites"]["totalCount"] == 1
    hidden = data_of(await run("query($id: ID!) { node(id: $id) { id } }", {"id": site_id}))
    assert hidden["node"] is None
    restored = data_of(
        await run(
            "mutation($id: ID!) { restoreServiceSite(id: $id) { serviceSite { deletedAt version } errors { code } } }",
            {"id": site_id},
        )
    )
    assert restored["restoreServiceSite"]["serviceSite"] == {"deletedAt": None, "version": 3}
    assert data_of(await run("{ serviceSites { totalCount } }"))["serviceSites"]["totalCount"] == 2
    assert net["city"].id is not None


async def test_moving_an_organisation_moves_its_subtree(run, database):
    net = await _network(database)
    move = """mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) { organisation { name } errors { code } } }"""
    result = await run(
        move,
        {
            "input": {
                "id": gid("Organisation", net["street"].id),
                "version": 1,
                "parentId": gid("Organisation", net["siming"].id),
            }
        },
    )
    assert data_of(result)["updateOrganisation"]["errors"] == []
    query = '{ organisations(filter: { name: { eq: "高林社区" } }) { edges { node { parent { parent { name } } } } } }'
    node = data_of(await run(query))["organisations"]["edges"][0]["node"]
    assert node["parent"]["parent"]["name"] == "思明区"
    cycle = await run(
        move,
        {
            "input": {
                "id": gid("Organisation", net["siming"].id),
                "version": 1,
                "parentId": gid("Organisation", net["gaolin"].id),
            }
        },
    )
    assert data_of(cycle)["updateOrganisation"]["errors"] == [{"code": "cycle"}]
