"""Planning the root ``node(id:)``: a record by its global id in one statement, re-bindable
to another id (graph.plan_templates), as the fast lane replays it — how a client reads the
``version`` it then updates with (#16.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

from graph.plan_shapes import NodeSite, NodeSQL, NotPlannable, RootNodeShape
from hongfan import access
from models.base import ENTITIES, Record
from models.validators import parse_record_id

if TYPE_CHECKING:
    from graph.planning import Planner


def node_sql(
    planner: Planner, node: FieldNode, types: tuple[type[Record], ...] | None = None
) -> NodeSQL:
    """The SQL of ``node(id:)`` under this planner's variables: for the types its
    selection asks fields of (and the id's own), or within ``types`` when given."""
    gid = planner.arguments("Query", node)["id"]
    model = ENTITIES.get(getattr(gid, "type_name", ""))
    pk = parse_record_id(getattr(gid, "node_id", ""))
    if model is None or pk is None:
        raise NotPlannable("node id")  # the resolver answers null
    if types is None:
        asked = {ENTITIES[t] for t in type_conditions(planner, node.selection_set) if t in ENTITIES}
        types = tuple(sorted({model, *asked}, key=lambda m: m.__entity__.type_name))
    elif model not in types:
        raise NotPlannable("node id of a type the statement does not read")
    return NodeSQL(types, model, pk)


def type_conditions(planner: Planner, selection_set: SelectionSetNode | None) -> set[str]:
    """The types the selection's fragments are on."""
    found: set[str] = set()
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, InlineFragmentNode) and selection.type_condition:
            found.add(selection.type_condition.name.value)
            found |= type_conditions(planner, selection.selection_set)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = planner.fragments[selection.name.value]
            found.add(fragment.type_condition.name.value)
            found |= type_conditions(planner, fragment.selection_set)
    return found


def root_node(planner: Planner, node: FieldNode) -> tuple[sa.ColumnElement[Any], RootNodeShape]:
    """The JSON of ``node(id:)``: the record of that id as the caller may see it, or null.

    A scalar subquery per type asked for, under the row scope like every planned read;
    only the id's type has a row. Planned only when nothing in it is finished in Python
    (masked, audited or a person's name): otherwise the resolver answers."""
    parts = node_sql(planner, node)
    planner.sites.append(NodeSite("Query", node, parts.model, parts))
    answers: list[Any] = []
    for model, condition in zip(parts.types, parts.conditions, strict=True):
        if access.needs_sign_in(planner.ctx.principal, model):
            raise NotPlannable("sign in")
        row = sa.select(model).where(condition).subquery()
        value, shape = planner.node(model, row, node)
        if not shape.finished_in_sql:
            raise NotPlannable("finished in Python")
        answers.append(sa.select(value).select_from(row).scalar_subquery())
    answer = answers[0] if len(answers) == 1 else sa.func.coalesce(*answers)
    return answer, RootNodeShape(tuple(m.__entity__.type_name for m in parts.types))


__all__ = ["node_sql", "root_node", "type_conditions"]
