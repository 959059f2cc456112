"""What a frontend developer reads in an error (#14.6): GraphQL names, accurate reasons,
the CSRF header named, and totalCount on the audit log like on every other list."""

from __future__ import annotations

import base64
import dataclasses

import httpx
import pytest

from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from tests import factories
from tests.test_accounts import make_user

PASSWORD = "correct horse battery"


def gid(type_name: str, pk: int | None) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


@pytest.fixture
async def http(database: Database):
    app = create_app(dataclasses.replace(database.settings), database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client


@pytest.fixture
async def admin(database: Database) -> tuple[int, str]:
    user, _ = await make_user(database, "admin@example.cn", Role.SUPERADMIN)
    async with database.transaction(AUTH) as s:
        _, token = await accounts.issue_token(s, SYSTEM, user.id)  # type: ignore[arg-type]
    return int(user.id or 0), token


async def test_given_a_token_for_100000_days_then_told_the_allowed_range_on_expires_days(
    http: httpx.AsyncClient, admin: tuple[int, str]
):
    user_id, _ = admin
    signed_in = await http.post(
        "/auth/login", json={"email": "admin@example.cn", "password": PASSWORD}
    )
    csrf = signed_in.json()["csrfToken"]
    answer = await http.post(
        "/graphql",
        headers={"x-csrf-token": csrf},
        json={
            "query": "mutation($u: ID!) { createApiToken(userId: $u, expiresDays: 100000)"
            " { token errors { field code message } } }",
            "variables": {"u": gid("User", user_id)},
        },
    )
    payload = answer.json()["data"]["createApiToken"]
    assert payload["token"] is None
    (error,) = payload["errors"]
    assert error["field"] == "expiresDays"
    assert "1 到 3650" in error["message"]
    bound = await http.post(
        "/graphql",
        headers={"x-csrf-token": csrf},
        json={
            "query": "mutation($u: ID!, $o: String) { createApiToken(userId: $u, operations: $o)"
            " { token errors { field message } } }",
            "variables": {
                "u": gid("User", user_id),
                "o": "query Sites { serviceSites { totalCount } }",
            },
        },
    )
    token = bound.json()["data"]["createApiToken"]["token"]
    other = await http.post(
        "/graphql",
        headers={"authorization": f"Bearer {token}"},
        json={"query": "{ __typename }"},
    )
    assert other.status_code == 403  # the token made over GraphQL is bound like the CLI's


async def test_given_a_grant_of_a_hundred_billion_then_told_it_is_too_large_not_badly_written(
    http: httpx.AsyncClient, admin: tuple[int, str], database: Database
):
    _, token = admin
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        student = await factories.student(s, city, "林示例")
    mutation = (
        "mutation($s: ID!, $a: Decimal!) { createGrant(input: {studentId: $s, year: 2024,"
        " amount: $a}) { grant { amount } errors { field message } } }"
    )
    answers = {}
    for amount in ("100000000000.00", "-5.00", "12.345", "3000.00"):
        response = await http.post(
            "/graphql",
            headers={"authorization": f"Bearer {token}"},
            json={
                "query": mutation,
                "variables": {"s": gid("ScholarshipStudent", student.id), "a": amount},
            },
        )
        answers[amount] = response.json()["data"]["createGrant"]
    assert answers["100000000000.00"]["errors"] == [
        {"field": "amount", "message": "金额过大：最多为 9999999999.99 元"}
    ]
    assert answers["-5.00"]["errors"][0]["message"] == "金额不能为负数"
    assert "两位小数" in answers["12.345"]["errors"][0]["message"]
    assert answers["3000.00"] == {"grant": {"amount": "3000.00"}, "errors": []}


async def test_given_a_bad_id_number_then_the_error_names_id_number_as_graphql_spells_it(
    http: httpx.AsyncClient, admin: tuple[int, str], database: Database
):
    _, token = admin
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
    answer = await http.post(
        "/graphql",
        headers={"authorization": f"Bearer {token}"},
        json={
            "query": 'mutation($o: ID!) { createScholarshipStudent(input: {name: "林示例",'
            ' gender: FEMALE, idNumber: "35020619900101123", familyCategory: REGISTERED_POOR,'
            ' organisationId: $o, university: "厦门大学", enrolmentYear: 2023, graduationYear: 2027})'
            " { errors { field message } } }",
            "variables": {"o": gid("Organisation", city.id)},
        },
    )
    body = answer.json()
    assert "errors" not in body, body
    fields = [e["field"] for e in body["data"]["createScholarshipStudent"]["errors"]]
    assert "idNumber" in fields and "id_number" not in str(body)
    assert "35020619900101123" not in str(body)  # the value is never echoed


async def test_given_a_signed_in_cookie_when_a_post_lacks_the_csrf_header_then_told_exactly_that(
    http: httpx.AsyncClient, admin: tuple[int, str]
):
    await http.post("/auth/login", json={"email": "admin@example.cn", "password": PASSWORD})
    answer = await http.post("/graphql", json={"query": "{ me { email } }"})
    assert answer.status_code == 403
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "CSRF"
    assert "X-CSRF-Token" in error["message"] and "过期" not in error["message"]


async def test_the_audit_log_has_a_total_count_like_every_other_list(
    http: httpx.AsyncClient, admin: tuple[int, str], database: Database
):
    _, token = admin
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        await factories.site(s, city, "高林社区向日葵亲子小屋")
    answer = await http.post(
        "/graphql",
        headers={"authorization": f"Bearer {token}"},
        json={
            "query": "{ all: auditLog(first: 1) { totalCount totalCountIsExact edges { node { action } } }"
            ' sites: auditLog(filter: {entity: {eq: "ServiceSite"}}) { totalCount } }'
        },
    )
    data = answer.json()["data"]
    assert data["all"]["totalCount"] >= 2 and data["all"]["totalCountIsExact"] is True
    assert len(data["all"]["edges"]) == 1
    assert data["sites"]["totalCount"] == 1
