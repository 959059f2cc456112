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

import enum
import json
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
    Visitor,
    visit,
)
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import aliased
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.arguments import convert_arguments

from graph import people
from graph.context import Context
from graph.errors import UserError
from graph.fastlane import Replayable, capture
from graph.names import snake
from graph.resolvers import PageArgs, page_args
from hongfan import access, reads
from hongfan.pagination import Direction, _signature
from hongfan.policy import Fields
from models import sealed
from models.base import ENTITIES, Money, Record, ToOne, UTCDateTime, column_meta
from models.rules import python_type
from models.sealed import Sealed


class NotPlannable(Exception):
    """The operation has something the planner does not handle; resolve it normally."""


ROOTS = {m.__entity__.plural: m for m in ENTITIES.values()}


# -- the plan: what to fix up after the database answered --------------------------


@dataclass
class NodeShape:
    model: type[Record]
    sensitive: dict[str, str] = field(default_factory=dict)  # response key → column
    people: dict[str, str] = field(
        default_factory=dict
    )  # response key → authorship column (a user id)
    relations: dict[str, Any] = field(
        default_factory=dict
    )  # response key → NodeShape | ConnectionShape
    audit: bool = False  # sensitive fields in clear: record the read

    @property
    def finished_in_sql(self) -> bool:
        """True when nothing in this node or below is masked or audited in Python."""
        return (
            not self.sensitive
            and not self.people
            and not self.audit
            and all(n.finished_in_sql for n in self.relations.values())
        )


@dataclass
class ConnectionShape:
    model: type[Record]
    args: PageArgs
    nested: bool
    edges: list[tuple[str, str]] = field(default_factory=list)  # (edges key, node key)
    total: list[tuple[str, str]] = field(
        default_factory=list
    )  # (key, "totalCount" | "totalCountIsExact")
    node: NodeShape | None = None

    @property
    def finished_in_sql(self) -> bool:
        """True when the database's JSON is the answer: nothing to mask, audit or estimate."""
        if self.total and not self.nested:
            return False  # a count past the exact limit is replaced by an estimate
        return self.node is None or self.node.finished_in_sql


HIDDEN_AUDIT = "__hongfan_audit"


class ArgumentSQL:
    """The SQL of one connection that depends on its arguments — and so on the variables.

    Everything else in a planned statement depends only on the document and the caller's
    scope. Values appear here as bound parameters, so a statement planned for one set of
    variables can be re-bound to another (:class:`Template`).
    """

    def __init__(self, model: type[Record], args: PageArgs) -> None:
        self.conditions = reads.conditions(model, args.where, args.keys, args.after, args.before)
        self.order = _order(model, args)
        self.limit = sa.literal(args.first + 1, sa.Integer)
        self.first = sa.literal(args.first, sa.Integer)
        # Backwards (last/before) the page is fetched nearest first: rows beyond it say there is a
        # previous page, and the cursor given says there is a next one.
        self.backward = args.backward
        self.has_previous = sa.literal(
            (args.before if args.backward else args.after) is not None, sa.Boolean
        )

    def expressions(self) -> list[Any]:
        return [*self.conditions, *self.order, self.limit, self.first, self.has_previous]


@dataclass
class ArgumentSite:
    """Where a connection with arguments is in the document, and the SQL they gave."""

    parent_type: str
    node: FieldNode
    model: type[Record]
    parts: ArgumentSQL


