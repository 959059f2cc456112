"""Instructor figures are true or absent: a caller who may not see enrolments gets null.

Given the tiny network of ``test_statistics`` (three communities, two lacking qualified
family health instructors), each role asks ``statistics`` for the instructor figures.
Before the fix anonymous callers and partners were told every community lacked
instructors (552 / 552 on the demo data, where the admin dashboard said 12 / 552).
"""

from __future__ import annotations

import pytest

from hongfan.db import Database
from hongfan.principal import ANONYMOUS, Principal, Role
from tests.graph.test_statistics import SUPERADMIN, _run, build_network, editor_of

QUERY = """
{ statistics {
    communitiesLackingInstructors
    communitiesTotal
    instructorsPerCommunity(onlyLacking: true) { name qualified }
} }
"""


def _staff(role: Role, org: object) -> Principal:
    return Principal(
        kind="user",
        actor=f"t:{role}",
        role=role,
        organisation_id=org.id,  # type: ignore[attr-defined]
        organisation_path=org.path,  # type: ignore[attr-defined]
    )


async def test_staff_who_see_enrolments_get_the_true_instructor_figures(database: Database) -> None:
    net = await build_network(database)
    data = (await _run(database, SUPERADMIN, QUERY))["statistics"]
    assert (data["communitiesLackingInstructors"], data["communitiesTotal"]) == (2, 3)
    assert [c["qualified"] for c in data["instructorsPerCommunity"]] == [0, 1]
    for role in (Role.ORG_ADMIN, Role.EDITOR, Role.VIEWER):
        # district A holds 西林社区 (two instructors) and one community with one
        data = (await _run(database, _staff(role, net.a), QUERY))["statistics"]
        assert (data["communitiesLackingInstructors"], data["communitiesTotal"]) == (1, 2), role
        assert [c["qualified"] for c in data["instructorsPerCommunity"]] == [1], role
    data = (await _run(database, editor_of(net.a), QUERY))["statistics"]
    assert data["communitiesLackingInstructors"] == 1


@pytest.mark.parametrize("who", ["anonymous", "partner"])
async def test_callers_who_cannot_see_enrolments_get_null_not_every_community_lacking(
    database: Database, who: str
) -> None:
    await build_network(database)
    principal = (
        ANONYMOUS
        if who == "anonymous"
        else Principal(kind="user", actor="t:partner", role=Role.PARTNER, company_id=1)
    )
    data = (await _run(database, principal, QUERY))["statistics"]
    assert data["communitiesLackingInstructors"] is None
    assert data["instructorsPerCommunity"] is None
    assert data["communitiesTotal"] == 2  # the published communities are still counted
