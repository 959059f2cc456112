"""A query that may fetch too many rows is refused before any SQL (QUERY_TOO_COSTLY).

An outside tester sent one anonymous 3.6 KB query, 29 aliases of three nested pages of
100 organisations: 17 s on SQLite, 1.25 MB back, and three at once stalled /healthz.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from graph.context import Context
from graph.query_cost import query_cost
from graph.schema import build_schema
from hongfan.db import Database
from hongfan.principal import ANONYMOUS, Principal
from tests.conftest import StatementCounter
from tests.graph.conftest import data_of

NESTED = "organisations(first:100){edges{node{name children(first:100){edges{node{name children(first:100){totalCount}}}}}}}"
FLOOD = "{ " + " ".join(f"a{i}: {NESTED}" for i in range(29)) + " }"


def cost(query: str, variables: dict[str, Any] | None = None) -> int:
    schema = build_schema()
    from graphql import parse

    return query_cost(schema._schema, parse(query), None, variables, default_page=20, max_page=100)


async def _anonymous(
    database: Database, query: str, variables: dict[str, Any] | None = None, lang: str = "zh"
):
    context = Context(database, database.settings, dataclasses.replace(ANONYMOUS, language=lang))
    try:
        return await build_schema().execute(query, variable_values=variables, context_value=context)
    finally:
        await context.close()


def test_cost_is_the_product_of_page_sizes_along_each_nesting_path() -> None:
    assert cost("{ organisations { totalCount } }") == 20  # the default page
    assert cost("{ organisations(first: 5) { edges { node { name parent { name } } } } }") == 5
    assert cost(f"{{ {NESTED} }}") == 100 + 100 * 100 + 100 * 100 * 100
    assert (
        cost(
            "query($n: Int) { organisations(first: $n) { edges { node { children(last: $n) { totalCount } } } } }",
            {"n": 7},
        )
        == 7 + 49
    )
    assert cost("query($n: Int = 3) { organisations(first: $n) { totalCount } }") == 3
    # past the maximum page size counts as the maximum (and is refused on its own anyway)
    assert cost("{ organisations(first: 100000) { totalCount } }") == 100
    # fragments are followed; introspection costs nothing
    assert (
        cost(
            "{ organisations(first: 10) { ...F } } fragment F on OrganisationConnection { edges { node { children(first: 10) { totalCount } } } }"
        )
        == 110
    )
    assert cost("{ __schema { types { fields { args { name } } } } }") == 0
    # plain lists count as one default page each
    assert cost("{ statistics { sitesByDistrict { byKind { count } } } }") == 20 + 400


async def test_given_a_flood_of_nested_pages_when_anyone_sends_it_then_it_is_refused_before_any_sql(
    database: Database, sql_counter: StatementCounter
) -> None:
    result = await _anonymous(database, FLOOD)
    assert result.errors is not None and result.data is None
    error = result.errors[0]
    assert error.extensions == {"code": "QUERY_TOO_COSTLY"}
    expected = 29 * (100 + 100 * 100 + 100 * 100 * 100)
    assert str(expected) in error.message and "20000" in error.message
    assert error.message.startswith("查询开销过大")
    assert sql_counter.count == 0
    english = await _anonymous(database, FLOOD, lang="en")
    assert english.errors is not None and english.errors[0].message.startswith(
        "The query is too costly"
    )


async def test_given_page_sizes_in_variables_when_they_multiply_past_the_limit_then_refused(
    database: Database, sql_counter: StatementCounter
) -> None:
    query = (
        "query($n: Int) { organisations(first: $n) { edges { node { "
        "children(first: $n) { edges { node { children(first: $n) { totalCount } } } } } } } }"
    )
    refused = await _anonymous(database, query, {"n": 100})
    assert refused.errors and refused.errors[0].extensions == {"code": "QUERY_TOO_COSTLY"}
    assert sql_counter.count == 0
    assert data_of(await _anonymous(database, query, {"n": 10}))["organisations"]["edges"] == []


async def test_the_readme_examples_run_within_the_limit(database: Database) -> None:
    walk = (
        "{ organisations(filter: { parentId: { isNull: true } }) { edges { node { name "
        "children(orderBy: [{ name: ASC }]) { totalCount edges { node { name level } } } } } } }"
    )
    stats = "{ statistics { sitesByKind { label count } sitesByDistrict { districtName total } totals { organisations } } }"
    for query in (walk, stats):
        assert cost(query) <= 20_000
        data_of(await _anonymous(database, query))


async def test_the_limit_is_a_setting(database: Database) -> None:
    settings = dataclasses.replace(database.settings, graphql_max_cost=10)
    principal: Principal = ANONYMOUS
    context = Context(database, settings, principal)
    try:
        result = await build_schema().execute(
            "{ organisations(first: 11) { totalCount } }", context_value=context
        )
    finally:
        await context.close()
    assert result.errors and result.errors[0].extensions == {"code": "QUERY_TOO_COSTLY"}


# Finding 1 of the outside test: 5 aliases of a 40-branch `or` of organisation → parent
# filters, inside every filter limit, took 3.5 s on SQLite; 8 at once stalled every client.
BRANCH = '{organisation:{parent:{name:{pinyin:"zhang"}}}}'
HEAVY_ALIAS = (
    "serviceSites(first:100, filter:{or:[" + ",".join([BRANCH] * 40) + "]}) { totalCount }"
)
HEAVY = "{ " + " ".join(f"a{i}: {HEAVY_ALIAS}" for i in range(5)) + " }"


def test_each_relation_a_filter_traverses_costs_a_join_per_row_of_the_connection() -> None:
    """Given filters through relations, their cost is the maximum page per traversed relation."""
    plain = '{ serviceSites(first: 10, filter: { name: { contains: "x" } }) { totalCount } }'
    assert cost(plain) == 10
    one_hop = '{ serviceSites(first: 10, filter: { organisation: { name: { contains: "x" } } }) { totalCount } }'
    assert cost(one_hop) == 10 + 100
    two_hops = "{ serviceSites(filter: { not: { organisation: { parent: { id: { isNull: false } } } } }) { totalCount } }"
    assert cost(two_hops) == 20 + 2 * 100
    # the same through variables, and nested under a page of parents
    by_variable = (
        "query($f: ServiceSiteFilter) { serviceSites(first: 10, filter: $f) { totalCount } }"
    )
    assert (
        cost(by_variable, {"f": {"or": [{"organisation": {"name": {"eq": "a"}}}] * 3}}) == 10 + 300
    )
    nested = '{ organisations(first: 5) { edges { node { children(filter: { parent: { name: { eq: "a" } } }) { totalCount } } } } }'
    assert cost(nested) == 5 + 5 * 20 + 5 * 100
    assert cost(HEAVY) == 5 * (100 + 80 * 100)


async def test_given_five_aliases_of_heavy_relation_filters_when_anyone_sends_them_then_refused_before_any_sql(
    database: Database, sql_counter: StatementCounter
) -> None:
    result = await _anonymous(database, HEAVY)
    assert result.errors is not None and result.data is None
    assert result.errors[0].extensions == {"code": "QUERY_TOO_COSTLY"}
    assert sql_counter.count == 0
    # one alias of it is within the limit and answers
    assert data_of(await _anonymous(database, "{ " + HEAVY_ALIAS + " }"))["serviceSites"] == {
        "totalCount": 0
    }
