"""The committed SDL is the public contract: it must match the code."""

from __future__ import annotations

from pathlib import Path

from graph.schema import print_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "graph" / "schema.graphql"


def test_committed_schema_matches_the_code():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == print_sdl(), (
        "graph/schema.graphql is out of date: run `make schema > graph/schema.graphql` and commit it"
    )


def test_every_type_and_field_has_a_description():
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

    from graph.schema import build_schema

    schema = build_schema()._schema
    missing = []
    for name, gql_type in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if not gql_type.description:
            missing.append(name)
        if isinstance(gql_type, GraphQLObjectType | GraphQLInputObjectType):
            missing.extend(
                f"{name}.{f}" for f, field in gql_type.fields.items() if not field.description
            )
        if isinstance(gql_type, GraphQLEnumType):
            continue
    assert missing == []
