"""Existence checks on unique personal values are audited, rate-limited and vague (#12.6)."""

from __future__ import annotations

import sqlalchemy as sa
from strawberry import relay

from hongfan import probes
from hongfan.principal import SYSTEM
from models import AuditEntry
from tests.access.world import build_world

CREATE = """mutation($i: CreateScholarshipStudentInput!) { createScholarshipStudent(input: $i) {
  scholarshipStudent { id } errors { field code message } } }"""


def _student(world, id_number: str) -> dict:
    org = str(relay.GlobalID("Organisation", str(world.orgs["A-community"].id)))
    return {
        "name": "查重学生",
        "gender": "FEMALE",
        "idNumber": id_number,
        "phone": "13800138000",
        "familyCategory": "REGISTERED_POOR",
        "organisationId": org,
        "university": "厦门大学",
        "enrolmentYear": 2021,
        "graduationYear": 2025,
    }


async def _probes(database) -> list[AuditEntry]:
    async with database.session(SYSTEM) as session:
        return list(
            (
                await session.execute(
                    sa.select(AuditEntry).where(AuditEntry.action == probes.ACTION)
                )
            ).scalars()
        )


async def test_given_an_id_number_registered_in_another_district_when_an_editor_enters_it_then_the_answer_does_not_say_where_and_is_audited(
    database, make_caller
):
    world = await build_world(database)
    other = world.records["ScholarshipStudent"]["B"]  # 思明区: outside the editor's district
    own = world.records["ScholarshipStudent"]["A"]
    editor = await make_caller(world, "editor")
    elsewhere = (await editor.data(CREATE, {"i": _student(world, other.id_number)}))[
        "createScholarshipStudent"
    ]
    assert elsewhere["scholarshipStudent"] is None
    [error] = elsewhere["errors"]
    assert (error["field"], error["code"]) == ("idNumber", "unique.elsewhere")
    assert "思明" not in error["message"] and other.id_number not in error["message"]
    mine = (await editor.data(CREATE, {"i": _student(world, own.id_number)}))[
        "createScholarshipStudent"
    ]
    assert mine["errors"][0]["code"] == "unique"  # a record she may see: an ordinary duplicate
    entries = await _probes(database)
    assert [(e.actor.split(":")[-1], e.changes) for e in entries] == [
        ("editor@access.test", {"fields": ["id_number"], "visible": False}),
        ("editor@access.test", {"fields": ["id_number"], "visible": True}),
    ]
    assert all(
        other.id_number not in str(e.changes) and own.id_number not in str(e.changes)
        for e in entries
    )


async def test_given_many_duplicate_checks_when_the_hourly_budget_is_spent_then_checks_are_refused(
    database, make_caller, monkeypatch
):
    monkeypatch.setattr(probes, "LIMIT", 3)
    world = await build_world(database)
    taken = world.records["ScholarshipStudent"]["B"].id_number
    editor = await make_caller(world, "editor")
    codes = []
    for _ in range(5):
        answer = (await editor.data(CREATE, {"i": _student(world, taken)}))[
            "createScholarshipStudent"
        ]
        codes.append(answer["errors"][0]["code"])
    assert codes == ["unique.elsewhere"] * 3 + ["unique.too_many"] * 2
    assert len(await _probes(database)) == 3  # past the budget: no more than "taken" learnt
    viewer_of_audit = await make_caller(world, "org_admin")
    log = await viewer_of_audit.data(
        '{ auditLog(filter: { action: { eq: "probe_unique" } }) { edges { node { actor } } } }'
    )
    assert len(log["auditLog"]["edges"]) == 3  # the district's admin sees who probed


async def test_given_the_hourly_budget_is_spent_when_an_editor_registers_a_brand_new_id_number_then_it_is_saved(
    database, make_caller, monkeypatch
):
    """Tester finding 3: the limit is on hits; a number registered nowhere always proceeds."""
    from tests import factories

    monkeypatch.setattr(probes, "LIMIT", 2)
    world = await build_world(database)
    taken = world.records["ScholarshipStudent"]["B"].id_number
    editor = await make_caller(world, "editor")
    for _ in range(3):
        await editor.data(CREATE, {"i": _student(world, taken)})
    spent = (await editor.data(CREATE, {"i": _student(world, taken)}))["createScholarshipStudent"]
    assert spent["errors"][0]["code"] == "unique.too_many"
    fresh = (await editor.data(CREATE, {"i": _student(world, factories.national_id("female"))}))[
        "createScholarshipStudent"
    ]
    assert fresh["errors"] == [] and fresh["scholarshipStudent"] is not None, fresh
