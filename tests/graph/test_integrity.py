"""Records hold together on soft delete and restore (issue #10.3), on SQLite and PostgreSQL.

Deleting an organisation that still has records is refused with what hangs off it, unless
the caller deletes it with everything below it (one audited operation, restored together);
a student's grants go and come back with the student; nothing is restored under a deleted
parent; and the statistics add up after any of it.
"""

from __future__ import annotations

import random
from typing import Any

import sqlalchemy as sa
from strawberry import relay

from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import AuditEntry
from tests import factories
from tests.graph.conftest import data_of


def gid(type_name: str, pk: int | None) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


async def _network(database: Database) -> dict[str, Any]:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        tongan = await factories.organisation(s, "同安区", city)
        town = await factories.organisation(s, "大同街道", tongan, level="street")
        huli = await factories.organisation(s, "湖里区", city)
        sites = [
            await factories.site(s, town, "大同向日葵亲子小屋"),
            await factories.site(s, town, "大同暖心家园", kind="warm_heart_home"),
            await factories.site(s, huli, "湖里向日葵亲子小屋"),
        ]
        student = await factories.student(s, town, "林示例")
        await factories.grant(s, student, "1000.00", 2022)
        await factories.grant(s, student, "500.00", 2023)
    return {
        "city": city,
        "tongan": tongan,
        "town": town,
        "huli": huli,
        "sites": sites,
        "student": student,
    }


DELETE_ORG = """mutation($id: ID!, $below: Boolean!) { deleteOrganisation(id: $id, withEverythingBelow: $below) {
  organisation { id } errors { field code message } } }"""
RESTORE = """mutation($id: ID!) { restore%s(id: $id) { errors { field code message } } }"""
COUNTS = """{ organisations { totalCount } serviceSites { totalCount } scholarshipStudents { totalCount }
  grants { totalCount } }"""


async def _counts(run) -> dict[str, int]:
    return {k: v["totalCount"] for k, v in data_of(await run(COUNTS)).items()}


async def test_given_a_town_with_sites_and_a_student_when_it_is_deleted_then_it_is_refused_saying_what_hangs_off_it(
    run, database
):
    network = await _network(database)
    before = await _counts(run)
    result = data_of(
        await run(DELETE_ORG, {"id": gid("Organisation", network["town"].id), "below": False})
    )
    payload = result["deleteOrganisation"]
    assert payload["organisation"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("id", "has_dependents")
    assert "服务阵地 2 条" in error["message"] and "金秋助学学生 1 条" in error["message"], error[
        "message"
    ]
    english = data_of(
        await run(
            DELETE_ORG, {"id": gid("Organisation", network["town"].id), "below": False}, lang="en"
        )
    )
    assert "2 × " in english["deleteOrganisation"]["errors"][0]["message"]
    # A district with a sub-organisation: the same refusal, naming the organisations.
    district = data_of(
        await run(DELETE_ORG, {"id": gid("Organisation", network["tongan"].id), "below": False})
    )
    assert "组织 1 条" in district["deleteOrganisation"]["errors"][0]["message"]
    assert await _counts(run) == before


async def test_given_a_district_when_deleted_with_everything_below_then_all_goes_in_one_operation_and_comes_back_together(
    run, database
):
    network = await _network(database)
    before = await _counts(run)
    result = data_of(
        await run(DELETE_ORG, {"id": gid("Organisation", network["tongan"].id), "below": True})
    )
    assert result["deleteOrganisation"]["errors"] == []
    assert await _counts(run) == {
        "organisations": 2,
        "serviceSites": 1,
        "scholarshipStudents": 0,
        "grants": 0,
    }
    async with database.session(SYSTEM) as s:
        entries = (
            (await s.execute(sa.select(AuditEntry).where(AuditEntry.action == "delete")))
            .scalars()
            .all()
        )
    assert len(entries) == 1  # one operation
    assert entries[0].changes["deleted_with_it"] == {
        "Grant": [1, 2],
        "Organisation": [network["town"].id],
        "ScholarshipStudent": [network["student"].id],
        "ServiceSite": [network["sites"][0].id, network["sites"][1].id],
    }
    # A site cannot come back under its deleted town …
    refused = data_of(
        await run(RESTORE % "ServiceSite", {"id": gid("ServiceSite", network["sites"][0].id)})
    )
    assert [(e["field"], e["code"]) for e in refused["restoreServiceSite"]["errors"]] == [
        ("organisationId", "parent_deleted")
    ]
    # … but restoring the district brings everything back together.
    restored = data_of(
        await run(RESTORE % "Organisation", {"id": gid("Organisation", network["tongan"].id)})
    )
    assert restored["restoreOrganisation"]["errors"] == []
    assert await _counts(run) == before


async def test_given_a_student_with_grants_when_deleted_and_restored_then_the_grants_go_and_come_back_with_it(
    run, database
):
    network = await _network(database)
    student = gid("ScholarshipStudent", network["student"].id)
    deleted = data_of(
        await run(
            "mutation($id: ID!) { deleteScholarshipStudent(id: $id) { errors { code } } }",
            {"id": student},
        )
    )
    assert deleted["deleteScholarshipStudent"]["errors"] == []
    assert (await _counts(run))["grants"] == 0
    async with database.session(SYSTEM) as s:
        grant_ids = (await s.execute(sa.text("SELECT id FROM scholarship_grant"))).scalars().all()
    refused = data_of(await run(RESTORE % "Grant", {"id": gid("Grant", grant_ids[0])}))
    assert [e["code"] for e in refused["restoreGrant"]["errors"]] == ["parent_deleted"]
    data_of(await run(RESTORE % "ScholarshipStudent", {"id": student}))
    assert (await _counts(run))["grants"] == 2


STATISTICS = """{ statistics { sitesByKind { count } sitesByDistrict { total }
  totals { serviceSites scholarshipStudents } studentsFunded { students totalAmount } } }"""


async def test_given_random_deletes_and_restores_then_every_breakdown_adds_up_to_its_total(
    run, database
):
    network = await _network(database)
    chance = random.Random(10)
    targets = [("ServiceSite", s.id) for s in network["sites"]] + [
        ("ScholarshipStudent", network["student"].id),
        ("Organisation", network["town"].id),
        ("Organisation", network["tongan"].id),
    ]
    for _ in range(8):
        type_name, pk = chance.choice(targets)
        action = chance.choice(["delete", "restore"])
        below = (
            ", withEverythingBelow: true"
            if type_name == "Organisation" and action == "delete"
            else ""
        )
        await run(
            f'mutation {{ {action}{type_name}(id: "{gid(type_name, pk)}"{below}) {{ errors {{ code }} }} }}'
        )
        figures = data_of(await run(STATISTICS))["statistics"]
        sites = (await _counts(run))["serviceSites"]
        assert figures["totals"]["serviceSites"] == sites
        assert sum(k["count"] for k in figures["sitesByKind"]) == sites
        assert sum(d["total"] for d in figures["sitesByDistrict"]) == sites
        funded = data_of(await run("{ grants { edges { node { amount student { id } } } } }"))[
            "grants"
        ]["edges"]
        assert all(e["node"]["student"] is not None for e in funded)
