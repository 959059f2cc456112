"""Which operation of a document runs is never guessed (GraphQL spec, GetOperation)."""

from __future__ import annotations

import httpx

from hongfan.app import create_app
from hongfan.db import Database

TWO = "query A { organisations(first: 1) { totalCount } } query B { serviceSites(first: 1) { totalCount } }"


async def test_a_document_with_two_operations_runs_only_the_one_named(database: Database) -> None:
    """Given a document holding operations A and B, when it is sent without operationName,
    then nothing runs and the answer says to name one (OPERATION_NAME_REQUIRED, in Chinese
    by default) — it used to run A silently; when it names C, nothing runs either; when it
    names B, B runs and only B."""
    app = create_app(database.settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hongfan.test") as client:

        async def send(**extra: str) -> dict:  # type: ignore[type-arg]
            answer = await client.post("/graphql", json={"query": TWO, **extra})
            return answer.json()  # type: ignore[no-any-return]

        unnamed = await send()
        assert unnamed["data"] is None
        assert unnamed["errors"][0]["extensions"]["code"] == "OPERATION_NAME_REQUIRED"
        assert "operationName" in unnamed["errors"][0]["message"]
        unknown = await send(operationName="C")
        assert unknown.get("data") is None and unknown["errors"]  # refused before it runs
        named = await send(operationName="B")
        assert "errors" not in named and set(named["data"]) == {"serviceSites"}
