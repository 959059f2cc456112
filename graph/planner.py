"""Planned execution: a read query answered by one SQL statement that builds the JSON.

Resolving a nested list field by field costs Python work per field and per row
(strawberry and graphql-core create a task per async field); the database is
idle most of the time. For the common shape of read query — connections of
record types with their scalar fields and nested relations — this module
compiles the selection into a single PostgreSQL statement that returns the
response JSON (``json_build_object`` / ``json_agg`` with correlated subqueries),
then fixes up in Python only what SQL cannot produce identically: cursors,
masked values and the audit of sensitive reads.

The caller's row scope applies unchanged: the statement selects ORM entities,
so the session hook adds the policy's criteria to every occurrence. Anything
the planner does not understand — mutations, fragments with directives,
non-connection root fields, SQLite — falls back to ordinary resolution, and
``tests/graph/test_planner.py`` runs both paths side by side over generated
queries and every role to prove they answer alike.

By concern: ``graph.plan_shapes`` (what is left to Python, the arguments' SQL),
``graph.planning`` (the statement), ``graph.finishing`` (the fix-ups after it ran),
``graph.plan_templates`` (re-binding it to other variables); this module caches plans
and runs them as a schema extension.
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from graphql import (
    FragmentDefinitionNode,
    OperationDefinitionNode,
    OperationType,
)
from graphql.execution.values import get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from graph.context import Context
from graph.errors import UserError
from graph.fastlane import Replayable, capture
from graph.finishing import Finisher
from graph.plan_node_root import root_node
from graph.plan_shapes import (
    ROOTS,
    ArgumentSite,
    NodeSite,
    NotPlannable,
    RootNodeShape,
)
from graph.plan_templates import Template
from graph.planning import Planner
from hongfan import access
from hongfan.pagination import Direction
from models import search

# A plan depends on the document, its variables and what the caller may see; the same
# request from the same kind of caller reuses the statement instead of building it again.
PLANS: dict[Any, tuple[Any, list[tuple[str, Any]], list[ArgumentSite | NodeSite]]] = {}
PLAN_CACHE_SIZE = (
    128  # repeated requests are mostly replayed by graph.fastlane; statements are large
)


def _plan_key(
    ctx: Context, document: Any, operation_name: str | None, variables: dict[str, Any]
) -> Any:
    principal = ctx.principal
    try:
        frozen = json.dumps(variables, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    scope = (principal.kind, principal.role, principal.organisation_path, principal.company_id)
    text = getattr(document, "loc", None) and document.loc.source.body
    if not text:
        return None
    # A search's statement depends on how frequent its term is (models.search): a plan made
    # with other search statistics is made again.
    return (text, operation_name, frozen, scope, search.gram_shares_epoch())


def _plan(
    ctx: Context,
    schema: Any,
    operation: OperationDefinitionNode,
    fragments: dict[str, Any],
    variables: dict[str, Any],
) -> tuple[Any, list[tuple[str, Any]], list[ArgumentSite | NodeSite]] | None:
    coerced = get_variable_values(schema._schema, operation.variable_definitions or [], variables)
    if isinstance(coerced, list):  # invalid variables: let graphql-core report them
        return None
    planner = Planner(ctx, schema, fragments, coerced)
    try:
        roots = planner.fields(operation.selection_set, "Query")
        columns: list[Any] = []
        shapes: list[tuple[str, Any]] = []
        for root in roots:
            key = (root.alias or root.name).value
            if root.name.value == "__typename":
                columns.append(sa.func.to_json(sa.literal("Query")).label(f"c{len(columns)}"))
                shapes.append((key, None))
                continue
            if root.name.value == "node":
                node_value, node_shape = root_node(planner, root)
                columns.append(node_value.label(f"c{len(columns)}"))
                shapes.append((key, node_shape))
                continue
            model = ROOTS.get(root.name.value)
            if model is None or access.needs_sign_in(ctx.principal, model):
                return None  # the resolver answers, or says why it will not
            value, shape = planner.connection(model, root, "Query")
            columns.append(value.label(f"c{len(columns)}"))
            shapes.append((key, shape))
    except NotPlannable:
        return None
    return sa.select(*columns), shapes, planner.sites


async def execute_planned(
    ctx: Context, schema: Any, document: Any, operation_name: str | None, variables: dict[str, Any]
) -> ExecutionResult | None:
    """The result of a plannable query, or None to resolve it normally."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    operation = operations[0]
    cache_key = _plan_key(ctx, document, operation_name, variables)
    plan = PLANS.get(cache_key) if cache_key is not None else None
    if plan is None:
        plan = _plan(ctx, schema, operation, fragments, variables)
        if plan is None:
            return None
        if cache_key is not None and not ctx.lookups:  # a lookup is planned (and audited) each time
            PLANS[cache_key] = plan
            if len(PLANS) > PLAN_CACHE_SIZE:
                PLANS.pop(next(iter(PLANS)))
    statement, shapes, sites = plan
    finished_in_sql = all(
        shape is None
        or isinstance(shape, RootNodeShape)  # planned only when finished in SQL
        or shape.node is None
        or shape.node.finished_in_sql
        for _, shape in shapes
    )
    with capture() as sent:
        row = (await ctx.execute_isolated(statement))[0]
    finisher = Finisher(ctx)
    data: dict[str, Any] = {}
    overflowed = False
    for (key, shape), value in zip(shapes, row, strict=True):
        if isinstance(value, str):
            value = json.loads(value)
        if shape is not None and not isinstance(shape, RootNodeShape):
            overflowed |= await finisher.connection(value, shape)
        data[key] = value
    # A lookup by personal data is audited on every request: never replayed by the fast lane.
    if finished_in_sql and not overflowed and len(sent) == 1 and not ctx.lookups:
        sql, params = sent[0]
        template = Template.build(
            ctx, schema, operation, fragments, statement, sites, sql, tuple(params)
        )
        ctx.replayable = Replayable(sql, tuple(params), tuple(shapes), template)
    return ExecutionResult(data=data, errors=None)


class PlannedExecution(SchemaExtension):
    """Answer plannable read queries from one SQL statement, before graphql-core resolves them."""

    async def on_execute(self):  # type: ignore[no-untyped-def,override]
        execution = self.execution_context
        ctx = execution.context
        if (
            isinstance(ctx, Context)
            and ctx.planning_enabled
            and ctx.db.dialect == "postgresql"
            and execution.graphql_document is not None
            and not execution.result
        ):
            try:
                planned = await execute_planned(
                    ctx,
                    execution.schema,
                    execution.graphql_document,
                    execution.operation_name,
                    execution.variables or {},
                )
            except Exception as error:  # noqa: BLE001 — resolution by field is always correct; use it
                planned = None
                if ctx.timed_out and isinstance(error, UserError):
                    # Past its deadline (#9.2): resolving field by field would run it again.
                    planned = ExecutionResult(data=None, errors=[error])
            if planned is not None:
                execution.result = planned
                ctx.planned = True
        yield


__all__ = ["Direction", "PlannedExecution", "execute_planned"]
