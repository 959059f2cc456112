"""The schema frontend developers and their code generators read (#14.6)."""

from __future__ import annotations

import re

from graphql import GraphQLObjectType, GraphQLScalarType

from graph.schema import build_schema


def test_every_argument_says_what_it_does():
    schema = build_schema()._schema
    missing = [
        f"{type_name}.{field_name}.{arg_name}"
        for type_name, graphql_type in schema.type_map.items()
        if isinstance(graphql_type, GraphQLObjectType) and not type_name.startswith("__")
        for field_name, field in graphql_type.fields.items()
        for arg_name, argument in field.args.items()
        if not argument.description
    ]
    assert missing == []


def test_the_custom_scalars_state_their_wire_format():
    schema = build_schema()._schema
    date, date_time, money = (schema.type_map[name] for name in ("Date", "DateTime", "Decimal"))
    assert isinstance(date, GraphQLScalarType) and isinstance(date_time, GraphQLScalarType)
    assert date.specified_by_url and "YYYY-MM-DD" in (date.description or "")
    assert date_time.specified_by_url and "UTC" in (date_time.description or "")
    assert '"3000.00"' in (money.description or "")
    sdl = build_schema().as_str()
    assert '@specifiedBy(url: "https://scalars.graphql.org/andimarek/local-date.html")' in sdl


def test_no_a_before_a_vowel_in_the_descriptions():
    sdl = build_schema().as_str()
    assert (
        re.findall(
            r"\ba (?:Organisation|Enrolment|Internship|EmploymentOutcome|[AEIOU][a-z]+[A-Z]\w*)\b",
            sdl,
        )
        == []
    )
    assert "Create an Organisation" in sdl and "The result of an Enrolment mutation" in sdl


async def test_given_introspection_off_then_errors_suggest_no_names():
    query = "{ organisations { edges { node { nme } } } }"
    development = await build_schema(introspection=True).execute(query)
    production = await build_schema(introspection=False).execute(query)
    assert development.errors and development.errors[0].message == (
        "类型 Organisation 没有这个字段（第 1 行第 34 列）；你是不是要找：name？"
    )
    assert production.errors and production.errors[0].message == (
        "类型 Organisation 没有这个字段（第 1 行第 34 列）"
    )
    enum = "query($k: SiteKind) { serviceSites(filter: {kind: {eq: $k}}) { totalCount } }"
    refused = await build_schema(introspection=False).execute(
        enum, variable_values={"k": "SUNFLOWER"}
    )
    assert (
        refused.errors
        and refused.errors[0].message == "变量 $k 的值不符合要求：不是 SiteKind 的取值"
    )
    hinted = await build_schema(introspection=True).execute(
        enum, variable_values={"k": "SUNFLOWER"}
    )
    assert hinted.errors and hinted.errors[0].message.endswith("；你是不是要找：SUNFLOWER_HUT？")
