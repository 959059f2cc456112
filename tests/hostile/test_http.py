"""Malformed and oversized HTTP requests to /graphql are refused with a 4xx and a GraphQL
error before any GraphQL work, on the normal path and the replayed one (#9.1, #9.5)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hongfan.bounded import MAX_JSON_DEPTH
from tests.hostile.conftest import ORDINARY, Served, refused, serve

MB = 1024 * 1024

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_body_declared_past_the_limit_is_refused_413_without_being_read(served: Served):
    # Given a 3 MB body whose Content-Length says so
    consumed = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal consumed
        for _ in range(48):
            consumed += 1
            yield b" " * 65536

    response = await served.http.post(
        "/graphql",
        content=chunks(),
        headers={"content-type": "application/json", "content-length": str(3 * MB)},
    )
    # Then the caller gets 413 with the limit in Chinese, and not one chunk was read
    assert "1024 KB" in refused(response, 413, "REQUEST_TOO_LARGE")
    assert consumed == 0
    await served.still_serving()


async def test_a_streamed_body_past_the_limit_is_refused_before_it_is_read_whole(served: Served):
    # Given a 20 MB body sent in chunks, without a Content-Length
    consumed = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal consumed
        yield b'{"query": "' + b"x" * 65000
        for _ in range(320):
            consumed += 1
            yield b"x" * 65536

    response = await served.http.post(
        "/graphql",
        content=chunks(),
        headers={"content-type": "application/json", "accept-language": "en"},
    )
    # Then reading stopped just past 1 MB, and the answer says why in English
    assert "too large" in refused(response, 413, "REQUEST_TOO_LARGE")
    assert consumed <= 17
    await served.still_serving()


async def test_the_body_limit_is_a_setting(served: Served):
    import dataclasses

    settings = dataclasses.replace(served.database.settings, graphql_max_body_kb=1)
    async with serve(served.database, settings) as server:
        response = await server.graphql({"query": ORDINARY + " " * 2000})
        assert "1 KB" in refused(response, 413, "REQUEST_TOO_LARGE")
        await server.still_serving()


@pytest.mark.parametrize("body", ["42", "null", '"x"', "true"])
async def test_a_json_body_that_is_not_an_object_is_a_400(served: Served, body: str):
    response = await served.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert "JSON 对象" in refused(response, 400, "BAD_REQUEST")
    await served.still_serving()


@pytest.mark.parametrize("body", ["[]", '[{"query": "{ __typename }"}]'])
async def test_given_a_batch_then_it_is_refused_with_the_message_docs_frontend_promises(
    served: Served, body: str
):
    response = await served.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert "不支持批量请求" in refused(response, 400, "BAD_REQUEST")
    await served.still_serving()


@pytest.mark.parametrize(
    "body", [b"{", b"\xff\xfe{}", b"", b'{"query": "{ __typename }"} trailing']
)
async def test_a_body_that_is_not_json_is_a_400(served: Served, body: bytes):
    response = await served.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert "JSON" in refused(response, 400, "BAD_REQUEST")
    await served.still_serving()


@pytest.mark.parametrize(
    ("member", "value", "words"),
    [
        ("query", 42, '"query"'),
        ("query", None, '"query"'),
        ("query", ["{ __typename }"], '"query"'),
        ("variables", [], '"variables"'),
        ("variables", "x", '"variables"'),
        ("variables", 7, '"variables"'),
        ("operationName", {"a": 1}, '"operationName"'),
        ("operationName", 3, '"operationName"'),
        ("extensions", "x", '"extensions"'),
        ("extensions", [1], '"extensions"'),
    ],
)
async def test_members_of_the_wrong_type_are_a_400(
    served: Served, member: str, value: Any, words: str
):
    body: dict[str, Any] = {"query": ORDINARY, member: value}
    response = await served.graphql(body)
    assert words in refused(response, 400, "BAD_REQUEST")
    await served.still_serving()


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 50_000])
async def test_variables_nested_past_the_limit_are_a_400_not_a_crash(served: Served, depth: int):
    # Given a filter nested `depth` levels deep in the variables (the 50,000 one reset the connection)
    nested = '{"and": [' * (depth // 2) + "{}" + "]}" * (depth // 2)
    query = "query($f: OrganisationFilter) { organisations(filter: $f) { totalCount } }"
    body = '{"query": ' + json.dumps(query) + ', "variables": {"f": ' + nested + "}}"
    response = await served.http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert f"{MAX_JSON_DEPTH}" in refused(response, 400, "BAD_REQUEST")
    await served.still_serving()


# -- the replayed path (PostgreSQL: the fast lane answers repeated anonymous reads) ----------


REPLAYED = "query($n: Int) { organisations(first: $n) { totalCount } }"


@pytest.mark.parametrize(
    "body",
    [
        {"query": REPLAYED, "variables": {"n": 2}, "operationName": {"x": 1}},
        {"query": REPLAYED, "variables": [1]},
        {"query": REPLAYED, "variables": {"n": 2}, "extensions": "x"},
        {"query": 42, "variables": {"n": 2}},
        [{"query": REPLAYED, "variables": {"n": 1}}],
    ],
)
async def test_the_replayed_path_refuses_the_same_shapes(served: Served, body: Any):
    # Given a document answered twice (the second time replayed, where the database allows)
    for _ in range(2):
        response = await served.graphql({"query": REPLAYED, "variables": {"n": 1}})
        assert response.status_code == 200 and "errors" not in response.json()
    # When it comes again with members of the wrong type, then it is a 400, never a 500
    refused(await served.graphql(body), 400, "BAD_REQUEST")
    await served.still_serving()


# -- methods and credentials the endpoint does not take ------------------------------------


async def test_head_is_405_with_the_methods_graphql_answers(served: Served):
    """GraphQL over HTTP names GET and POST; HEAD would run a query (audited reads
    included) to send no body, so it is refused like any other method: 405 with Allow."""
    for params in ({"query": ORDINARY}, {}):
        response = await served.http.head("/graphql", params=params)
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, POST"
        assert response.content == b""
    # and the same request as GET is answered
    response = await served.http.get("/graphql", params={"query": ORDINARY})
    assert response.status_code == 200 and "errors" not in response.json()
    await served.still_serving()


@pytest.mark.parametrize("scheme", ["Basic dXNlcjpwYXNz", "Digest username=x", "hf_token"])
async def test_credentials_of_another_scheme_are_401_not_silently_anonymous(
    served: Served, scheme: str
):
    # Given a client that sends Basic (or other) credentials, by GET and by POST
    for response in (
        await served.graphql({"query": ORDINARY}, headers={"authorization": scheme}),
        await served.http.get(
            "/graphql", params={"query": ORDINARY}, headers={"authorization": scheme}
        ),
    ):
        # Then it is told, in Chinese, that only API tokens are taken: nothing was answered
        text = refused(response, 401, "UNAUTHENTICATED")
        assert "只接受 API 令牌" in text and "Bearer" in text
        assert response.headers["www-authenticate"] == "Bearer"
    await served.still_serving()
