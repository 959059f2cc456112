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
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import aliased
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.arguments import convert_arguments

from graph.context import Context
from graph.names import snake
from graph.resolvers import PageArgs, page_args
from hongfan import access, reads
from hongfan.pagination import Direction, _dump, _load, _signature
from hongfan.policy import Fields
from models.base import ENTITIES, Money, Record, ToOne, UTCDateTime, column_meta
from models.rules import python_type


class NotPlannable(Exception):
    """The operation has something the planner does not handle; resolve it normally."""



ROOTS = {m.__entity__.plural: m for m in ENTITIES.values()}


# -- the plan: what to fix up after the database answered --------------------------


@dataclass
class NodeShape:
    model: type[Record]
    sensitive: dict[str, str] = field(default_factory=dict)  # response key → column
    relations: dict[str, Any] = field(default_factory=dict)  # response key → NodeShape | ConnectionShape
    audit: bool = False  # sensitive fields in clear: record the read


@dataclass
class ConnectionShape:
    model: type[Record]
    args: PageArgs
    nested: bool
    edges: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (edges key, cursor key, node key)
    page_info: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # (key, [(key, field)])
    total: list[tuple[str, str]] = field(default_factory=list)  # (key, "totalCount" | "totalCountIsExact")
    node: NodeShape | None = None


HIDDEN_CURSORS = "__hongfan_cursors"
HIDDEN_MORE = "__hongfan_more"
HIDDEN_COUNT = "__hongfan_count"
HIDDEN_AUDIT = "__hongfan_audit"


