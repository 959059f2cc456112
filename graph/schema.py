"""The GraphQL schema: one query field, node lookup and four mutations per record type."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from graph import accounts as account_fields
from graph import erasure as erasure_fields
from graph import labels as enum_labels
from graph import resolvers
from graph.activity_statistics import resolve_activity_statistics
from graph.aggregate import resolve_aggregate
from graph.arguments import describe_arguments
from graph.audit import resolve_audit_log
from graph.filter_limits import FilterGuard
from graph.names import snake
from graph.operation_choice import OperationChoice
from graph.planner import PlannedExecution
from graph.privacy import PrivateErrors, QuietSchema, is_user_facing
from graph.query_cost import CostGuard
from graph.scalars import OVERRIDES as SCALARS
from graph.signin import SignInRequired
from graph.statistics import resolve_statistics
from graph.suggestions import HideSuggestions
from graph.types import build_all
from hongfan.unavailable import is_unavailable
from models.base import ENTITIES

MAX_QUERY_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000


def _query_type() -> type:
    namespace: dict[str, Any] = {"__module__": "graph.types", "__annotations__": {}}
    for model in ENTITIES.values():
        namespace[snake(model.__entity__.plural)] = resolvers.list_field(model)
    namespace["node"] = strawberry.field(
        resolver=resolvers.resolve_node,
        description="Any record by its global ID; null when it does not exist or you may not see it (按编号查询)",
    )
    namespace.update(account_fields.QUERY_FIELDS)
    namespace.update(erasure_fields.QUERY_FIELDS)
    namespace["audit_log"] = strawberry.field(
        resolver=resolve_audit_log,
        description=(
            "Who changed what and who read sensitive fields in clear, newest first; superadmins "
            "see all, org admins their subtree (审计日志)"
        ),
    )
    namespace["enum_labels"] = enum_labels.FIELD
    namespace["statistics"] = strawberry.field(
        resolver=resolve_statistics,
        description="The figures the association reports, over the records you may see (统计数据)",
    )
    namespace["activity_statistics"] = strawberry.field(
        resolver=resolve_activity_statistics,
        description="Activities by kind, district and year; volunteer hours by district (活动与志愿服务统计)",
        deprecation_reason=(
            "Use statistics { activitiesByKind activitiesByDistrict activitiesByYear "
            "volunteerHoursByDistrict }: the same figures beside the network's others"
        ),
    )
    namespace["aggregate"] = strawberry.field(
        resolver=resolve_aggregate,
        description=(
            "Count, and sum/min/max of numeric fields, of one record type grouped by up to two "
            "choice, year or organisation fields, over the records you may see (分组统计)"
        ),
    )
    cls = type("Query", (), namespace)
    return strawberry.type(cls, description="Read the association network's records (查询)")


def _mutation_type() -> type:
    namespace: dict[str, Any] = {"__module__": "graph.types", "__annotations__": {}}
    for model in ENTITIES.values():
        namespace.update(resolvers.mutation_fields(model))
    namespace.update(account_fields.MUTATION_FIELDS)
    namespace.update(erasure_fields.mutation_fields())
    cls = type("Mutation", (), namespace)
    return strawberry.type(cls, description="Create, change, delete and restore records (修改数据)")


@cache
def _root_types() -> tuple[type, type]:
    build_all()
    return _query_type(), _mutation_type()


def _refusing_empty_selections(rule: Any) -> Any:
    """The depth limit, refusing ``{}`` (an empty selection set) as a validation error first:
    strawberry's depth count takes the deepest of no selections and fails (``max()`` of nothing),
    which answered a bare ``{}`` with that text and logged a traceback. Likewise it is not
    counted when a spread names no fragment of the document (its lookup fails)."""
    from graphql import (
        FragmentDefinitionNode,
        FragmentSpreadNode,
        GraphQLError,
        SelectionSetNode,
        ValidationRule,
        visit,
    )
    from graphql.language import Visitor

    class EmptyFound(Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.node: SelectionSetNode | None = None

            self.spread: set[str] = set()
            self.defined: set[str] = set()

        def enter_selection_set(self, node: SelectionSetNode, *_: Any) -> None:
            if not node.selections and self.node is None:
                self.node = node

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            self.spread.add(node.name.value)

        def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
            self.defined.add(node.name.value)

    class Guarded(ValidationRule):
        def __init__(self, context: Any) -> None:
            found = EmptyFound()
            visit(context.document, found)
            if found.node is not None:
                super().__init__(context)
                context.report_error(
                    GraphQLError("Syntax Error: a selection set must not be empty.", found.node)
                )
                return
            if found.spread - found.defined:
                # a spread of an undefined fragment: KnownFragmentNamesRule says so; the depth
                # count would look the fragment up and fail (a KeyError quoting its name)
                super().__init__(context)
                return
            self.inner = rule(context)
            super().__init__(context)

    return Guarded


class ParsedOnce(ParserCache):
    """strawberry's parser cache, except that a document that does not parse is left to
    strawberry's own parsing step, which answers with the error as a request error: the
    cache's hook raised it past the error handling (no masking, no translation)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(
                context.query, **context.parse_options
            )
        except GraphQLError:
            pass
        yield


@cache
def build_schema(introspection: bool = True) -> strawberry.Schema:
    """The schema; without introspection for production unless configured otherwise."""
    query, mutation = _root_types()
    extensions: list[Any] = [] if introspection else [DisableIntrospection, HideSuggestions]
    # The limits are validation rules. Build them once: a new rule class per request would
    # make every request a miss in the validation cache and re-validate the whole document.
    limit_rules = [
        *(
            _refusing_empty_selections(rule)
            for rule in QueryDepthLimiter(max_depth=MAX_QUERY_DEPTH).validation_rules
        ),
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    schema = QuietSchema(
        query=query,
        mutation=mutation,
        types=[relay.Node],
        scalar_overrides=SCALARS,
        config=StrawberryConfig(),
        extensions=[
            *extensions,
            # Limits run before execution: a document past them costs no SQL at all.
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: AddValidationRules(limit_rules),
            lambda: ParsedOnce(maxsize=256),
            FilterGuard,  # oversized filters refused before their arguments are converted
            OperationChoice,  # several operations and no operationName: none runs
            CostGuard,  # queries that may fetch too many rows refused before any SQL
            SignInRequired,
            PlannedExecution,
            lambda: ValidationCache(maxsize=256),
            lambda: PrivateErrors(
                suggest=introspection,
                # the database going away is answered 503 by hongfan.app, which needs to see it
                should_mask_error=lambda error: (
                    not is_user_facing(error) and not is_unavailable(error.original_error)
                ),
                error_message="服务器内部错误 / Internal server error",
            ),
        ],
    )
    describe_arguments(schema._schema)
    return schema


def print_sdl() -> str:
    return build_schema().as_str() + "\n"
