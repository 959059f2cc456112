"""The sly paths: what a caller might try to learn or change that the policy forbids."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from strawberry import relay

from hongfan.principal import SYSTEM
from models import AuditEntry, Record
from tests.access.world import build_world


def gid(record: Record) -> str:
    return str(relay.GlobalID(record.__entity__.type_name, str(record.id)))


STUDENT_FIELDS = (
    "{ edges { node { id name idNumber phone familyCategory university organisation { name } } } }"
)


async def test_editor_sees_masked_id_numbers_and_org_admin_sees_them_in_clear(
    database, make_caller
):
    world = await build_world(database)
    student = world.records["ScholarshipStudent"]["A"]
    editor = await make_caller(world, "editor")
    admin = await make_caller(world, "org_admin")
    masked = (await editor.data(f"{{ scholarshipStudents {STUDENT_FIELDS} }}"))[
        "scholarshipStudents"
    ]["edges"]
    clear = (await admin.data(f"{{ scholarshipStudents {STUDENT_FIELDS} }}"))[
        "scholarshipStudents"
    ]["edges"]
    id_number: str = student.id_number  # type: ignore[attr-defined]
    assert masked[0]["node"]["idNumber"] == id_number[:4] + "*" * 10 + id_number[-4:]
    assert masked[0]["node"]["phone"] == "138****8000"
    assert masked[0]["node"]["familyCategory"] is None
    assert clear[0]["node"]["idNumber"] == id_number
    assert clear[0]["node"]["familyCategory"] == "REGISTERED_POOR"


async def test_reading_sensitive_fields_in_clear_is_audited_and_masked_reads_are_not(
    database, make_caller
):
    world = await build_world(database)
    await (await make_caller(world, "editor")).data(f"{{ scholarshipStudents {STUDENT_FIELDS} }}")
    await (await make_caller(world, "org_admin")).data(
        f"{{ scholarshipStudents {STUDENT_FIELDS} }}"
    )
    async with database.session(SYSTEM) as session:
        rows = (
            (
                await session.execute(
                    sa.select(AuditEntry).where(AuditEntry.action == "read_sensitive")
                )
            )
            .scalars()
            .all()
        )
    assert [(r.actor.split(":")[-1], r.entity, r.changes["fields"]) for r in rows] == [
        ("org_admin@access.test", "ScholarshipStudent", ["family_category", "id_number", "phone"])
    ]


@pytest.mark.parametrize("role", ["editor", "partner"])
async def test_filtering_or_sorting_by_an_unreadable_field_is_refused(database, make_caller, role):
    world = await build_world(database)
    caller = await make_caller(world, role)
    probe = await caller.call(
        '{ scholarshipStudents(filter: { idNumber: { startsWith: "3502" } }) { totalCount } }'
    )
    assert probe["errors"] and "无权按此字段" in probe["errors"][0]["message"]
    ordered = await caller.call(
        "{ scholarshipStudents(orderBy: [{ idNumber: ASC }]) { totalCount } }"
    )
    assert ordered["errors"]


async def test_partner_filtering_interns_by_their_home_organisation_is_refused(
    database, make_caller
):
    world = await build_world(database)
    caller = await make_caller(world, "partner")
    probe = await caller.call(
        '{ scholarshipStudents(filter: { organisation: { name: { contains: "湖里" } } }) { totalCount } }'
    )
    assert probe["errors"]


async def test_partner_walking_company_internships_student_grants_sees_no_money(
    database, make_caller
):
    world = await build_world(database)
    partner = await make_caller(world, "partner")
    query = """{ companies { edges { node { name internships { totalCount edges { node { evaluation
        student { name university major graduationYear idNumber phone enrolmentYear organisation { name }
          grants { totalCount edges { node { amount } } } internships { totalCount } } } } } } } } }"""
    companies = (await partner.data(query))["companies"]["edges"]
    # Its own company and the other published one (signing in never hides public records):
    # the other's interns are not its to see.
    assert len(companies) == 2
    own_name = world.records["Company"]["A"].name  # type: ignore[attr-defined]
    [own] = [c["node"] for c in companies if c["node"]["name"] == own_name]
    [other] = [c["node"] for c in companies if c["node"]["name"] != own_name]
    assert other["internships"] == {"totalCount": 0, "edges": []}
    interns = own["internships"]
    assert interns["totalCount"] == 2
    for edge in interns["edges"]:
        student = edge["node"]["student"]
        assert student["name"] and student["university"]
        assert student["idNumber"] is None and student["phone"] is None
        assert student["enrolmentYear"] is None and student["organisation"] is None
        assert student["grants"] == {"totalCount": 0, "edges": []}
        assert student["internships"]["totalCount"] == 1  # only its own company's placements


async def test_partner_cannot_reach_another_companys_interns_by_id(database, make_caller):
    world = await build_world(database)
    partner = await make_caller(world, "partner")
    for record in (
        world.records["Internship"]["B"],
        world.records["ScholarshipStudent"]["B"],
        world.records["Company"]["B-hidden"],
    ):
        assert (
            await partner.data("query($id: ID!) { node(id: $id) { id } }", {"id": gid(record)})
        )["node"] is None
    # company B itself is public (published): readable, its interns still not
    company = (
        await partner.data(
            "query($id: ID!) { node(id: $id) { ... on Company { internships { totalCount } } } }",
            {"id": gid(world.records["Company"]["B"])},
        )
    )["node"]
    assert company == {"internships": {"totalCount": 0}}


async def test_district_editor_asking_node_for_another_districts_student_gets_null(
    database, make_caller
):
    world = await build_world(database)
    editor = await make_caller(world, "editor")
    other = world.records["ScholarshipStudent"]["B"]
    assert (await editor.data("query($id: ID!) { node(id: $id) { id } }", {"id": gid(other)}))[
        "node"
    ] is None


async def test_hidden_rows_do_not_leak_through_relation_filters_or_counts(database, make_caller):
    world = await build_world(database)
    editor = await make_caller(world, "editor")
    # Students of district B exist, but a filter naming B's organisation finds nothing and counts nothing.
    data = await editor.data(
        '{ scholarshipStudents(filter: { organisation: { name: { contains: "思明" } } }) { totalCount } }'
    )
    assert data["scholarshipStudents"]["totalCount"] == 0
    grants = await editor.data(
        '{ grants(filter: { student: { name: { contains: "思明" } } }) { totalCount } }'
    )
    assert grants["grants"]["totalCount"] == 0
    stats = await editor.data("{ statistics { totals { scholarshipStudents organisations } } }")
    assert stats["statistics"]["totals"]["scholarshipStudents"] == 1


async def test_editor_cannot_create_a_student_in_another_district_nor_move_one_there(
    database, make_caller
):
    world = await build_world(database)
    editor = await make_caller(world, "editor")
    student = world.records["ScholarshipStudent"]["A"]
    move = """mutation($input: UpdateScholarshipStudentInput!) { updateScholarshipStudent(input: $input) {
        scholarshipStudent { id } errors { field code } } }"""
    result = await editor.data(
        move,
        {
            "input": {
                "id": gid(student),
                "version": student.version,
                "organisationId": gid(world.orgs["B-community"]),
            }
        },
    )
    assert result["updateScholarshipStudent"]["errors"] == [
        {"field": "organisationId", "code": "invalid_reference"}
    ]


async def test_partner_may_write_an_evaluation_but_nothing_else(database, make_caller):
    world = await build_world(database)
    partner = await make_caller(world, "partner")
    internship = world.records["Internship"]["A"]
    mutation = """mutation($input: UpdateInternshipInput!) { updateInternship(input: $input) {
        internship { evaluation } errors { field code } } }"""
    ok = await partner.data(
        mutation,
        {"input": {"id": gid(internship), "version": internship.version, "evaluation": "认真负责"}},
    )
    assert ok["updateInternship"]["internship"] == {"evaluation": "认真负责"}
    sneaky = await partner.data(
        mutation,
        {
            "input": {
                "id": gid(internship),
                "version": internship.version + 1,
                "status": "COMPLETED",
            }
        },
    )
    assert sneaky["updateInternship"]["errors"] == [{"field": "status", "code": "not_writable"}]


async def test_anonymous_and_partner_cannot_read_the_audit_log_and_editors_neither(
    database, make_caller
):
    world = await build_world(database)
    for role in ("anonymous", "partner", "editor", "viewer"):
        result = await (await make_caller(world, role)).call(
            "{ auditLog { edges { node { actor } } } }"
        )
        assert result["errors"], role
    admin = await make_caller(world, "org_admin")
    entries = (
        await admin.data("{ auditLog(first: 100) { edges { node { entity recordId action } } } }")
    )["auditLog"]["edges"]
    super_entries = await (await make_caller(world, "superadmin")).data(
        "{ auditLog(first: 100) { edges { node { entity } } } }"
    )
    assert 0 < len(entries) < len(super_entries["auditLog"]["edges"])


async def test_negative_or_huge_page_sizes_are_refused(database, make_caller):
    world = await build_world(database)
    caller = await make_caller(world, "anonymous")
    for first in (-1, 101, 10**9):
        assert (await caller.call(f"{{ organisations(first: {first}) {{ totalCount }} }}"))[
            "errors"
        ]
