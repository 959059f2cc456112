"""Resolvers shared by every record type: lists, relations, node lookup, mutations.

By concern: ``graph.nodes`` (records to nodes), ``graph.paging`` (arguments and
connections), ``graph.relations`` (DataLoaders), ``graph.mutations``; this module has the
root fields and keeps the names other modules import from it.

Every read goes through ``Context.execute`` (the caller's scoped session);
relations resolve through per-request DataLoaders so a nested query costs one
statement per relation level, whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from graph.context import Context
from graph.errors import UserError
from graph.mutations import _write, mutation_fields
from graph.nodes import graph_entity, load_record, sensitive_field, to_node
from graph.paging import PageArgs, _page_size, list_records, page_args
from graph.relations import relation_field
from hongfan import access
from models.base import ENTITIES, Record
from models.messages import message
from models.validators import parse_record_id


def _require_sign_in(ctx: Context, model: type[Record]) -> None:
    """An anonymous caller asking for people is told to sign in (the same answer whether or
    not there are any), not given an empty list."""
    if access.needs_sign_in(ctx.principal, model):
        raise UserError(
            message("list.sign_in", ctx.language, type=model.__entity__.plural),
            code="UNAUTHENTICATED",
        )


def list_field(model: type[Record]) -> Any:
    type_name = model.__entity__.type_name

    async def resolve(
        info: strawberry.Info,
        filter: Any = None,
        order_by: Any = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Any:
        _require_sign_in(info.context, model)
        return await list_records(info.context, model, filter, order_by, first, after, last, before)

    resolve.__annotations__ = {
        "info": strawberry.Info,
        "filter": f"Optional[{type_name}Filter]",
        "order_by": f"Optional[list[{type_name}Order]]",
        "first": "Optional[int]",
        "after": "Optional[str]",
        "last": "Optional[int]",
        "before": "Optional[str]",
        "return": f"{type_name}Connection",
    }
    resolve.__module__ = "graph.types"
    resolve.__name__ = model.__entity__.plural
    return strawberry.field(
        resolver=resolve,
        description=(
            f"{model.__entity__.label_en} records you may see, filtered, ordered and paged "
            f"(first or last: default 20, at most 100; after/before a cursor) ({model.__entity__.label_zh}列表)"
        ),
    )


async def resolve_node(info: strawberry.Info, id: relay.GlobalID) -> relay.Node | None:
    ctx: Context = info.context
    model = ENTITIES.get(id.type_name)
    if model is None:
        return None
    pk = parse_record_id(id.node_id)  # only the canonical form names a record (#9.4)
    if pk is None:
        return None
    return to_node(ctx, model, await load_record(ctx, model, pk))


__all__ = [
    "PageArgs",
    "_page_size",
    "_write",
    "graph_entity",
    "list_field",
    "list_records",
    "load_record",
    "mutation_fields",
    "page_args",
    "relation_field",
    "resolve_node",
    "sensitive_field",
    "to_node",
]
