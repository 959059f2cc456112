"""Templates: a planned statement re-bound to other variables (graph.fastlane replays them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    OperationDefinitionNode,
    Visitor,
    visit,
)
from graphql.execution.values import get_variable_values

from graph.context import Context
from graph.plan_shapes import (
    ArgumentSite,
    NodeSite,
)
from graph.planning import Planner
from hongfan import row_scope


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
    sites: list[ArgumentSite | NodeSite]
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
        sites: list[ArgumentSite | NodeSite],
        sql: str,
        params: tuple[Any, ...],
    ) -> Template | None:
        try:
            dialect = ctx.db.engine.dialect
            compiled = statement.options(*row_scope.scope_options(ctx.principal)).compile(
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
