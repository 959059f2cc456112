"""What a planned statement leaves to Python after the database answered (its shapes),
and the SQL of each connection's arguments (graph.planner's plan, graph.plan_templates'
re-binding)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from graphql import (
    FieldNode,
)

from graph.resolvers import PageArgs
from hongfan import reads
from models.base import ENTITIES, Record


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
        self.order = page_order(model, args)
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


class NodeSQL:
    """The SQL of a root ``node(id:)`` that depends on its id — and so on the variables.

    One condition per record type the selection asks fields of: ``id = pk`` for the id's
    own type, ``id = NULL`` (no row) for the others. The statement is then the same for an
    id of any of those types, and :class:`graph.plan_templates.Template` re-binds it to
    another id by these values alone.
    """

    backward = False  # (a template compares it, as for a connection's page)

    def __init__(self, types: tuple[type[Record], ...], model: type[Record], pk: int) -> None:
        self.types = types
        self.model = model
        self.conditions: list[Any] = [
            kind.id == sa.literal(pk if kind is model else None, sa.Integer)  # type: ignore[attr-defined]
            for kind in types
        ]

    def expressions(self) -> list[Any]:
        return list(self.conditions)


@dataclass
class NodeSite:
    """Where a root ``node(id:)`` is in the document, and the SQL its id gave."""

    parent_type: str
    node: FieldNode
    model: type[Record]
    parts: NodeSQL


@dataclass
class RootNodeShape:
    """A root ``node(id:)``: planned only when its answer needs nothing from Python."""

    types: tuple[str, ...]
    finished_in_sql: bool = True


def page_order(model: type[Record], args: PageArgs) -> list[Any]:
    from hongfan.pagination import order_clauses

    return order_clauses(model, args.keys, reverse=args.backward)
