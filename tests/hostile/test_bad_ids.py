"""A global ID that is not one (tester finding 8.2): ``node(id:)`` answers ``null`` with a
``BAD_ID`` error in the caller's language that never repeats what was sent — the "ID" could
be an ID number someone pasted into the wrong field."""

from __future__ import annotations

import pytest

from tests.hostile.conftest import Served

NODE = "query($id: ID!) { node(id: $id) { id } }"


@pytest.mark.asyncio(loop_scope="module")
async def test_given_a_malformed_id_when_node_is_asked_then_null_and_a_chinese_bad_id_error_without_the_input(
    served: Served,
):
    for sent in [
        "Organisation:6",
        " ",
        "",
        "3502 0320 0303 1608 18",
        "身份证350203200303160818x" * 50,
    ]:
        body = (await served.graphql({"query": NODE, "variables": {"id": sent}})).json()
        assert body["data"] == {"node": None}, body
        (error,) = body["errors"]
        assert error["extensions"]["code"] == "BAD_ID", body
        assert error["message"] == "编号格式不正确", body
        assert sent.strip() == "" or sent[:6] not in str(body), body
    english = (
        await served.graphql(
            {"query": NODE, "variables": {"id": "Organisation:6"}},
            headers={"accept-language": "en"},
        )
    ).json()
    assert english["errors"][0]["message"] == "The ID is not valid", english
    literal = (await served.graphql({"query": '{ node(id: "0818-xyz") { id } }'})).json()
    assert literal["errors"][0]["extensions"]["code"] == "BAD_ID", literal
    assert "0818" not in literal["errors"][0]["message"], literal
