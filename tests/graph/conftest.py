from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import pytest
from strawberry.types import ExecutionResult

from graph.context import Context
from graph.schema import build_schema
from hongfan.db import Database
from hongfan.principal import SYSTEM, Principal


class RunQuery(Protocol):
    def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = ...,
        principal: Principal = ...,
        lang: str = ...,
    ) -> Awaitable[ExecutionResult]: ...


@pytest.fixture
def run(database: Database) -> Callable[..., Awaitable[ExecutionResult]]:
    """Execute a GraphQL document as ``principal`` against the test database."""
    schema = build_schema()
    settings = database.settings

    async def execute(
        query: str,
        variables: dict[str, Any] | None = None,
        principal: Principal = SYSTEM,
        lang: str = "zh",
    ) -> ExecutionResult:
        context = Context(database, settings, dataclasses.replace(principal, language=lang))
        try:
            return await schema.execute(query, variable_values=variables, context_value=context)
        finally:
            await context.close()

    return execute


def data_of(result: ExecutionResult) -> dict[str, Any]:
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data
