from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from graph.context import Context
from graph.schema import build_schema
from hongfan.db import Database
from tests.access.world import World


class DirectCaller:
    """Calls the schema in-process as a principal (temporary until tokens exist)."""

    def __init__(self, database: Database, principal: Any) -> None:
        self.database = database
        self.principal = principal

    async def call(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        context = Context(self.database, self.database.settings, dataclasses.replace(self.principal))
        try:
            result = await build_schema().execute(query, variable_values=variables, context_value=context)
        finally:
            await context.close()
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [{"message": e.message} for e in result.errors]
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        body = await self.call(query, variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
def make_caller(database: Database):
    async def make(world: World, role: str) -> DirectCaller:
        return DirectCaller(database, world.principals[role])

    return make