class Planner:
    def __init__(self, ctx: Context, schema: Any, fragments: dict[str, FragmentDefinitionNode], variables: Any) -> None:
        self.ctx = ctx
        self.strawberry_schema = schema
        self.schema = schema._schema  # graphql-core schema
        self.fragments = fragments
        self.variables = variables

    # selections -------------------------------------------------------------

    def fields(self, selection_set: SelectionSetNode | None, type_name: str) -> list[FieldNode]:
        if selection_set is None:
            raise NotPlannable("missing selection")
        found: list[FieldNode] = []
        for selection in selection_set.selections:
            if selection.directives:
                raise NotPlannable("directives")
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else type_name
                if condition not in (type_name, "Node"):
                    continue
                found.extend(self.fields(selection.selection_set, type_name))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                if fragment.type_condition.name.value not in (type_name, "Node"):
                    continue
                found.extend(self.fields(fragment.selection_set, type_name))
        return found

    def arguments(self, parent_type: str, node: FieldNode) -> dict[str, Any]:
        gql_type = self.schema.get_type(parent_type)
        assert isinstance(gql_type, GraphQLObjectType)
        field_def = gql_type.fields[node.name.value]
        raw = get_argument_values(field_def, node, self.variables)
        # The same conversion strawberry applies before calling a resolver: input objects
        # become their dataclasses, enums their members.
        definition = field_def.extensions["strawberry-definition"]
        converted = convert_arguments(
            raw,
            definition.arguments,
            scalar_registry=self.strawberry_schema.schema_converter.scalar_registry,
            config=self.strawberry_schema.config,
        )
        return converted

    # connections --------------------------------------------------------------

    def connection(
        self, model: type[Record], node: FieldNode, parent_type: str, correlate: Any = None, outer: Any = None
    ) -> tuple[sa.ColumnElement[Any], ConnectionShape]:
        """The JSON of one connection field, and what to fix up in it afterwards."""
        arguments = self.arguments(parent_type, node)
        args = page_args(
            self.ctx, model, arguments.get("filter"), arguments.get("order_by"), arguments.get("first"), arguments.get("after")
        )
        conditions = reads.conditions(model, args.where, args.keys, args.after)
        if correlate is not None:
            conditions.append(correlate)
        order = _order(model, args)
        number = sa.func.row_number().over(order_by=order).label("hongfan_row")
        selected = sa.select(model, number).where(*conditions).order_by(*order).limit(args.first + 1)
        # A nested page refers to its parent row: LATERAL, correlated to exactly that row.
        page = selected.correlate(outer).lateral() if outer is not None else selected.subquery()
        shape = ConnectionShape(model, args, nested=correlate is not None)
        type_name = model.__entity__.type_name
        pairs: list[Any] = []
        node_json: sa.ColumnElement[Any] | None = None
        for item in self.fields(node.selection_set, f"{type_name}Connection"):
            key = (item.alias or item.name).value
            name = item.name.value
            if name == "__typename":
                pairs += [key, sa.literal(f"{type_name}Connection")]
            elif name == "edges":
                cursor_key = node_key = None
                edge_pairs: list[Any] = []
                for edge_item in self.fields(item.selection_set, f"{type_name}Edge"):
                    edge_key = (edge_item.alias or edge_item.name).value
                    if edge_item.name.value == "__typename":
                        edge_pairs += [edge_key, sa.literal(f"{type_name}Edge")]
                    elif edge_item.name.value == "cursor":
                        cursor_key = edge_key
                        edge_pairs += [edge_key, sa.null()]
                    elif edge_item.name.value == "node":
                        node_key = edge_key
                        node_json, shape.node = self.node(model, page, edge_item)
                        edge_pairs += [edge_key, node_json]
                    else:
                        raise NotPlannable(edge_item.name.value)
                shape.edges.append((key, cursor_key, node_key))
                edge = sa.func.json_build_object(*edge_pairs) if edge_pairs else sa.func.json_build_object()
                aggregated = sa.func.json_agg(aggregate_order_by(edge, page.c.hongfan_row)).filter(page.c.hongfan_row <= args.first)
                pairs += [key, sa.func.coalesce(aggregated, sa.text("'[]'::json"))]
            elif name == "pageInfo":
                wanted = [((f.alias or f.name).value, f.name.value) for f in self.fields(item.selection_set, "PageInfo")]
                shape.page_info.append((key, wanted))
                pairs += [key, sa.null()]
            elif name in ("totalCount", "totalCountIsExact"):
                shape.total.append((key, name))
                pairs += [key, sa.null()]
            else:
                raise NotPlannable(name)
        if shape.page_info or shape.edges and any(c for _, c, _ in shape.edges):
            keys = [page.c[k.column] for k in args.keys]
            cursor = sa.func.json_build_array(*keys)
            cursors = sa.func.json_agg(aggregate_order_by(cursor, page.c.hongfan_row)).filter(page.c.hongfan_row <= args.first)
            pairs += [HIDDEN_CURSORS, sa.func.coalesce(cursors, sa.text("'[]'::json"))]
        pairs += [HIDDEN_MORE, sa.func.count() > args.first]
        if shape.total:
            matching = sa.select(model.id).where(  # type: ignore[arg-type]
                *([args.where] if args.where is not None else []), *([correlate] if correlate is not None else [])
            )
            if outer is not None:
                counted = matching.with_only_columns(sa.func.count()).correlate(outer).scalar_subquery()
            else:
                capped = matching.limit(reads.EXACT_COUNT_LIMIT + 1).subquery()
                counted = sa.select(sa.func.count()).select_from(capped).scalar_subquery()
            pairs += [HIDDEN_COUNT, counted]
        built = sa.select(sa.func.json_build_object(*pairs)).select_from(page)
        if outer is not None:
            built = built.correlate(outer)
        return built.scalar_subquery(), shape

    # nodes ------------------------------------------------------------------------

    def node(self, model: type[Record], row: Any, node: FieldNode) -> tuple[sa.ColumnElement[Any], NodeShape]:
        type_name = model.__entity__.type_name
        principal = self.ctx.principal
        shape = NodeShape(model)
        pairs: list[Any] = []
        mode = access.field_mode(principal, model)
        relations = {snake(r.name): r for r in model.__entity__.relations}
        for item in self.fields(node.selection_set, type_name):
            key = (item.alias or item.name).value
            name = item.name.value
            column = snake(name)
            if name == "__typename":
                pairs += [key, sa.literal(type_name)]
            elif name == "id":
                pairs += [key, _global_id(type_name, row.c.id)]
            elif column in relations:
                relation = relations[column]
                target = ENTITIES[relation.target]
                if isinstance(relation, ToOne):
                    if not access.can_read_column(principal, model, relation.fk) and not _always_fk(principal, model, relation.fk):
                        pairs += [key, sa.null()]
                        continue
                    alias = aliased(target)
                    table = sa.inspect(alias).selectable
                    value, nested = self.node(target, table, item)
                    one = sa.select(value).select_from(alias).where(table.c.id == row.c[relation.fk]).correlate(row)
                    pairs += [key, one.scalar_subquery()]
                else:
                    value, nested = self.connection(
                        target, item, type_name, correlate=getattr(target, relation.fk) == row.c.id, outer=row
                    )
                    pairs += [key, value]
                shape.relations[key] = nested
            elif column in row.c and column in model.__table__.c:  # type: ignore[attr-defined]
                pairs += [key, self.scalar(model, row, column, mode, shape, key)]
            else:
                raise NotPlannable(name)
        if shape.audit:
            organisation = row.c.id if model.__entity__.scope == "path" else row.c.get("organisation_id", sa.null())
            pairs += [HIDDEN_AUDIT, sa.func.json_build_array(row.c.id, organisation)]
        return sa.func.json_build_object(*pairs), shape

    def scalar(self, model: type[Record], row: Any, column: str, mode: Fields, shape: NodeShape, key: str) -> Any:
        principal = self.ctx.principal
        narrowed = access.readable_columns(principal, model)
        if narrowed is not None and column not in narrowed:
            return sa.null()
        value = row.c[column]
        if column_meta(model, column).sensitive:
            if mode is Fields.HIDDEN:
                return sa.null()
            shape.sensitive[key] = column  # masked or audited in Python, exactly as resolvers do
            if mode is Fields.FULL:
                shape.audit = True
            return value
        column_type = model.__table__.c[column].type  # type: ignore[attr-defined]
        if isinstance(column_type, Money):
            return sa.cast(sa.cast(value, sa.Numeric) / 100, sa.Numeric(16, 2)).cast(sa.Text)
        if isinstance(column_type, sa.Enum):
            return sa.func.upper(value)
        if isinstance(column_type, UTCDateTime):
            return _iso_timestamp(value)
        return value