class Planner:
    def __init__(
        self,
        ctx: Context,
        schema: Any,
        fragments: dict[str, FragmentDefinitionNode],
        variables: Any,
    ) -> None:
        self.ctx = ctx
        self.strawberry_schema = schema
        self.schema = schema._schema  # graphql-core schema
        self.fragments = fragments
        self.variables = variables
        self.sites: list[ArgumentSite] = []  # every connection, in planning order

    def argument_sql(self, site: ArgumentSite) -> ArgumentSQL:
        """The argument SQL of ``site`` under this planner's variables (raises UserError)."""
        arguments = self.arguments(site.parent_type, site.node)
        args = page_args(
            self.ctx,
            site.model,
            arguments.get("filter"),
            arguments.get("order_by"),
            arguments.get("first"),
            arguments.get("after"),
            arguments.get("last"),
            arguments.get("before"),
        )
        return ArgumentSQL(site.model, args)

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
                condition = (
                    selection.type_condition.name.value if selection.type_condition else type_name
                )
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
        self,
        model: type[Record],
        node: FieldNode,
        parent_type: str,
        correlate: Any = None,
        outer: Any = None,
    ) -> tuple[sa.ColumnElement[Any], ConnectionShape]:
        """The JSON of one connection field, and what to fix up in it afterwards."""
        arguments = self.arguments(parent_type, node)
        args = page_args(
            self.ctx,
            model,
            arguments.get("filter"),
            arguments.get("order_by"),
            arguments.get("first"),
            arguments.get("after"),
            arguments.get("last"),
            arguments.get("before"),
        )
        parts = ArgumentSQL(model, args)
        self.sites.append(ArgumentSite(parent_type, node, model, parts))
        conditions = list(parts.conditions)
        if correlate is not None:
            conditions.append(correlate)
        order = parts.order
        number = sa.func.row_number().over(order_by=order).label("hongfan_row")
        selected = sa.select(model, number).where(*conditions).order_by(*order).limit(parts.limit)
        # A nested page refers to its parent row: LATERAL, correlated to exactly that row.
        page = selected.correlate(outer).lateral() if outer is not None else selected.subquery()
        shape = ConnectionShape(model, args, nested=correlate is not None)
        type_name = model.__entity__.type_name
        pairs: list[Any] = []
        node_json: sa.ColumnElement[Any] | None = None
        in_page = page.c.hongfan_row <= parts.first
        cursor = _sql_cursor(model, args.keys, page)
        counted: Any = None
        aggregated_over_page = False  # edges and pageInfo aggregate the page's rows
        for item in self.fields(node.selection_set, f"{type_name}Connection"):
            key = (item.alias or item.name).value
            name = item.name.value
            if name == "__typename":
                pairs += [key, sa.literal(f"{type_name}Connection")]
            elif name == "edges":
                aggregated_over_page = True
                edge_pairs: list[Any] = []
                for edge_item in self.fields(item.selection_set, f"{type_name}Edge"):
                    edge_key = (edge_item.alias or edge_item.name).value
                    if edge_item.name.value == "__typename":
                        edge_pairs += [edge_key, sa.literal(f"{type_name}Edge")]
                    elif edge_item.name.value == "cursor":
                        edge_pairs += [edge_key, cursor]
                    elif edge_item.name.value == "node":
                        node_json, shape.node = self.node(model, page, edge_item)
                        shape.edges.append((key, edge_key))
                        edge_pairs += [edge_key, node_json]
                    else:
                        raise NotPlannable(edge_item.name.value)
                edge = (
                    sa.func.json_build_object(*edge_pairs)
                    if edge_pairs
                    else sa.func.json_build_object()
                )
                shown = page.c.hongfan_row.desc() if parts.backward else page.c.hongfan_row.asc()
                aggregated = sa.func.json_agg(aggregate_order_by(edge, shown)).filter(in_page)
                pairs += [key, sa.func.coalesce(aggregated, sa.text("'[]'::json"))]
            elif name == "pageInfo":
                info: list[Any] = []
                for info_item in self.fields(item.selection_set, "PageInfo"):
                    info_key = (info_item.alias or info_item.name).value
                    if info_item.name.value != "__typename":
                        aggregated_over_page = True
                    info += [info_key, self.page_info(info_item.name.value, parts, page, cursor)]
                pairs += [key, sa.func.json_build_object(*info)]
            elif name in ("totalCount", "totalCountIsExact"):
                if counted is None:
                    counted = self.total(model, args, correlate, outer)
                shape.total.append((key, name))
                if name == "totalCount":
                    pairs += [key, counted]
                else:  # past the exact limit only the top level is recounted, in Python
                    pairs += [
                        key,
                        sa.true() if outer is not None else counted <= reads.EXACT_COUNT_LIMIT,
                    ]
            else:
                raise NotPlannable(name)
        if aggregated_over_page:
            built = sa.select(sa.func.json_build_object(*pairs)).select_from(page)
        else:
            # Only counts (or nothing) asked: the object does not come from the page's rows.
            # Selected from the page it would be NULL for an empty page and one object per
            # row otherwise; a connection is always exactly one object.
            built = sa.select(sa.func.json_build_object(*pairs))
        if outer is not None:
            built = built.correlate(outer)
        return built.scalar_subquery(), shape

    def page_info(self, name: str, parts: ArgumentSQL, page: Any, cursor: Any) -> Any:
        in_page = page.c.hongfan_row <= parts.first
        if name == "__typename":
            return sa.literal("PageInfo")
        if name in ("hasNextPage", "hasPreviousPage"):
            if (name == "hasNextPage") != parts.backward:  # the rows fetched beyond the page
                return sa.func.count() > parts.first
            # The cursor given says there are rows on the other side (an aggregate of the
            # constant, so the connection stays one object over its page's rows).
            return sa.func.coalesce(sa.func.bool_and(parts.has_previous), parts.has_previous)
        if name in ("startCursor", "endCursor"):
            # The first (or last) cursor of the page as shown: the first element of the page's
            # cursors in that order (fetched nearest first when paging backwards).
            first_shown = (name == "startCursor") != parts.backward
            direction = page.c.hongfan_row.asc() if first_shown else page.c.hongfan_row.desc()
            ordered = sa.func.array_agg(aggregate_order_by(cursor, direction)).filter(in_page)
            return sa.type_coerce(ordered, ARRAY(sa.Text))[1]
        raise NotPlannable(name)

    def total(self, model: type[Record], args: PageArgs, correlate: Any, outer: Any) -> Any:
        """The number of matching rows: exact for nested lists, capped at the top level."""
        matching = sa.select(model.id).where(  # type: ignore[call-overload]
            *([args.where] if args.where is not None else []),
            *([correlate] if correlate is not None else []),
        )
        if outer is not None:
            return matching.with_only_columns(sa.func.count()).correlate(outer).scalar_subquery()
        capped = matching.limit(reads.EXACT_COUNT_LIMIT + 1).subquery()
        return sa.select(sa.func.count()).select_from(capped).scalar_subquery()

    # nodes ------------------------------------------------------------------------

    def node(
        self, model: type[Record], row: Any, node: FieldNode
    ) -> tuple[sa.ColumnElement[Any], NodeShape]:
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
                    if not access.can_read_column(principal, model, relation.fk) and not _always_fk(
                        principal, model, relation.fk
                    ):
                        pairs += [key, sa.null()]
                        continue
                    alias = aliased(target)
                    table = sa.inspect(alias).selectable
                    value, node_shape = self.node(target, table, item)
                    nested: NodeShape | ConnectionShape = node_shape
                    one = (
                        sa.select(value)
                        .select_from(alias)
                        .where(table.c.id == row.c[relation.fk])
                        .correlate(row)
                    )
                    pairs += [key, one.scalar_subquery()]
                else:
                    if not access.relation_readable(principal, model, relation):
                        raise NotPlannable(name)  # the resolver refuses it, with the field error
                    value, nested = self.connection(
                        target,
                        item,
                        type_name,
                        correlate=getattr(target, relation.fk) == row.c.id,
                        outer=row,
                    )
                    pairs += [key, value]
                shape.relations[key] = nested
            elif column in row.c and column in model.__table__.c:  # type: ignore[attr-defined]
                pairs += [key, self.scalar(model, row, column, mode, shape, key)]
            else:
                raise NotPlannable(name)
        if shape.audit:
            organisation = (
                row.c.id
                if model.__entity__.scope == "path"
                else row.c.get("organisation_id", sa.null())
            )
            pairs += [HIDDEN_AUDIT, sa.func.json_build_array(row.c.id, organisation)]
        return sa.func.json_build_object(*pairs), shape

    def scalar(
        self, model: type[Record], row: Any, column: str, mode: Fields, shape: NodeShape, key: str
    ) -> Any:
        principal = self.ctx.principal
        narrowed = access.readable_columns(principal, model)
        if narrowed is not None and column not in narrowed:
            return sa.null()
        value = row.c[column]
        if column_meta(model, column).person:
            if mode is Fields.HIDDEN:
                return sa.null()
            shape.people[key] = column  # a user id, named in Python as graph.people names it
            return value
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

    return order_clauses(model, args.keys, reverse=args.backward)


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


