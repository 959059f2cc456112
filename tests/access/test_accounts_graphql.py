"""Managing users and tokens through GraphQL: never more rights than the caller holds."""

from __future__ import annotations

from strawberry import relay

from tests.access.caller import Caller
from tests.access.world import build_world


def gid(type_name: str, pk: int | None) -> str:
    return str(relay.GlobalID(type_name, str(pk)))


ME = "{ me { id email role version organisation { name } } }"
UPDATE_USER = """mutation($input: UpdateUserInput!) { updateUser(input: $input) { user { role } errors { field code } } }"""
CREATE_USER = """mutation($input: CreateUserInput!) { createUser(input: $input) {
    user { email role organisation { name } } password errors { field code message } } }"""


async def test_org_admin_cannot_promote_itself(database, make_caller):
    world = await build_world(database)
    admin = await make_caller(world, "org_admin")
    me = (await admin.data(ME))["me"]
    assert me["role"] == "ORG_ADMIN" and me["organisation"]["name"] == "湖里区"
    result = await admin.data(
        UPDATE_USER, {"input": {"id": me["id"], "version": me["version"], "role": "SUPERADMIN"}}
    )
    assert result["updateUser"]["user"] is None and result["updateUser"]["errors"]
    assert (await admin.data(ME))["me"]["role"] == "ORG_ADMIN"


async def test_org_admin_creates_users_only_in_its_subtree_and_never_superadmins(
    database, make_caller
):
    world = await build_world(database)
    admin = await make_caller(world, "org_admin")
    inside = {
        "email": "new.editor@huli.test",
        "role": "EDITOR",
        "organisationId": gid("Organisation", world.orgs["A-community"].id),
    }
    created = (await admin.data(CREATE_USER, {"input": inside}))["createUser"]
    assert created["errors"] == [] and created["user"]["organisation"]["name"] == "湖里区示例社区"
    assert created["password"] and len(created["password"]) >= 12  # shown once
    outside = {
        **inside,
        "email": "x@siming.test",
        "organisationId": gid("Organisation", world.orgs["B"].id),
    }
    assert (await admin.data(CREATE_USER, {"input": outside}))["createUser"]["user"] is None
    boss = {"email": "boss@huli.test", "role": "SUPERADMIN"}
    assert (await admin.data(CREATE_USER, {"input": boss}))["createUser"]["user"] is None


async def test_editors_partners_and_anonymous_cannot_create_users(database, make_caller):
    world = await build_world(database)
    for role in ("editor", "viewer", "partner", "anonymous"):
        caller = await make_caller(world, role)
        result = await caller.call(
            CREATE_USER,
            {
                "input": {
                    "email": f"{role}.made@x.test",
                    "role": "VIEWER",
                    "organisationId": gid("Organisation", world.orgs["A"].id),
                }
            },
        )
        payload = (result.get("data") or {}).get("createUser")
        assert payload is None or payload["user"] is None, role


async def test_a_revoked_token_is_refused_on_the_next_request(database, make_caller, http):
    world = await build_world(database)
    await make_caller(world, "superadmin")
    # Tokens are issued from a signed-in session (a token alone cannot mint one, #12.7).
    login = await http.post(
        "/auth/login", json={"email": "superadmin@access.test", "password": "correct horse battery"}
    )
    superadmin = Caller(http, {"x-csrf-token": login.json()["csrfToken"]})
    users = (await superadmin.data("{ users { id email } }"))["users"]
    target = next(u for u in users if u["email"] == "superadmin@access.test")
    issued = (
        await superadmin.data(
            'mutation($u: ID!) { createApiToken(userId: $u, name: "dashboard", expiresDays: 30) { token apiToken { id prefix } errors { code } } }',
            {"u": target["id"]},
        )
    )["createApiToken"]
    token = issued["token"]
    assert token.startswith(issued["apiToken"]["prefix"])
    ok = await http.post(
        "/graphql", json={"query": "{ me { email } }"}, headers={"authorization": f"Bearer {token}"}
    )
    assert ok.json()["data"]["me"]["email"] == "superadmin@access.test"
    revoked = await superadmin.data(
        "mutation($id: ID!) { revokeApiToken(id: $id) { apiToken { revokedAt } errors { code } } }",
        {"id": issued["apiToken"]["id"]},
    )
    assert revoked["revokeApiToken"]["apiToken"]["revokedAt"] is not None
    refused = await http.post(
        "/graphql", json={"query": "{ me { email } }"}, headers={"authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 401
