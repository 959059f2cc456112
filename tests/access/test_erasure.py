"""The right to erasure (#12.8): anonymiseScholarshipStudent(id:) for the person's admins."""

from __future__ import annotations

import sqlalchemy as sa
from strawberry import relay

from hongfan.principal import SYSTEM
from models import AuditEntry
from tests.access.world import build_world

ANONYMISE = """mutation($id: ID!) { anonymiseScholarshipStudent(id: $id) {
  scholarshipStudent { name idNumber phone familyCategory university grants { edges { node { amount } } } }
  errors { field code } } }"""


def gid(record) -> str:
    return str(relay.GlobalID("ScholarshipStudent", str(record.id)))


async def test_given_a_request_to_be_forgotten_when_the_org_admin_anonymises_the_student_then_no_identity_remains_but_grants_do(
    database, make_caller
):
    world = await build_world(database)
    student = world.records["ScholarshipStudent"]["A"]
    id_number = student.id_number
    admin = await make_caller(world, "org_admin")
    done = (await admin.data(ANONYMISE, {"id": gid(student)}))["anonymiseScholarshipStudent"]
    assert done["errors"] == []
    left = done["scholarshipStudent"]
    assert (left["name"], left["idNumber"], left["phone"], left["familyCategory"]) == (
        "（已匿名化）",
        None,
        None,
        None,
    )
    assert (
        left["university"] == "厦门大学" and left["grants"]["edges"][0]["node"]["amount"]
    )  # statistics keep the money
    gone = await admin.data(
        "query($n: String) { scholarshipStudents(filter: { idNumber: { eq: $n } }) { totalCount } }",
        {"n": id_number},
    )
    assert gone["scholarshipStudents"]["totalCount"] == 0
    async with database.session(SYSTEM) as session:
        entries = list(
            (
                await session.execute(
                    sa.select(AuditEntry).where(
                        AuditEntry.entity == "ScholarshipStudent",
                        AuditEntry.record_id == student.id,
                    )
                )
            ).scalars()
        )
    created = next(e for e in entries if e.action == "create")
    assert created.changes["id_number"] == [None, None] and created.changes["name"] == [None, None]
    assert created.changes["university"] == [None, "厦门大学"]
    assert [e.changes["fields"] for e in entries if e.action == "anonymise"] == [
        ["family_category", "id_number", "name", "phone"]
    ]
    assert all(id_number not in str(e.changes) for e in entries)


async def test_given_an_editor_or_another_districts_admin_when_they_try_to_anonymise_then_nothing_changes(
    database, make_caller
):
    world = await build_world(database)
    editor = await make_caller(world, "editor")
    refused = (await editor.data(ANONYMISE, {"id": gid(world.records["ScholarshipStudent"]["A"])}))[
        "anonymiseScholarshipStudent"
    ]
    assert refused["scholarshipStudent"] is None and refused["errors"][0]["code"] == "forbidden"
    admin = await make_caller(world, "org_admin")
    elsewhere = (
        await admin.data(ANONYMISE, {"id": gid(world.records["ScholarshipStudent"]["B"])})
    )["anonymiseScholarshipStudent"]
    assert elsewhere["scholarshipStudent"] is None and elsewhere["errors"][0]["code"] == "not_found"


async def test_given_a_subject_access_request_when_the_admin_exports_the_person_then_everything_held_comes_back_once_audited(
    database, make_caller
):
    world = await build_world(database)
    student = world.records["ScholarshipStudent"]["A"]
    admin = await make_caller(world, "org_admin")
    held = (await admin.data("query($id: ID!) { personalData(id: $id) }", {"id": gid(student)}))[
        "personalData"
    ]
    assert (
        held["record"]["id_number"] == student.id_number
        and held["record"]["phone"] == "13800138000"
    )
    assert len(held["grants"]) == 1 and len(held["internships"]) == 1
    assert held["history"][0]["action"] == "create" and held["history"][0]["changes"][
        "id_number"
    ] == [None, student.id_number]
    async with database.session(SYSTEM) as session:
        audited = list(
            (
                await session.execute(
                    sa.select(AuditEntry).where(AuditEntry.action == "export_person")
                )
            ).scalars()
        )
    assert [(e.record_id, e.changes["history"]) for e in audited] == [
        (student.id, len(held["history"]))
    ]
    editor = await make_caller(world, "editor")
    refused = await editor.call("query($id: ID!) { personalData(id: $id) }", {"id": gid(student)})
    assert (
        refused["data"]["personalData"] is None
        and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    )
