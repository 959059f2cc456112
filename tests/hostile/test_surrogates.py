"""A lone UTF-16 surrogate ("\\ud800") is refused at the edge with a clear 400, never an
internal error (outside tester, finding 5: a filter variable and a mutation's name both
answered 服务器内部错误 and logged a UnicodeEncodeError traceback)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.hostile.conftest import Served, refused

pytestmark = pytest.mark.asyncio(loop_scope="module")

FILTER = "query($s: String) { organisations(filter: { name: { contains: $s } }) { totalCount } }"


async def test_given_a_lone_surrogate_in_a_filter_variable_when_posted_then_a_400_in_chinese(
    served: Served,
):
    # written by hand: json.dumps would escape it the same way, but say so plainly
    body = '{"query": ' + json.dumps(FILTER) + ', "variables": {"s": "\\ud800"}}'
    response = await served.http.post(
        "/graphql", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert "无效字符" in refused(response, 400, "BAD_REQUEST")
    await served.still_serving()


async def test_given_a_lone_surrogate_in_a_mutation_input_when_posted_then_a_400(served: Served):
    body = json.dumps(
        {
            "query": 'mutation($n: String!) { updateOrganisation(input: {id: "x", name: $n}) { __typename } }',
            "variables": {"n": "王\udfff"},
        }
    )
    response = await served.http.post(
        "/graphql", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert "无效字符" in refused(response, 400, "BAD_REQUEST")


async def test_given_a_lone_surrogate_in_get_variables_then_a_400(served: Served):
    query = urlencode({"query": FILTER, "variables": '{"s": "a\\ud800"}'})
    response = await served.http.get(f"/graphql?{query}", headers={"accept": "application/json"})
    assert "无效字符" in refused(response, 400, "BAD_REQUEST")
    await served.still_serving()


async def test_a_proper_pair_is_an_ordinary_character(served: Served):
    """Given an emoji spelled as a surrogate pair, the filter runs (and matches nothing)."""
    body = '{"query": ' + json.dumps(FILTER) + ', "variables": {"s": "\\ud83d\\ude00"}}'
    response = await served.http.post(
        "/graphql", content=body.encode(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["organisations"]["totalCount"] == 0
