"""Persisted operations and partner allow-lists (#14.4): Apollo's automatic persisted
queries over POST and GET, shared through the database, bounded; a partner token bound to
the operations of a file runs those and nothing else."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import httpx
import pytest

from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.errors import HongfanError
from hongfan.persisted import AddressQuota
from hongfan.principal import SYSTEM, Role
from tests import factories
from tests.test_accounts import make_user

SITES = "query PublishedSites { serviceSites { totalCount edges { node { name } } } }"
GQL = "application/graphql-response+json"
PARTNER_FILE = """
# the two operations the association agreed with the partner
query PublishedSites { serviceSites { totalCount edges { node { name } } } }

query SiteNames($first: Int) { serviceSites(first: $first) { edges { node { ...Named } } } }

fragment Named on ServiceSite { name }
"""


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(text: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(text)}}


def _client(database: Database, **settings: object) -> httpx.AsyncClient:
    app = create_app(dataclasses.replace(database.settings, **settings), database)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def published(database: Database) -> None:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        await factories.site(s, city, "高林社区向日葵亲子小屋")


async def test_given_an_unknown_hash_then_apollo_is_told_persisted_query_not_found_and_its_retry_with_text_is_stored_for_every_process(
    database: Database, published: None
):
    """Apollo's link sends the hash alone, gets PERSISTED_QUERY_NOT_FOUND (200, so it falls
    back), sends hash and text; from then on the hash alone is enough — in another process too."""
    body = {"extensions": persisted(SITES)}
    async with _client(database) as first:
        miss = await first.post("/graphql", json=body, headers={"accept": GQL})
        register = await first.post("/graphql", json={"query": SITES, **body})
        again = await first.post("/graphql", json=body)
    async with _client(database) as other_process:
        elsewhere = await other_process.post("/graphql", json=body)
    assert miss.status_code == 200
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert "PersistedQueryNotFound" in miss.json()["errors"][0]["message"]
    assert miss.headers["cache-control"] == "no-store"
    assert register.json()["data"]["serviceSites"]["totalCount"] == 1
    assert again.json() == register.json()
    assert elsewhere.json() == register.json()


async def test_given_a_persisted_query_by_get_then_a_cdn_may_cache_it(
    database: Database, published: None
):
    async with _client(database) as http:
        await http.post("/graphql", json={"query": SITES, "extensions": persisted(SITES)})
        params = {"extensions": json.dumps(persisted(SITES))}
        answer = await http.get("/graphql", params=params)
        revalidated = await http.get(
            "/graphql", params=params, headers={"if-none-match": answer.headers["etag"]}
        )
        unknown = await http.get(
            "/graphql", params={"extensions": json.dumps(persisted("{ __typename }"))}
        )
    assert answer.status_code == 200
    assert answer.json()["data"]["serviceSites"]["totalCount"] == 1
    assert answer.headers["cache-control"].startswith("public")
    assert revalidated.status_code == 304
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert unknown.headers["cache-control"] == "no-store"


async def test_given_a_hash_that_is_not_the_texts_then_told_so_and_nothing_stored(
    database: Database, published: None
):
    async with _client(database) as http:
        wrong = await http.post(
            "/graphql",
            json={"query": SITES, "extensions": persisted("{ __typename }")},
            headers={"accept": GQL},
        )
        later = await http.post("/graphql", json={"extensions": persisted("{ __typename }")})
        malformed = await http.post(
            "/graphql",
            json={"query": SITES, "extensions": {"persistedQuery": {"version": 2}}},
            headers={"accept": GQL},
        )
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert "SHA-256" in wrong.json()["errors"][0]["message"]
    assert later.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert malformed.status_code == 400
    assert "version" in malformed.json()["errors"][0]["message"]


async def test_given_the_store_is_full_or_the_text_too_long_then_operations_still_run_but_are_not_stored(
    database: Database, published: None
):
    """Bounded: past the count or the length, the text runs; its hash alone stays unknown."""
    other = "query Other { serviceSites { totalCount } }"
    async with _client(database, persisted_max_count=1, persisted_max_chars=len(SITES)) as http:
        await http.post("/graphql", json={"query": SITES, "extensions": persisted(SITES)})
        full = await http.post("/graphql", json={"query": other, "extensions": persisted(other)})
        by_hash = await http.post("/graphql", json={"extensions": persisted(other)})
    long_text = SITES + " " * 10
    async with _client(database, persisted_max_chars=len(SITES)) as http:
        long = await http.post(
            "/graphql", json={"query": long_text, "extensions": persisted(long_text)}
        )
        long_by_hash = await http.post("/graphql", json={"extensions": persisted(long_text)})
    assert full.json()["data"]["serviceSites"]["totalCount"] == 1
    assert by_hash.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert long.json()["data"]["serviceSites"]["totalCount"] == 1
    assert long_by_hash.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def _from(database: Database, address: str, **settings: object) -> httpx.AsyncClient:
    app = create_app(dataclasses.replace(database.settings, **settings), database)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app, client=(address, 4711))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_given_an_anonymous_caller_registering_many_documents_then_past_its_hourly_quota_they_run_but_are_not_stored(
    database: Database, published: None
):
    """Tester finding 7: anyone could fill the store with junk. An anonymous address may add
    a few new documents an hour; past that its queries still answer (the text is sent), but
    their hashes stay unknown. Another address, and a signed-in caller, are not held back."""
    junk = [f"{{ __typename }} # junk {n} " + "x" * 1000 for n in range(3)]
    user, _ = await make_user(database, "staff@example.cn", Role.SUPERADMIN)
    async with database.transaction(AUTH) as s:
        _, token = await accounts.issue_token(s, SYSTEM, user.id)  # type: ignore[arg-type]
    async with _from(database, "203.0.113.7", persisted_anonymous_per_hour=2) as http:
        ran = [
            await http.post("/graphql", json={"query": t, "extensions": persisted(t)}) for t in junk
        ]
        by_hash = [
            (await http.post("/graphql", json={"extensions": persisted(t)})).json() for t in junk
        ]
        again = await http.post(
            "/graphql", json={"query": junk[0], "extensions": persisted(junk[0])}
        )
        other = "query Other { serviceSites { totalCount } }"
        staff = await http.post(
            "/graphql",
            json={"query": other, "extensions": persisted(other)},
            headers={"authorization": f"Bearer {token}"},
        )
        staff_by_hash = await http.post("/graphql", json={"extensions": persisted(other)})
    async with _from(database, "198.51.100.9", persisted_anonymous_per_hour=2) as neighbour:
        await neighbour.post("/graphql", json={"query": junk[2], "extensions": persisted(junk[2])})
        neighbour_by_hash = await neighbour.post(
            "/graphql", json={"extensions": persisted(junk[2])}
        )
    assert [r.json() for r in ran] == [{"data": {"__typename": "Query"}}] * 3
    assert by_hash[:2] == [{"data": {"__typename": "Query"}}] * 2
    assert by_hash[2]["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert again.json() == {"data": {"__typename": "Query"}}  # a known one costs nothing
    assert staff.json()["data"]["serviceSites"]["totalCount"] == 1
    assert staff_by_hash.json()["data"]["serviceSites"]["totalCount"] == 1
    assert neighbour_by_hash.json() == {"data": {"__typename": "Query"}}


def test_an_address_quota_frees_up_as_its_hour_passes():
    now = [0.0]
    quota = AddressQuota(2, clock=lambda: now[0])
    assert [quota.take("a"), quota.take("a"), quota.take("a"), quota.take("b")] == [
        True,
        True,
        False,
        True,
    ]
    now[0] = 3601.0
    assert quota.take("a") is True


# -- partner allow-lists ---------------------------------------------------------------


@pytest.fixture
async def partner_token(database: Database, published: None) -> str:
    async with database.transaction(SYSTEM) as s:
        district = await factories.organisation(s, "湖里区")
        company = await factories.company(s, district)
    user, _ = await make_user(database, "partner@example.cn", Role.PARTNER, company_id=company.id)
    async with database.transaction(AUTH) as s:
        _, token = await accounts.issue_token(s, SYSTEM, user.id, operations=PARTNER_FILE)  # type: ignore[arg-type]
    return token


async def test_given_a_partner_token_bound_to_two_operations_then_it_runs_them_by_text_or_hash_get_or_post_and_nothing_else(
    database: Database, partner_token: str
):
    bearer = {"authorization": f"Bearer {partner_token}", "accept": GQL}
    reformatted = "query PublishedSites {\n  serviceSites {\n    totalCount\n    edges { node { name } }\n  }\n}"
    with_fragment = (
        "fragment Named on ServiceSite { name }\n"
        "query SiteNames($first: Int) { serviceSites(first: $first) { edges { node { ...Named } } } }"
    )
    async with _client(database) as http:
        allowed = [
            await http.post("/graphql", json={"query": reformatted}, headers=bearer),
            await http.get("/graphql", params={"query": SITES}, headers=bearer),
            await http.post(
                "/graphql",
                json={"query": with_fragment, "variables": {"first": 5}},
                headers=bearer,
            ),
            # by hash only, from the first request on: the file's operations are stored
            await http.post(
                "/graphql",
                json={
                    "extensions": persisted(_canonical(with_fragment)),
                    "variables": {"first": 5},
                },
                headers=bearer,
            ),
            await http.get(
                "/graphql",
                params={"extensions": json.dumps(persisted(_canonical(SITES)))},
                headers=bearer,
            ),
        ]
        other = "query Other { serviceSites { totalCount } }"
        refused = [
            await http.post("/graphql", json={"query": other}, headers=bearer),
            await http.get("/graphql", params={"query": "{ __typename }"}, headers=bearer),
            await http.post(
                "/graphql",
                json={"query": other, "extensions": persisted(other)},
                headers=bearer,
            ),
            await http.post(
                "/graphql",
                json={"query": "mutation { logout }"},
                headers=bearer,
            ),
        ]
        not_stored = await http.post("/graphql", json={"extensions": persisted(other)})
    for answer in allowed:
        assert answer.status_code == 200, answer.text
        assert "errors" not in answer.json(), answer.text
    assert allowed[0].json()["data"]["serviceSites"]["totalCount"] == 1
    for answer in refused:
        assert answer.status_code == 403, answer.text
        error = answer.json()["errors"][0]
        assert error["extensions"]["code"] == "OPERATION_NOT_ALLOWED"
        assert "PublishedSites" in error["message"] and "只能执行" in error["message"]
        assert "data" not in answer.json()
    # a refused request leaves nothing behind in the shared store
    assert not_stored.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_an_unrestricted_token_runs_anything(database: Database, published: None):
    user, _ = await make_user(database, "staff@example.cn", Role.SUPERADMIN)
    async with database.transaction(AUTH) as s:
        _, token = await accounts.issue_token(s, SYSTEM, user.id)  # type: ignore[arg-type]
    async with _client(database) as http:
        answer = await http.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"authorization": f"Bearer {token}"},
        )
    assert answer.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("query { a }", "名称"),
        ("query A { ...Missing }", "片段"),
        ("fragment F on Query { a }", "没有任何操作"),
        ("query A {", "不是有效的 GraphQL：第 1 行第 10 列有语法错误"),
        ("query A { a(n: 13900000001x) }", "不是有效的 GraphQL：第 1 行第 27 列有语法错误"),
        ("query A { a } query A { b }", "两个名为 A"),
    ],
)
async def test_an_operations_file_that_cannot_be_an_allow_list_is_refused_with_the_reason(
    database: Database, text: str, expected: str
):
    user, _ = await make_user(database, "staff@example.cn", Role.SUPERADMIN)
    with pytest.raises(HongfanError) as refused:
        async with database.transaction(AUTH) as s:
            await accounts.issue_token(s, SYSTEM, user.id, operations=text)  # type: ignore[arg-type]
    assert refused.value.errors[0].field == "operations"
    assert expected in refused.value.errors[0].message


def _canonical(text: str) -> str:
    from hongfan.operations import operations_of

    return operations_of(text)[0].canonical


async def test_a_bound_token_cannot_slip_another_operation_past_its_list(
    database: Database, partner_token: str
):
    """Repeated parameters, a body that is not JSON, a batch: the token's list still holds."""
    bearer = {"authorization": f"Bearer {partner_token}", "accept": GQL}
    other = "query Other { serviceSites { totalCount } }"
    async with _client(database) as http:
        repeated = await http.get(
            "/graphql", params=[("query", SITES), ("query", other)], headers=bearer
        )
        form = await http.post("/graphql", data={"query": other}, headers=bearer)
        batch = await http.post(
            "/graphql", json=[{"query": SITES}, {"query": other}], headers=bearer
        )
    assert form.status_code == 403
    assert batch.status_code == 400 and "data" not in batch.json()  # refused before anything
    # the repeated name is read once, as strawberry reads it (the last): that is what is checked
    assert repeated.status_code == 403, repeated.text
    assert repeated.json()["errors"][0]["extensions"]["code"] == "OPERATION_NOT_ALLOWED"
