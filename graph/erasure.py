"""``anonymise<Type>(id:)`` mutations for the record types that describe a person (hongfan.erasure)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay

from graph.filters import global_id_to_pk
from graph.names import snake
from graph.resolvers import _write
from hongfan import erasure
from models.base import ENTITIES


def _resolver(type_name: str) -> Any:
    model = ENTITIES[type_name]

    async def anonymise(info: strawberry.Info, id: relay.GlobalID) -> Any:
        ctx = info.context
        pk = global_id_to_pk(id, type_name, ctx.principal)
        return await _write(ctx, model, lambda s: erasure.anonymise(s, model, pk))

    anonymise.__annotations__ = {"info": strawberry.Info, "id": relay.GlobalID, "return": f"{type_name}Payload"}
    anonymise.__module__ = "graph.types"
    return anonymise


def mutation_fields() -> dict[str, Any]:
    return {
        f"anonymise_{snake(type_name)}": strawberry.field(
            resolver=_resolver(type_name),
            description=(
                f"Erase a {type_name}'s identifying data on request: name, ID number, phone and family "
                "category become a tombstone, also in its history; grants and internships stay. "
                "Superadmins and the org admins of its organisation (匿名化)"
            ),
        )
        for type_name in erasure.PERSONAL
    }
