"""How many rows a query may fetch, refused before execution past ``HONGFAN_GRAPHQL_MAX_COST``.

The depth, alias and token limits bound a document's size, not its work: 29 aliases of
``organisations(first:100){ children(first:100){ children(first:100){ totalCount } } }``
fit in 3.6 KB and took 17 s on SQLite. A query's cost here is the sum, over every
connection and list field it selects, of the product of the page sizes along that
field's nesting path (its own included): ``first``/``last`` (from the document or the
variables), the default page size when absent, the maximum page size at most (a larger
one is refused anyway). Lists that are not connections count as one default page. The
``edges`` of a connection are its page, not another factor; introspection (``__schema``)
costs nothing. Fragments are followed; ``@skip``/``@include`` are not evaluated (the
estimate only ever errs high).

A filter's work is not in the rows fetched: every relation it traverses
(``organisation: { parent: { name: … } }`` is two) is an ``EXISTS`` evaluated for each
candidate row, and the candidates are the table, not the page (``totalCount`` counts
them all). So each relation-traversing filter node costs the maximum page size per
parent row, like a join per row of the connection: 5 aliases of a 40-branch ``or`` of
``organisation → parent`` filters (3.5 s on SQLite for one request, inside every filter
limit) cost 40,500 and are refused.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
    get_nullable_type,
    value_from_ast,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from graph.errors import UserError
from models.messages import message

_PAGE_ARGUMENTS = ("first", "last")
_LOGIC = ("and", "or", "not")


def relation_nodes(value: Any, input_type: Any) -> int:
    """How many relation-traversing nodes a filter ``value`` (plain data) of ``input_type`` has."""
    count = 0
    stack: list[tuple[Any, Any]] = [(value, input_type)]
    while stack:
        item, kind = stack.pop()
        if isinstance(item, list):
            stack.extend((part, kind) for part in item)
            continue
        if not isinstance(item, dict) or not isinstance(kind, GraphQLInputObjectType):
            continue
        for key, child in item.items():
            field = kind.fields.get(key)
            if field is None:
                continue
            if key in _LOGIC:
                stack.append((child, kind))
                continue
            named = get_named_type(field.type)
            # an entity filter (it has and/or/not), not a field's operators
            if isinstance(named, GraphQLInputObjectType) and "and" in named.fields:
                count += 1
                stack.append((child, named))
    return count


def _is_connection(type_: Any) -> bool:
    return (
        isinstance(type_, GraphQLObjectType)
        and type_.name.endswith("Connection")
        and "edges" in type_.fields
        and "pageInfo" in type_.fields
    )


def _variables(
    operation: OperationDefinitionNode, supplied: dict[str, Any] | None
) -> dict[str, Any]:
    """The operation's variables: the supplied values over the declared defaults."""
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            values[definition.variable.name.value] = value_from_ast(
                definition.default_value, GraphQLInt
            )
    values.update(supplied or {})
    return values


def query_cost(
    schema: GraphQLSchema,
    document: Any,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    *,
    default_page: int,
    max_page: int,
) -> int:
    """The cost of the operation ``operation_name`` of a validated ``document``."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if not chosen:
        return 0
    operation = chosen[0]
    values = _variables(operation, variables)
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root is None:
        return 0

    def page_size(field: FieldNode) -> int:
        sizes = []
        for argument in field.arguments or ():
            if argument.name.value in _PAGE_ARGUMENTS:
                value = value_from_ast(argument.value, GraphQLInt, values)
                if isinstance(value, int):
                    sizes.append(value)
        size = max(sizes) if sizes else default_page
        return max(0, min(size, max_page))

    def filter_cost(field: FieldNode, definition: Any, rows: int) -> int:
        argument_type = definition.args.get("filter")
        for argument in field.arguments or ():
            if argument.name.value == "filter" and argument_type is not None:
                value = value_from_ast_untyped(argument.value, values)
                return rows * max_page * relation_nodes(value, get_named_type(argument_type.type))
        return 0

    total = 0
    # (selection set, its parent type, rows per parent so far, inside a connection's page)
    stack: list[tuple[Any, Any, int, bool]] = [(operation.selection_set, root, 1, False)]
    while stack:
        selection_set, parent, rows, in_page = stack.pop()
        for selection in selection_set.selections:
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    condition = schema.get_type(fragment.type_condition.name.value)
                    stack.append((fragment.selection_set, condition or parent, rows, in_page))
                continue
            if isinstance(selection, InlineFragmentNode):
                condition = (
                    schema.get_type(selection.type_condition.name.value)
                    if selection.type_condition
                    else None
                )
                stack.append((selection.selection_set, condition or parent, rows, in_page))
                continue
            if not isinstance(selection, FieldNode) or selection.name.value.startswith("__"):
                continue
            definition = getattr(parent, "fields", {}).get(selection.name.value)
            if definition is None or selection.selection_set is None:
                continue
            returned = get_named_type(definition.type)
            if _is_connection(returned):
                field_rows = rows * page_size(selection)
                total += field_rows + filter_cost(selection, definition, rows)
                stack.append((selection.selection_set, returned, field_rows, True))
            elif isinstance(get_nullable_type(definition.type), GraphQLList) and not in_page:
                field_rows = rows * default_page
                total += field_rows + filter_cost(selection, definition, rows)
                stack.append((selection.selection_set, returned, field_rows, False))
            else:
                # a to-one object, or a connection's edges (its page): same rows per parent;
                # below an edge's node, lists count again
                stack.append(
                    (
                        selection.selection_set,
                        returned,
                        rows,
                        in_page and selection.name.value != "node",
                    )
                )
    return total


class CostGuard(SchemaExtension):
    """Refuse a query whose cost is past ``HONGFAN_GRAPHQL_MAX_COST`` before it runs any SQL."""

    def on_execute(self):  # type: ignore[no-untyped-def,override]
        execution = self.execution_context
        ctx = execution.context
        settings = getattr(ctx, "settings", None)
        if settings is not None and execution.graphql_document is not None and not execution.result:
            cost = query_cost(
                execution.schema._schema,
                execution.graphql_document,
                execution.operation_name,
                execution.variables,
                default_page=settings.default_page_size,
                max_page=settings.max_page_size,
            )
            if cost > settings.graphql_max_cost:
                lang = getattr(ctx, "language", "zh")
                error = UserError(
                    message("query.too_costly", lang, cost=cost, max=settings.graphql_max_cost),
                    code="QUERY_TOO_COSTLY",
                )
                execution.result = ExecutionResult(data=None, errors=[error])
        yield


__all__ = ["CostGuard", "query_cost", "relation_nodes"]
