"""Query limits: abusive documents are refused before any SQL runs."""

from __future__ import annotations

from graph.context import Context
from graph.schema import MAX_ALIASES, MAX_QUERY_DEPTH, MAX_TOKENS, build_schema
from hongfan.db import Database
from hongfan.principal import SYSTEM
from tests.conftest import StatementCounter


async def _execute(database: Database, query: str, introspection: bool = True):
    context = Context(database, database.settings, SYSTEM)
    try:
        return await build_schema(introspection).execute(query, context_value=context)
    finally:
        await context.close()


async def test_too_deep_a_query_is_refused(database, sql_counter: StatementCounter):
    nested = "parent { " * (MAX_QUERY_DEPTH + 2) + "name" + " }" * (MAX_QUERY_DEPTH + 2)
    result = await _execute(database, f"{{ organisations {{ edges {{ node {{ {nested} }} }} }} }}")
    assert result.errors and result.errors[0].message == f"查询嵌套过深：最多 {MAX_QUERY_DEPTH} 层"
    assert sql_counter.count == 0


async def test_alias_flood_is_refused_even_inside_fragments(
    database, sql_counter: StatementCounter
):
    aliases = " ".join(f"a{i}: totalCount" for i in range(MAX_ALIASES + 5))
    query = (
        f"query {{ organisations {{ ...F }} }} fragment F on OrganisationConnection {{ {aliases} }}"
    )
    result = await _execute(database, query)
    assert result.errors and result.errors[0].message == f"别名过多：最多 {MAX_ALIASES} 个"
    assert sql_counter.count == 0


async def test_token_flood_is_refused(database):
    query = "{ organisations { " + "totalCount " * 5000 + "} }"
    result = await _execute(database, query)
    assert result.errors and result.errors[0].message == (
        f"查询文档过长：最多 {MAX_TOKENS} 个词法单元（token），未解析"
    )


async def test_introspection_can_be_switched_off(database):
    off = await _execute(database, "{ __schema { types { name } } }", introspection=False)
    assert off.errors
    on = await _execute(database, "{ __schema { queryType { name } } }")
    assert on.errors is None and on.data == {"__schema": {"queryType": {"name": "Query"}}}
