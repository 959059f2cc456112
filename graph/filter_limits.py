"""How big a filter may be, checked on the coerced input before any SQL is built (#9.1).

A filter arrives as nested strawberry inputs, from the document or from the variables
alike. Before :func:`graph.filters.compile_filter` turns it into SQL, :func:`check_filter`
walks it once, without recursion, and refuses:

* a text operand longer than ``HONGFAN_FILTER_MAX_STRING`` characters (``contains``,
  ``startsWith``, ``eq``, ``pinyin``, each value of ``in``…): a 60,000-character
  ``contains`` kept PostgreSQL busy for over a minute;
* an ``in`` / ``notIn`` list longer than ``HONGFAN_FILTER_MAX_LIST`` values;
* inputs nested deeper than ``HONGFAN_FILTER_MAX_DEPTH`` (each ``and``/``or``/``not``
  element, relation and operator object is one level: ``{name: {eq: "x"}}`` is 2);
* more than ``HONGFAN_FILTER_MAX_NODES`` input objects in all (an ``or`` of 2,000
  branches took 16 s).

Counting and nesting are checked a first time *before* strawberry converts the arguments
(:class:`FilterGuard`, on the raw variables and the document's literals): converting an
``or`` of 2,000 branches into input objects alone took seconds. The GraphQL document's own
size is bounded by the schema's token, depth and alias limits, and the JSON body's nesting
by :mod:`hongfan.bounded`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from graphql import ListValueNode, NamedTypeNode, ObjectValueNode, OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from graph.errors import UserError
from hongfan.settings import Settings
from models.messages import message
from models.validators import check_text, without_format_characters

_LISTS = {"in_": "in", "not_in": "notIn"}


@dataclass(frozen=True)
class FilterLimits:
    max_string: int = 200
    max_list: int = 1000
    max_depth: int = 10
    max_nodes: int = 200

    @classmethod
    def of(cls, settings: Settings) -> FilterLimits:
        return cls(
            max_string=settings.filter_max_string,
            max_list=settings.filter_max_list,
            max_depth=settings.filter_max_depth,
            max_nodes=settings.filter_max_nodes,
        )


def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part.title() for part in rest)


def _is_input(value: Any) -> bool:
    """A strawberry input object (a filter or an operator input), not a scalar like GlobalID."""
    return not isinstance(value, type) and hasattr(type(value), "__strawberry_definition__")


# Money is stored as whole fen in a BIGINT (at most about 9.2e16 yuan): a filter operand
# from 1e16 up is no amount at all, and binding it would overflow the column.
DECIMAL_LIMIT = Decimal(10) ** 16


def _check_decimal(value: Decimal, lang: str) -> None:
    """Refuse, as a field error, a decimal operand no stored amount can be compared with."""
    if not value.is_finite():  # NaN, Infinity: no amount is compared with them (#9.4)
        raise UserError(message("value.not_finite", lang), code="BAD_VALUE")
    if value.copy_abs() >= DECIMAL_LIMIT:  # 1e309, 1e999999999: past every column
        raise UserError(message("value.out_of_range", lang), code="BAD_VALUE")


def _check_operand(text: str, operator: str, lang: str) -> None:
    """A text operand follows the rules of stored text: no control characters (BAD_VALUE;
    a NUL in ``contains`` matched every row on SQLite). Format characters — direction
    marks and controls among them — are not refused: graph.filters removes them, as
    from every searched text (models.validators.search_term)."""
    problem = check_text(without_format_characters(text))
    if problem is not None:
        raise UserError(message(problem, lang), code="BAD_VALUE", extensions={"operator": operator})


def check_filter(where: Any, limits: FilterLimits, lang: str) -> None:
    """Raise a UserError (code ``FILTER_TOO_LARGE``) when ``where`` is past ``limits``,
    and one (``BAD_VALUE``) for a text operand with control characters."""

    def refuse(code: str, **params: Any) -> UserError:
        return UserError(message(code, lang, **params), code="FILTER_TOO_LARGE")

    nodes = 0
    stack: list[tuple[Any, int]] = [(where, 1)]
    while stack:
        item, depth = stack.pop()
        if not _is_input(item):
            continue
        nodes += 1
        if nodes > limits.max_nodes:
            raise refuse("filter.too_many_nodes", max=limits.max_nodes)
        if depth > limits.max_depth:
            raise refuse("filter.too_deep", max=limits.max_depth)
        for name, value in vars(item).items():
            if value is None or value is UNSET or isinstance(value, bool | int | float | enum.Enum):
                continue
            if isinstance(value, list) and name in _LISTS:  # values: scalars only
                if len(value) > limits.max_list:
                    raise refuse("filter.list_too_long", operator=_LISTS[name], max=limits.max_list)
                if any(isinstance(v, str) and len(v) > limits.max_string for v in value):
                    raise refuse(
                        "filter.string_too_long", operator=_LISTS[name], max=limits.max_string
                    )
                for v in value:
                    if isinstance(v, Decimal):
                        _check_decimal(v, lang)
                    elif isinstance(v, str):
                        _check_operand(v, _LISTS[name], lang)
            elif isinstance(value, Decimal):
                _check_decimal(value, lang)
            elif isinstance(value, list):  # and / or: filters
                if len(value) > limits.max_nodes:
                    raise refuse("filter.too_many_nodes", max=limits.max_nodes)
                stack.extend((element, depth + 1) for element in value)
            elif isinstance(value, str):
                if len(value) > limits.max_string:
                    raise refuse(
                        "filter.string_too_long", operator=_camel(name), max=limits.max_string
                    )
                _check_operand(value, _camel(name), lang)
            else:
                stack.append((value, depth + 1))


# -- before the arguments are converted ------------------------------------------------


def _named_type(node: Any) -> str:
    while not isinstance(node, NamedTypeNode):
        node = node.type
    return node.name.value


def _shape(value: Any, limits: FilterLimits, lang: str) -> None:
    """Raise when a raw filter (JSON from the variables) is past the node, depth or list limits."""
    nodes = 0
    stack: list[tuple[Any, int, str | None]] = [(value, 1, None)]
    while stack:
        item, depth, key = stack.pop()
        if isinstance(item, dict):
            nodes += 1
            if nodes > limits.max_nodes:
                raise _refusal("filter.too_many_nodes", lang, max=limits.max_nodes)
            if depth > limits.max_depth:
                raise _refusal("filter.too_deep", lang, max=limits.max_depth)
            stack.extend(
                (child, depth + 1, name)
                for name, child in item.items()
                if isinstance(child, dict | list)
            )
        elif isinstance(item, list):
            if key in ("in", "notIn"):
                if len(item) > limits.max_list:
                    raise _refusal("filter.list_too_long", lang, operator=key, max=limits.max_list)
                continue  # values, not conditions
            if len(item) > limits.max_nodes:
                raise _refusal("filter.too_many_nodes", lang, max=limits.max_nodes)
            stack.extend((child, depth, None) for child in item)


def _literal(node: Any) -> Any:
    """A filter written in the document, as the raw shape :func:`_shape` walks (scalars dropped)."""
    if isinstance(node, ObjectValueNode):
        return {field.name.value: _literal(field.value) for field in node.fields}
    if isinstance(node, ListValueNode):
        return [_literal(value) for value in node.values]
    return None


def _refusal(code: str, lang: str, **params: Any) -> UserError:
    return UserError(message(code, lang, **params), code="FILTER_TOO_LARGE")


def _filter_literals(definition: Any) -> list[ObjectValueNode]:
    """The ``filter:`` arguments written as literals in an operation or fragment (no recursion;
    graphql-core's ``visit`` cost about 1 ms on a typical document)."""
    found: list[ObjectValueNode] = []
    stack = [definition.selection_set] if definition.selection_set is not None else []
    while stack:
        for selection in stack.pop().selections:
            for argument in getattr(selection, "arguments", None) or ():
                if argument.name.value == "filter" and isinstance(argument.value, ObjectValueNode):
                    found.append(argument.value)
            if getattr(selection, "selection_set", None) is not None:
                stack.append(selection.selection_set)
    return found


def check_raw_filters(
    document: Any, variables: dict[str, Any] | None, limits: FilterLimits, lang: str
) -> None:
    """Every filter of ``document`` (its ``filter:`` literals and its ``…Filter`` variables)
    within the node, depth and list limits, before anything converts them."""
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            for variable in definition.variable_definitions or ():
                if _named_type(variable.type).endswith("Filter") and variables:
                    raw = variables.get(variable.variable.name.value)
                    if raw is not None:
                        _shape(raw, limits, lang)
        if getattr(definition, "selection_set", None) is not None:
            for literal in _filter_literals(definition):
                _shape(_literal(literal), limits, lang)


class FilterGuard(SchemaExtension):
    """Refuse oversized filters before the arguments are converted (and before the planner)."""

    def on_execute(self):  # type: ignore[no-untyped-def,override]
        execution = self.execution_context
        ctx = execution.context
        settings = getattr(ctx, "settings", None)
        if settings is not None and execution.graphql_document is not None and not execution.result:
            try:
                check_raw_filters(
                    execution.graphql_document,
                    execution.variables,
                    FilterLimits.of(settings),
                    getattr(ctx, "language", "zh"),
                )
            except UserError as error:
                execution.result = ExecutionResult(data=None, errors=[error])
        yield


__all__ = ["FilterGuard", "FilterLimits", "check_filter", "check_raw_filters"]