def _sql_cursor(model: type[Record], keys: list[Any], row: Any) -> Any:
    """The cursor of ``row``, built in SQL as :func:`hongfan.pagination.encode_cursor` builds it.

    The payload is the same compact JSON text (``{"s":…,"v":[…]}``) in URL-safe
    base64 without padding; PostgreSQL's base64 also breaks lines, which are dropped.
    """
    parts: list[Any] = [sa.literal('{"s":"' + _signature(keys) + '","v":[')]
    for index, key in enumerate(keys):
        if index:
            parts.append(sa.literal(","))
        parts.append(
            sa.func.coalesce(
                sa.cast(
                    sa.func.to_json(_cursor_value(model, key.column, row.c[key.column])), sa.Text
                ),
                "null",
            )
        )
    parts.append(sa.literal("]}"))
    encoded = sa.func.encode(sa.func.convert_to(sa.func.concat(*parts), "UTF8"), "base64")
    return sa.func.translate(encoded, "+/=\n", "-_")


def _cursor_value(model: type[Record], column: str, value: Any) -> Any:
    """The value ``hongfan.pagination._dump`` writes into a cursor, as SQL."""
    column_type = model.__table__.c[column].type  # type: ignore[attr-defined]
    if isinstance(column_type, Money):
        return sa.cast(sa.cast(sa.cast(value, sa.Numeric) / 100, sa.Numeric(16, 2)), sa.Text)
    if isinstance(column_type, UTCDateTime):
        return _iso_timestamp(value)
    if isinstance(column_type, sa.Enum):
        return sa.cast(value, sa.Text)
    return value


