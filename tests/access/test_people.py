"""No people to the public or to partners (#12.1): authorship follows the column policy.

A record's ``createdBy``/``updatedBy`` is stored as the author's user id; the public and
partners get null and may not filter by it, staff who are not admins see a display name,
admins see name and e-mail. Lists (planned on PostgreSQL, resolved on SQLite) and
``node(id:)`` answer alike.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from strawberry import relay

from hongfan import accounts
from hongfan.principal import SYSTEM, Role
from models import ServiceSite
from tests.access.caller import Caller
from tests.access.world import build_world

EDITOR_EMAIL = "wang.editor@huli.test"
EDITOR_NAME = "湖里编辑小王"
SITES = '{ serviceSites(filter: { name: { contains: "作者测试" } }) { edges { node { id name createdBy updatedBy } } } }'


async def _editor_writes_a_site(database, http, world) -> tuple[str, int]:
    async with database.transaction(SYSTEM) as session:
        user, _ = await accounts.create_user(
            session,
            SYSTEM,
            EDITOR_EMAIL,
            Role.EDITOR,
            organisation_id=world.orgs["A"].id,
            password="correct horse battery",
            display_name=EDITOR_NAME,
        )
        _, token = await accounts.issue_token(session, SYSTEM, user.id or 0, name="people-test")
    editor = Caller(http, {"authorization": f"Bearer {token}"})
    community = relay.GlobalID("Organisation", str(world.orgs["A-community"].id))
    created = await editor.data(
        """mutation($org: ID!) { createServiceSite(input: {
             name: "作者测试小屋", kind: SUNFLOWER_HUT, organisationId: $org, published: true
           }) { serviceSite { id createdBy } errors { field message } } }""",
        {"org": str(community)},
    )
    payload = created["createServiceSite"]
    assert not payload["errors"], payload
    return payload["serviceSite"]["id"], int(user.id or 0)


@pytest.mark.parametrize("role", ["anonymous", "partner"])
async def test_given_a_published_site_an_editor_made_when_the_public_or_a_partner_reads_it_then_no_person_shows(
    database, http, make_caller, role
):
    world = await build_world(database)
    site_id, _ = await _editor_writes_a_site(database, http, world)
    caller = await make_caller(world, role)
    edges = (await caller.data(SITES))["serviceSites"]["edges"]
    assert [e["node"]["name"] for e in edges] == ["作者测试小屋"]
    assert edges[0]["node"]["createdBy"] is None and edges[0]["node"]["updatedBy"] is None
    node = await caller.data(
        "query($id: ID!) { node(id: $id) { ... on ServiceSite { name createdBy updatedBy } } }",
        {"id": site_id},
    )
    assert node["node"] == {"name": "作者测试小屋", "createdBy": None, "updatedBy": None}
    user_id = str(relay.GlobalID("User", "1"))
    for probe in (
        f'{{ serviceSites(filter: {{ createdBy: {{ eq: "{user_id}" }} }}) {{ totalCount }} }}',
        "{ serviceSites(filter: { updatedBy: { isNull: false } }) { totalCount } }",
    ):
        refused = await caller.call(probe)
        assert refused.get("errors") and "无权按此字段" in refused["errors"][0]["message"], refused
    unsortable = await caller.call("{ serviceSites(orderBy: [{ createdBy: ASC }]) { totalCount } }")
    assert unsortable.get("errors")  # no such sort key for anyone: a user id orders nothing useful


async def test_given_an_editors_site_when_staff_read_it_then_a_viewer_sees_a_name_and_an_admin_the_account(
    database, http, make_caller
):
    world = await build_world(database)
    site_id, user_id = await _editor_writes_a_site(database, http, world)
    viewer = await make_caller(world, "viewer")
    seen = (await viewer.data(SITES))["serviceSites"]["edges"][0]["node"]
    assert seen["createdBy"] == EDITOR_NAME and seen["updatedBy"] == EDITOR_NAME
    node = await viewer.data(
        "query($id: ID!) { node(id: $id) { ... on ServiceSite { createdBy } } }", {"id": site_id}
    )
    assert node["node"]["createdBy"] == EDITOR_NAME
    admin = await make_caller(world, "org_admin")
    seen = (await admin.data(SITES))["serviceSites"]["edges"][0]["node"]
    assert seen["createdBy"] == f"{EDITOR_NAME} <{EDITOR_EMAIL}>"
    # Staff may find what a colleague made, by the user's global ID.
    mine = await viewer.data(
        "query($u: ID!) { serviceSites(filter: { createdBy: { eq: $u } }) { totalCount } }",
        {"u": str(relay.GlobalID("User", str(user_id)))},
    )
    assert mine["serviceSites"]["totalCount"] == 1
    # Stored as the user's id: no e-mail in the record's row.
    async with database.session(SYSTEM) as session:
        row = (
            await session.execute(
                sa.select(ServiceSite.created_by, ServiceSite.updated_by).where(
                    ServiceSite.name == "作者测试小屋"
                )
            )
        ).one()
    assert tuple(row) == (user_id, user_id)


@pytest.mark.parametrize("role", ["anonymous", "partner"])
async def test_given_an_editor_updated_a_published_organisation_when_the_public_reads_it_then_no_staff_identity_shows(
    database, http, make_caller, role
):
    world = await build_world(database)
    await _editor_writes_a_site(database, http, world)
    async with database.transaction(SYSTEM) as session:
        editor_token = await _token_of(session, EDITOR_EMAIL)
    editor = Caller(http, {"authorization": f"Bearer {editor_token}"})
    community = str(relay.GlobalID("Organisation", str(world.orgs["A-community"].id)))
    version = (
        await editor.data(
            "query($id: ID!) { node(id: $id) { ... on Organisation { version } } }",
            {"id": community},
        )
    )["node"]["version"]
    updated = await editor.data(
        """mutation($id: ID!, $v: Int!) { updateOrganisation(input: { id: $id, version: $v, contactPhone: "0592-5550000" }) {
             organisation { updatedBy } errors { field message } } }""",
        {"id": community, "v": version},
    )
    assert updated["updateOrganisation"]["organisation"]["updatedBy"] == EDITOR_NAME, updated
    caller = await make_caller(world, role)
    listed = await caller.data(
        "{ organisations { edges { node { id name updatedBy createdBy } } } }"
    )
    nodes = {e["node"]["id"]: e["node"] for e in listed["organisations"]["edges"]}
    assert nodes[community]["updatedBy"] is None and all(
        n["updatedBy"] is None for n in nodes.values()
    )
    node = await caller.data(
        "query($id: ID!) { node(id: $id) { ... on Organisation { updatedBy } } }", {"id": community}
    )
    assert node["node"] == {"updatedBy": None}
    for probe in (
        '{ organisations(filter: { updatedBy: { contains: "@" } }) { edges { node { name updatedBy } } } }',
        "{ organisations(filter: { updatedBy: { isNull: false } }) { totalCount } }",
        "{ organisations(orderBy: [{ updatedBy: ASC }]) { edges { node { name } } } }",
    ):
        refused = await caller.call(probe)
        assert refused.get("errors") and not refused.get("data"), (probe, refused)
        assert EDITOR_EMAIL not in str(refused) and EDITOR_NAME not in str(refused)


async def _token_of(session, email: str) -> str:
    from hongfan.accounts import issue_token
    from models.accounts import User

    user = (await session.execute(sa.select(User).where(User.email == email))).scalar_one()
    _, token = await issue_token(session, SYSTEM, user.id or 0, name="people-test-2")
    return token