def _always_fk(principal: Any, model: type[Record], fk: str) -> bool:
    narrowed = access.readable_columns(principal, model)
    return narrowed is None or fk in narrowed


def _order(model: type[Record], args: PageArgs) -> list[Any]:
    from hongfan.pagination import order_clauses

    return order_clauses(model, args.keys)


def _iso_timestamp(value: Any) -> Any:
    """The text Python's ``datetime.isoformat()`` gives for a UTC timestamp."""
    utc = sa.func.timezone("UTC", value)
    seconds = sa.func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
    fraction = sa.case(
        (sa.func.extract("microseconds", utc) % 1_000_000 == 0, ""),
        else_=sa.literal(".") + sa.func.to_char(utc, "US"),
    )
    return sa.case((value.is_(None), sa.null()), else_=seconds + fraction + "+00:00")


def _global_id(type_name: str, pk: Any) -> Any:
    raw = sa.func.convert_to(sa.literal(f"{type_name}:") + sa.cast(pk, sa.Text), "UTF8")
    return sa.func.replace(sa.func.encode(raw, "base64"), "\n", "")


# -- after the database answered ---------------------------------------------------


def _cursor(model: type[Record], keys: list[Any], values: list[Any]) -> str:
    loaded = [_load_value(model, k.column, v) for k, v in zip(keys, values, strict=True)]
    import json

    payload = {"s": _signature(keys), "v": [_dump(v) for v in loaded]}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _load_value(model: type[Record], column: str, value: Any) -> Any:
    if value is None:
        return None
    column_type = model.__table__.c[column].type  # type: ignore[attr-defined]
    if isinstance(column_type, Money):
        from decimal import Decimal

        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))
    if isinstance(column_type, UTCDateTime):
        from datetime import UTC, datetime

        parsed = datetime.fromisoformat(value)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    target = python_type(model, column)
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return target(value)
    return _load(model, column, value) if isinstance(value, str) else value


