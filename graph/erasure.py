"""``anonymise<Type>(id:)`` mutations for the record types that describe a person (hongfan.erasure)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from graph.errors import UserError
from graph.filters import global_id_to_pk
from graph.names import a, snake
from graph.resolvers import _write
from hongfan import erasure
from models.base import ENTITIES
from models.messages import message


def _resolver(type_name: str) -> Any:
    model = ENTITIES[type_name]

    async def anonymise(info: strawberry.Info, id: relay.GlobalID) -> Any:
        ctx = info.context
        pk = global_id_to_pk(id, type_name, ctx.principal)
        return await _write(ctx, model, lambda s: erasure.anonymise(s, model, pk))

    anonymise.__annotations__ = {
        "info": strawberry.Info,
        "id": relay.GlobalID,
        "return": f"{type_name}Payload",
    }
    anonymise.__module__ = "graph.types"
    return anonymise


def mutation_fields() -> dict[str, Any]:
    return {
        f"anonymise_{snake(type_name)}": strawberry.field(
            resolver=_resolver(type_name),
            description=(
                f"Erase {a(type_name)}'s identifying data on request: name, ID number, phone and family "
                "category become a tombstone, also in its history; grants and internships stay. "
                "Superadmins and the org admins of its organisation (匿名化)"
            ),
        )
        for type_name in erasure.PERSONAL
    }


async def resolve_personal_data(info: strawberry.Info, id: relay.GlobalID) -> JSON | None:
    """Everything held about one person (hongfan.erasure.person_export), audited."""
    from hongfan.errors import HongfanError

    ctx = info.context
    name = id.type_name
    if name not in erasure.PERSONAL:
        raise UserError(message("global_id", ctx.language), code="BAD_ID")
    model = ENTITIES[name]
    pk = global_id_to_pk(id, name, ctx.principal)
    try:
        async with ctx.db.transaction(ctx.principal) as session:
            session.info["request_id"] = ctx.request_id
            return await erasure.person_export(session, model, pk)  # type: ignore[return-value]
    except HongfanError as error:
        raise UserError(error.errors[0].message, code=error.code.upper()) from None


QUERY_FIELDS = {
    "personal_data": strawberry.field(
        resolver=resolve_personal_data,
        description=(
            "Everything held about one person (a ScholarshipStudent's global ID): the record in clear, "
            "its grants and internships, its history; for superadmins and the org admins of its "
            "organisation, audited as export_person (个人信息导出)"
        ),
    )
}
