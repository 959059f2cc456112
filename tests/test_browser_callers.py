"""A frontend team's first day (#14): CORS for their origin, GET queries a CDN can cache,
the GraphQL-over-HTTP media type and status codes, and CSRF for cookie callers."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from hongfan.settings import Settings, SettingsError
from tests import factories
from tests.test_accounts import make_user

SITE = "https://www.example.org"
SITES = "{ serviceSites { totalCount edges { node { name } } } }"
GQL = "application/graphql-response+json"


def _client(database: Database, **settings: object) -> httpx.AsyncClient:
    app = create_app(dataclasses.replace(database.settings, **settings), database)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


@pytest.fixture
async def published(database: Database) -> None:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        await factories.site(s, city, "高林社区向日葵亲子小屋")


async def test_given_the_website_origin_is_configured_when_its_page_calls_then_the_browser_may_read_the_answer(
    database: Database, published: None
):
    async with _client(database, cors_origins=(SITE,)) as http:
        preflight = await http.options(
            "/graphql",
            headers={
                "origin": SITE,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, authorization",
            },
        )
        answer = await http.post("/graphql", json={"query": SITES}, headers={"origin": SITE})
        stranger = await http.post(
            "/graphql", json={"query": SITES}, headers={"origin": "https://evil.example"}
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == SITE
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    # bearer tokens only: a page on another origin never acts with the user's cookie
    assert "access-control-allow-credentials" not in preflight.headers
    assert "x-csrf-token" not in preflight.headers["access-control-allow-headers"].lower()
    assert answer.headers["access-control-allow-origin"] == SITE
    assert answer.json()["data"]["serviceSites"]["totalCount"] == 1
    assert "access-control-allow-origin" not in stranger.headers


async def test_given_no_origins_configured_when_another_origin_calls_then_nothing_allows_it(
    client_default: httpx.AsyncClient,
):
    preflight = await client_default.options(
        "/graphql", headers={"origin": SITE, "access-control-request-method": "POST"}
    )
    answer = await client_default.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"origin": SITE}
    )
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answer.headers


@pytest.fixture
async def client_default(database: Database):
    async with _client(database) as http:
        yield http


def test_cors_origins_come_from_the_environment_and_a_wildcard_is_refused():
    base = {"HONGFAN_DATABASE_URL": "sqlite:///x.db"}
    assert Settings.from_env(base).cors_origins == ()
    both = Settings.from_env(
        {**base, "HONGFAN_CORS_ORIGINS": "https://a.example.org, http://localhost:5173/"}
    )
    assert both.cors_origins == ("https://a.example.org", "http://localhost:5173")
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**base, "HONGFAN_CORS_ORIGINS": "*"})
    assert "HONGFAN_CORS_ORIGINS" in refused.value.message("zh")


async def test_given_an_anonymous_get_when_asked_again_with_its_etag_then_304_and_cacheable(
    client_default: httpx.AsyncClient, published: None
):
    first = await client_default.get("/graphql", params={"query": SITES})
    assert first.status_code == 200
    assert (
        first.json()["data"]["serviceSites"]["edges"][0]["node"]["name"] == "高林社区向日葵亲子小屋"
    )
    assert first.headers["cache-control"] == "public, max-age=60"
    assert "Authorization" in first.headers["vary"] and "Accept-Language" in first.headers["vary"]
    again = await client_default.get(
        "/graphql", params={"query": SITES}, headers={"if-none-match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    english = await client_default.get(
        "/graphql",
        params={"query": "{ organisations(first: 1000) { totalCount } }"},
        headers={"accept-language": "en"},
    )
    assert english.headers["cache-control"] == "no-store"  # an answer with errors is not cached


async def test_the_cache_lifetime_is_a_setting(database: Database):
    async with _client(database, cache_max_age=300) as http:
        answer = await http.get("/graphql", params={"query": "{ __typename }"})
    assert answer.headers["cache-control"] == "public, max-age=300"


async def test_given_a_get_mutation_then_405_and_nothing_written(
    client_default: httpx.AsyncClient, database: Database
):
    query = 'mutation { createOrganisation(input: {name: "经GET创建", level: CITY}) { errors { code } } }'
    answer = await client_default.get("/graphql", params={"query": query}, headers={"accept": GQL})
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    listed = await client_default.get(
        "/graphql", params={"query": "{ organisations { totalCount } }"}
    )
    assert listed.json()["data"]["organisations"]["totalCount"] == 0


async def test_given_a_token_when_querying_by_get_then_the_answer_is_private(
    client_default: httpx.AsyncClient, database: Database
):
    user, _ = await make_user(database, "staff@example.cn", Role.SUPERADMIN)
    async with database.transaction(AUTH) as s:
        _, token = await accounts.issue_token(s, SYSTEM, user.id)  # type: ignore[arg-type]
    answer = await client_default.get(
        "/graphql",
        params={"query": "{ scholarshipStudents { totalCount } }"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "private, no-store"
    assert "etag" not in answer.headers


async def test_given_a_signed_in_cookie_when_a_get_query_lacks_the_csrf_header_then_told_exactly_that(
    client_default: httpx.AsyncClient, database: Database
):
    await make_user(database, "staff@example.cn", Role.SUPERADMIN)
    login = await client_default.post(
        "/auth/login", json={"email": "staff@example.cn", "password": "correct horse battery"}
    )
    csrf = login.json()["csrfToken"]
    refused = await client_default.get(
        "/graphql", params={"query": "{ scholarshipStudents { totalCount } }"}
    )
    assert refused.status_code == 403
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "CSRF" and "X-CSRF-Token" in error["message"]
    allowed = await client_default.get(
        "/graphql",
        params={"query": "{ scholarshipStudents { totalCount } }"},
        headers={"x-csrf-token": csrf},
    )
    assert allowed.status_code == 200 and allowed.headers["cache-control"] == "private, no-store"


async def test_given_the_graphql_response_media_type_when_the_document_is_invalid_then_400_without_data(
    client_default: httpx.AsyncClient,
):
    invalid = await client_default.post(
        "/graphql", json={"query": "{ noSuchField }"}, headers={"accept": GQL}
    )
    assert invalid.status_code == 400
    assert invalid.headers["content-type"].startswith(GQL)
    assert "data" not in invalid.json()
    assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    unparsable = await client_default.post("/graphql", json={"query": "{"}, headers={"accept": GQL})
    assert unparsable.status_code == 400
    assert unparsable.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    legacy = await client_default.post(
        "/graphql", json={"query": "{ noSuchField }"}, headers={"accept": "application/json"}
    )
    assert legacy.status_code == 200 and legacy.headers["content-type"].startswith(
        "application/json"
    )


async def test_given_a_bad_token_then_401_with_a_graphql_error_apollo_can_read(
    client_default: httpx.AsyncClient,
):
    answer = await client_default.post(
        "/graphql",
        json={"query": "{ __typename }"},
        headers={
            "accept": f"{GQL}, application/json;q=0.9",
            "authorization": "Bearer hf_not-a-token",
        },
    )
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith(GQL)
    assert answer.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_request_strawberry_refuses_is_a_graphql_error_in_the_callers_language(
    client_default: httpx.AsyncClient,
):
    answer = await client_default.post(
        "/graphql",
        content=b"query=x",
        headers={"content-type": "text/plain", "accept-language": "en"},
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "errors": [
            {
                "message": "A POST request must be sent with Content-Type: application/json",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


async def test_given_a_published_course_then_an_anonymous_course_page_shows_its_timetable(
    client_default: httpx.AsyncClient, database: Database
):
    from hongfan import crud
    from models import CourseSession

    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        shown = await factories.course(s, city, "家庭健康指导员培训")
        draft = await factories.course(s, city, "未发布的课程", published=False)
        await crud.create(
            s,
            CourseSession,
            {
                "course_id": shown.id,
                "session_date": "2022-10-14",
                "topic": "开班",
                "lecturer": "讲师甲",
            },
        )
        await crud.create(
            s, CourseSession, {"course_id": draft.id, "session_date": "2022-10-15", "topic": "草稿"}
        )
        await factories.enrolment(s, shown, city, "林示例")
    query = "{ courseSessions { totalCount edges { node { topic lecturer course { title } } } } }"
    answer = (await client_default.get("/graphql", params={"query": query})).json()["data"]
    assert [e["node"] for e in answer["courseSessions"]["edges"]] == [
        {"topic": "开班", "lecturer": "讲师甲", "course": {"title": "家庭健康指导员培训"}}
    ]
    assert answer["courseSessions"]["totalCount"] == 1
    people = (
        await client_default.get("/graphql", params={"query": "{ enrolments { totalCount } }"})
    ).json()
    assert (
        people["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    )  # the people taking it stay private


async def test_errors_name_the_graphql_field_and_a_refused_create_blames_no_field(
    client_default: httpx.AsyncClient, database: Database
):
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
    viewer, _ = await make_user(database, "viewer@example.cn", Role.VIEWER, organisation_id=city.id)
    async with database.transaction(AUTH) as s:
        _, token = await accounts.issue_token(s, SYSTEM, viewer.id)  # type: ignore[arg-type]
    bearer = {"authorization": f"Bearer {token}", "accept-language": "en"}
    filtered = await client_default.post(
        "/graphql",
        headers=bearer,
        json={
            "query": '{ scholarshipStudents(filter: {idNumber: {eq: "350206200301011234"}}) { totalCount } }'
        },
    )
    error = filtered.json()["errors"][0]
    assert error["extensions"] == {"code": "FORBIDDEN_FIELD", "field": "idNumber"}
    assert "idNumber" in error["message"] and "id_number" not in error["message"]
    created = await client_default.post(
        "/graphql",
        headers=bearer,
        json={
            "query": 'mutation { createServiceSite(input: {name: "新小屋", kind: SUNFLOWER_HUT, organisationId: "T3JnYW5pc2F0aW9uOjE="}) { serviceSite { id } errors { field code } } }'
        },
    )
    assert created.json()["data"]["createServiceSite"] == {
        "serviceSite": None,
        "errors": [{"field": None, "code": "forbidden"}],
    }


async def test_a_website_reads_enum_labels_in_the_visitors_language(
    client_default: httpx.AsyncClient,
):
    query = '{ enumLabels(type: "SiteKind") { type value label } }'
    zh = (await client_default.get("/graphql", params={"query": query})).json()["data"][
        "enumLabels"
    ]
    en = (
        await client_default.get(
            "/graphql", params={"query": query}, headers={"accept-language": "en"}
        )
    ).json()["data"]["enumLabels"]
    assert {"type": "SiteKind", "value": "SUNFLOWER_HUT", "label": "向日葵亲子小屋"} in zh
    assert [e["value"] for e in zh] == [e["value"] for e in en] and zh != en
    every = (
        await client_default.get("/graphql", params={"query": "{ enumLabels { type } }"})
    ).json()["data"]["enumLabels"]
    assert {"SiteKind", "Gender"} <= {e["type"] for e in every}
    unknown = (
        await client_default.get(
            "/graphql", params={"query": '{ enumLabels(type: "Nope") { value } }'}
        )
    ).json()
    assert unknown["errors"][0]["extensions"]["code"] == "UNKNOWN_ENUM"