class Finisher:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def connection(self, data: dict[str, Any], shape: ConnectionShape) -> None:
        cursors_raw = data.pop(HIDDEN_CURSORS, None)
        more = bool(data.pop(HIDDEN_MORE, False))
        counted = data.pop(HIDDEN_COUNT, None)
        raw = cursors_raw or []
        if any(cursor_key for _, cursor_key, _ in shape.edges):
            cursors = [_cursor(shape.model, shape.args.keys, v) for v in raw]
        else:  # only pageInfo wants cursors: the first and the last
            cursors = [_cursor(shape.model, shape.args.keys, v) for v in (raw[:1] + raw[-1:] if len(raw) > 1 else raw)]
        for edges_key, cursor_key, node_key in shape.edges:
            for index, edge in enumerate(data[edges_key]):
                if cursor_key is not None:
                    edge[cursor_key] = cursors[index]
                if node_key is not None and shape.node is not None:
                    await self.node(edge[node_key], shape.node)
        for key, wanted in shape.page_info:
            info: dict[str, Any] = {}
            for wanted_key, name in wanted:
                info[wanted_key] = {
                    "hasNextPage": more,
                    "hasPreviousPage": shape.args.after is not None,
                    "startCursor": cursors[0] if cursors else None,
                    "endCursor": cursors[-1] if cursors else None,
                    "__typename": "PageInfo",
                }[name]
            data[key] = info
        if shape.total:
            count, exact = int(counted or 0), True
            if not shape.nested and count > reads.EXACT_COUNT_LIMIT:
                count, exact = await reads.count_or_estimate(
                    self.ctx.execute, shape.model, shape.args.where, estimate=self.ctx.estimate_rows
                )
            for key, name in shape.total:
                data[key] = count if name == "totalCount" else exact

    async def node(self, data: dict[str, Any] | None, shape: NodeShape) -> None:
        if data is None:
            return
        audit = data.pop(HIDDEN_AUDIT, None)
        principal = self.ctx.principal
        read: list[str] = []
        for key, column in shape.sensitive.items():
            raw = data.get(key)
            if raw is not None and isinstance(python_type(shape.model, column), type) and issubclass(python_type(shape.model, column), enum.Enum):
                raw = python_type(shape.model, column)(raw)
            shown = access.present(principal, shape.model, column, raw)
            if isinstance(shown, enum.Enum):
                shown = shown.name
            data[key] = shown
            if shown is not None and audit is not None:
                read.append(column)
        if read and audit is not None:
            for column in read:
                self.ctx.note_sensitive_read(shape.model.__entity__.type_name, int(audit[0]), audit[1], column)
        for key, nested in shape.relations.items():
            value = data.get(key)
            if isinstance(nested, ConnectionShape):
                await self.connection(value, nested)
            else:
                await self.node(value, nested)


# A plan depends on the document, its variables and what the caller may see; the same
# request from the same kind of caller reuses the statement instead of building it again.
PLANS: dict[Any, tuple[Any, list[tuple[str, Any]]]] = {}
PLAN_CACHE_SIZE = 512


def _plan_key(ctx: Context, document: Any, operation_name: str | None, variables: dict[str, Any]) -> Any:
    import json

    principal = ctx.principal
    try:
        frozen = json.dumps(variables, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    scope = (principal.kind, principal.role, principal.organisation_path, principal.company_id)
    text = getattr(document, "loc", None) and document.loc.source.body
    if not text:
        return None
    return (text, operation_name, frozen, scope)


def _plan(
    ctx: Context, schema: Any, operation: OperationDefinitionNode, fragments: dict[str, Any], variables: dict[str, Any]
) -> tuple[Any, list[tuple[str, Any]]] | None:
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
                columns.append(sa.literal("Query").label(f"c{len(columns)}"))
                shapes.append((key, None))
                continue
            model = ROOTS.get(root.name.value)
            if model is None:
                return None
            value, shape = planner.connection(model, root, "Query")
            columns.append(value.label(f"c{len(columns)}"))
            shapes.append((key, shape))
    except NotPlannable:
        return None
    return sa.select(*columns), shapes


async def execute_planned(ctx: Context, schema: Any, document: Any, operation_name: str | None, variables: dict[str, Any]) -> ExecutionResult | None:
    """The result of a plannable query, or None to resolve it normally."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
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
        if cache_key is not None:
            PLANS[cache_key] = plan
            if len(PLANS) > PLAN_CACHE_SIZE:
                PLANS.pop(next(iter(PLANS)))
    statement, shapes = plan
    row = (await ctx.execute_isolated(statement))[0]
    finisher = Finisher(ctx)
    data: dict[str, Any] = {}
    for (key, shape), value in zip(shapes, row, strict=True):
        if isinstance(value, str):
            import json

            value = json.loads(value)
        if shape is not None:
            await finisher.connection(value, shape)
        data[key] = value
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
            except Exception:  # noqa: BLE001 — resolution by field is always correct; use it
                planned = None
            if planned is not None:
                execution.result = planned
                ctx.planned = True
        yield


__all__ = ["Direction", "PlannedExecution", "execute_planned"]
