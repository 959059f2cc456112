"""Planning: a read query's selection compiled into one PostgreSQL statement that builds the
response JSON (graph.planner runs it; graph.finishing fixes up what SQL cannot produce).

Each column is shown as :func:`hongfan.access.visibility` says, the rule every surface asks."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
)
from graphql.execution.values import get_argument_values
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.orm import aliased
from strawberry.types.arguments import convert_arguments

from graph.context import Context
from graph.names import snake
from graph.plan_shapes import (
    HIDDEN_AUDIT,
    ArgumentSite,
    ArgumentSQL,
    ConnectionShape,
    NodeShape,
    NodeSite,
    NodeSQL,
    NotPlannable,
)
from graph.resolvers import PageArgs, page_args
from hongfan import access, reads
from hongfan.pagination import _signature
from models import search
from models.base import ENTITIES, Money, Record, ToOne, UTCDateTime, column_meta


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
        self.sites: list[ArgumentSite | NodeSite] = []  # every connection and node(id:), in order

    def argument_sql(self, site: ArgumentSite | NodeSite) -> ArgumentSQL | NodeSQL:
        """The argument SQL of ``site`` under this planner's variables (raises UserError, or
        NotPlannable for a node id the statement does not answer)."""
        if isinstance(site, NodeSite):
            from graph.plan_node_root import node_sql

            return node_sql(self, site.node, site.parts.types)
        return ArgumentSQL(site.model, self.page_args(site.model, site.parent_type, site.node))

    def page_args(self, model: type[Record], parent_type: str, node: FieldNode) -> PageArgs:
        """The connection field's arguments, checked and compiled as its resolver would."""
        arguments = self.arguments(parent_type, node)
        return page_args(
            self.ctx,
            model,
            arguments.get("filter"),
            arguments.get("order_by"),
            arguments.get("first"),
            arguments.get("after"),
            arguments.get("last"),
            arguments.get("before"),
        )

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
        args = self.page_args(model, parent_type, node)
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
                pairs += [key, self.edges(model, item, key, page, parts, cursor, shape)]
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

    def edges(
        self,
        model: type[Record],
        item: FieldNode,
        key: str,
        page: Any,
        parts: ArgumentSQL,
        cursor: Any,
        shape: ConnectionShape,
    ) -> Any:
        """The JSON array of a connection's edges: the page's rows in the order shown."""
        type_name = model.__entity__.type_name
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
        edge = sa.func.json_build_object(*edge_pairs) if edge_pairs else sa.func.json_build_object()
        shown = page.c.hongfan_row.desc() if parts.backward else page.c.hongfan_row.asc()
        in_page = page.c.hongfan_row <= parts.first
        aggregated = sa.func.json_agg(aggregate_order_by(edge, shown)).filter(in_page)
        return sa.func.coalesce(aggregated, sa.text("'[]'::json"))

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
            # every match is read: a frequent term keeps the grams index here (models.search)
            *([search.counting(args.where)] if args.where is not None else []),
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
                    if not access.visibility(principal, model, relation.fk).readable:
                        pairs += [key, sa.null()]  # the resolver answers null too
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
                pairs += [key, self.scalar(model, row, column, shape, key)]
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

    def scalar(self, model: type[Record], row: Any, column: str, shape: NodeShape, key: str) -> Any:
        """``column`` as the caller may see it (hongfan.access.visibility, the one rule)."""
        principal = self.ctx.principal
        if not access.visibility(principal, model, column).readable:
            return sa.null()
        value = row.c[column]
        if column_meta(model, column).person:
            shape.people[key] = column  # a user id, named in Python as graph.people names it
            return value
        if column_meta(model, column).sensitive:
            shape.sensitive[key] = column  # masked or audited in Python, exactly as resolvers do
            if access.sensitive_in_clear(principal, model, column):
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