# -- after the database answered ---------------------------------------------------


class Finisher:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def connection(self, data: dict[str, Any], shape: ConnectionShape) -> bool:
        """Finish one connection's JSON in place; True when a count past the exact limit was counted apart."""
        overflowed = False
        if shape.total and not shape.nested:
            counted = next((data[key] for key, name in shape.total if name == "totalCount"), None)
            exact = next(
                (data[key] for key, name in shape.total if name == "totalCountIsExact"), None
            )
            if (counted is not None and counted > reads.EXACT_COUNT_LIMIT) or exact is False:
                count, is_exact = await reads.honest_count(
                    self.ctx.execute,
                    shape.model,
                    shape.args.where,
                    count_within=self.ctx.count_within,
                )
                for key, name in shape.total:
                    data[key] = count if name == "totalCount" else is_exact
                overflowed = True
        if shape.node is not None and not shape.node.finished_in_sql:
            for edges_key, node_key in shape.edges:
                for edge in data[edges_key]:
                    await self.node(edge[node_key], shape.node)
        return overflowed

    async def node(self, data: dict[str, Any] | None, shape: NodeShape) -> None:
        if data is None:
            return
        audit = data.pop(HIDDEN_AUDIT, None)
        principal = self.ctx.principal
        read: list[str] = []
        for key, column in shape.sensitive.items():
            raw = data.get(key)
            column_type = shape.model.__table__.c[column].type  # type: ignore[attr-defined]
            if raw is not None and isinstance(column_type, Sealed):
                raw = sealed.unseal(
                    column_type.column, str(raw)
                )  # SQL built the JSON from ciphertext
            if (
                raw is not None
                and isinstance(python_type(shape.model, column), type)
                and issubclass(python_type(shape.model, column), enum.Enum)
            ):
                raw = python_type(shape.model, column)(raw)
            shown = access.present(principal, shape.model, column, raw)
            if isinstance(shown, enum.Enum):
                shown = shown.name
            data[key] = shown
            if shown is not None and audit is not None:
                read.append(column)
        for key in shape.people:
            data[key] = await people.label(self.ctx, shape.model, data.get(key))
        if read and audit is not None:
            for column in read:
                self.ctx.note_sensitive_read(
                    shape.model.__entity__.type_name, int(audit[0]), audit[1], column
                )
        for key, nested in shape.relations.items():
            value = data.get(key)
            if isinstance(nested, ConnectionShape):
                if (
                    value is not None
                ):  # a connection is always an object; None only if the row vanished
                    await self.connection(value, nested)
            else:
                await self.node(value, nested)


# A plan depends on the document, its variables and what the caller may see; the same
# request from the same kind of caller reuses the statement instead of building it again.
PLANS: dict[Any, tuple[Any, list[tuple[str, Any]], list[ArgumentSite]]] = {}
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
    return (text, operation_name, frozen, scope)


def _plan(
    ctx: Context,
    schema: Any,
    operation: OperationDefinitionNode,
    fragments: dict[str, Any],
    variables: dict[str, Any],
) -> tuple[Any, list[tuple[str, Any]], list[ArgumentSite]] | None:
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
        shape is None or shape.node is None or shape.node.finished_in_sql for _, shape in shapes
    )
    with capture() as sent:
        row = (await ctx.execute_isolated(statement))[0]
    finisher = Finisher(ctx)
    data: dict[str, Any] = {}
    overflowed = False
    for (key, shape), value in zip(shapes, row, strict=True):
        if isinstance(value, str):
            value = json.loads(value)
        if shape is not None:
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


