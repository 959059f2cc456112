"""Records to GraphQL nodes, with every column as the caller may see it
(:func:`hongfan.access.present`), and records by id through a per-request DataLoader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

import strawberry

from graph.context import Context
from hongfan import access, reads
from models.base import Record, column_meta
from models.pinyin import derived_from


def graph_entity(model: type[Record]) -> Any:
    from graph.types import GRAPH

    return GRAPH[model.__entity__.type_name]


def to_node(ctx: Context, model: type[Record], record: Record | None) -> Any:
    """The GraphQL object for ``record``, with fields as the caller may see them."""
    if record is None:
        return None
    from graph.people import person_slot
    from graph.types import sensitive_slot

    node_cls = graph_entity(model).node
    principal = ctx.principal
    values: dict[str, Any] = {}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        if derived_from(column):
            continue  # a pinyin sort key or search text, not a field
        name = column.name
        value = access.present(principal, model, name, getattr(record, name))
        meta = column_meta(model, name)
        values[
            person_slot(name) if meta.person else sensitive_slot(name) if meta.sensitive else name
        ] = value
    values["id"] = record.id
    return node_cls(**values)


def sensitive_field(model: type[Record], column: str, scalar: Any) -> Callable[..., Any]:
    """A resolver for a sensitive column that records every read in clear."""
    from graph.types import sensitive_slot

    slot = sensitive_slot(column)
    type_name = model.__entity__.type_name

    def resolve(root: Any, info: strawberry.Info) -> Any:
        value = getattr(root, slot)
        ctx: Context = info.context
        if value is not None and access.sensitive_in_clear(ctx.principal, model, column):
            organisation_id = (
                root.id
                if model.__entity__.scope == "path"
                else getattr(root, "organisation_id", None)
            )
            ctx.note_sensitive_read(type_name, int(root.id), organisation_id, column)
        return value

    resolve.__annotations__ = {"root": "Any", "info": strawberry.Info, "return": Optional[scalar]}  # noqa: UP045
    resolve.__module__ = "graph.types"
    resolve.__name__ = column
    return resolve


def _by_id_loader(ctx: Context, model: type[Record]) -> Any:
    async def batch(ids: list[int]) -> list[Record | None]:
        found = await reads.by_ids(ctx.execute, model, ids)
        return [found.get(i) for i in ids]

    return ctx.loader(("by_id", model.__entity__.type_name), batch)


async def load_record(ctx: Context, model: type[Record], record_id: int) -> Record | None:
    result: Record | None = await _by_id_loader(ctx, model).load(record_id)
    return result