@dataclass
class Template:
    """A planned statement as sent to the driver, re-bindable to other variables.

    The planner's SQL depends on the variables only through each connection's
    :class:`ArgumentSQL`. Re-deriving that for new variables is cheap; if its structure
    is the same as when planned (SQLAlchemy cache keys equal), its bound values are the
    only change, and they map one to one onto the statement's ``$n`` parameters. So an
    unseen request for a known document costs the argument checks and one statement,
    not a new plan. Built only when the mapping reproduces the parameters that were
    actually sent; otherwise there is no template and the request is planned afresh.
    """

    schema: Any
    operation: OperationDefinitionNode
    fragments: dict[str, Any]
    sites: list[ArgumentSite]
    keys: list[list[Any]]  # per site: the cache keys of its argument SQL
    names: list[
        list[list[str | None]]
    ]  # per site, per expression: parameter of each bound value (None: unused)
    positions: tuple[str, ...]  # parameter name of each $n
    values: dict[str, Any]  # parameter name → the value sent, as the driver got it
    processors: dict[str, Any]  # parameter name → SQLAlchemy's bind processor for the driver
    varies: list[bool]  # per site: do its arguments use variables?

    @classmethod
    def build(
        cls,
        ctx: Context,
        schema: Any,
        operation: OperationDefinitionNode,
        fragments: dict[str, Any],
        statement: Any,
        sites: list[ArgumentSite],
        sql: str,
        params: tuple[Any, ...],
    ) -> Template | None:
        try:
            dialect = ctx.db.engine.dialect
            compiled = statement.options(*access.scope_options(ctx.principal)).compile(
                dialect=dialect
            )
            positions = tuple(compiled.positiontup or ())
            if compiled.string != sql or len(positions) != len(params):
                return None  # not the statement that ran: never guess
            values = dict(zip(positions, params, strict=True))
            name_of = {compiled.binds[name].key: name for name in positions}
            compiled_keys = {bind.key for bind in compiled.binds.values()}
            processors: dict[str, Any] = {}
            keys: list[list[Any]] = []
            names: list[list[list[str | None]]] = []
            for site in sites:
                site_keys = [
                    expression._generate_cache_key() for expression in site.parts.expressions()
                ]
                site_names: list[list[str | None]] = []
                for key in site_keys:
                    if key is None:
                        return None
                    expression_names: list[str | None] = []
                    for bind in key.bindparams:
                        name = name_of.get(bind.key)
                        if name is None:
                            if bind.key in compiled_keys:
                                return None  # in the SQL but not a parameter: its value is baked in
                            expression_names.append(
                                None
                            )  # not in the statement (e.g. no pageInfo asked)
                            continue
                        processor = (
                            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                        )
                        if (
                            processor(bind.effective_value) if processor else bind.effective_value
                        ) != values[name]:
                            return None
                        processors[name] = processor
                        expression_names.append(name)
                    site_names.append(expression_names)
                keys.append(site_keys)
                names.append(site_names)
        except Exception:  # noqa: BLE001 — without a template the request is planned as usual
            return None
        varies = [_uses_variables(site.node) for site in sites]
        return cls(
            schema, operation, fragments, sites, keys, names, positions, values, processors, varies
        )

    def bind(self, ctx: Context, variables: dict[str, Any]) -> tuple[Any, ...] | None:
        """The statement's parameters for ``variables``; None when they need a new plan."""
        coerced = get_variable_values(
            self.schema._schema, self.operation.variable_definitions or [], variables
        )
        if isinstance(coerced, list):
            return None
        planner = Planner(ctx, self.schema, self.fragments, coerced)
        values = dict(self.values)
        try:
            for site, varies, site_keys, site_names in zip(
                self.sites, self.varies, self.keys, self.names, strict=True
            ):
                if not varies:
                    continue  # its arguments are written in the document: the same SQL
                parts = planner.argument_sql(site)
                if parts.backward != site.parts.backward:
                    return None  # the page is shown the other way round: another statement
                expressions = parts.expressions()
                if len(expressions) != len(site_keys):
                    return None
                for expression, old_key, expression_names in zip(
                    expressions, site_keys, site_names, strict=True
                ):
                    key = expression._generate_cache_key()
                    if (
                        key is None
                        or key != old_key
                        or len(key.bindparams) != len(expression_names)
                    ):
                        return None
                    for bind, name in zip(key.bindparams, expression_names, strict=True):
                        if name is None:
                            continue
                        processor = self.processors[name]
                        values[name] = (
                            processor(bind.effective_value) if processor else bind.effective_value
                        )
        except Exception:  # noqa: BLE001 — bad cursors, forbidden filters…: the normal path explains
            return None
        return tuple(values[name] for name in self.positions)


def _uses_variables(node: FieldNode) -> bool:
    """True when one of the field's arguments refers to a variable."""
    found = False

    class Finder(Visitor):
        def enter_variable(self, *_args: Any) -> None:
            nonlocal found
            found = True

    for argument in node.arguments or ():
        visit(argument, Finder())
    return found


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
