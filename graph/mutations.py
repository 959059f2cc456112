"""Create, update, delete and restore for every record type, through hongfan.crud."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types.unset import UNSET

from graph.context import Context
from graph.errors import UserError
from graph.filters import global_id_to_pk
from graph.names import a, snake
from graph.nodes import graph_entity, to_node
from hongfan import crud, deadline
from hongfan.errors import HongfanError
from models.base import Record, ToOne
from models.messages import message


def _input_values(ctx: Context, model: type[Record], data: Any, skip: set[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    fk_targets = {r.fk: r.target for r in model.__entity__.relations if isinstance(r, ToOne)}
    for name, value in vars(data).items():
        if name in skip or value is UNSET:
            continue
        if name in fk_targets and value is not None:
            value = global_id_to_pk(value, fk_targets[name], ctx.principal)
        values[name] = value
    return values


def _payload(
    ctx: Context,
    model: type[Record],
    record: Record | None,
    error: HongfanError | None,
    creating: bool = False,
) -> Any:
    from graph.types import FieldError, field_name

    entity = graph_entity(model)
    # a refused create is about the whole record: its input has no `id` to blame
    errors = [
        FieldError(
            field=None if creating and e.field == "id" else field_name(e.field),
            code=e.code,
            message=e.message,
        )
        for e in (error.errors if error else [])
    ]
    return entity.payload(**{entity.payload_field: to_node(ctx, model, record), "errors": errors})


async def _write(
    ctx: Context,
    model: type[Record],
    action: Callable[[Any], Awaitable[Record]],
    creating: bool = False,
    one_statement: bool = False,
) -> Any:
    try:
        record = await ctx.db.write(
            ctx.principal, action, request_id=ctx.request_id, one_statement=one_statement
        )
    except HongfanError as error:
        return _payload(ctx, model, None, error, creating)
    except Exception as error:
        if deadline.is_statement_timeout(error):  # rolled back, and not tried again (#9.2)
            seconds = ctx.settings.write_statement_timeout_ms / 1000
            raise UserError(
                message("statement.timeout", ctx.language, seconds=f"{seconds:g}"),
                code="STATEMENT_TIMEOUT",
            ) from error
        raise
    ctx.forget_loaded()
    return _payload(ctx, model, record, None)


def mutation_fields(model: type[Record]) -> dict[str, Any]:
    meta = model.__entity__
    name = meta.type_name
    label = meta.label_zh

    async def create(info: strawberry.Info, input: Any) -> Any:
        ctx: Context = info.context
        values = _input_values(ctx, model, input, set())
        return await _write(ctx, model, lambda s: crud.create(s, model, values), creating=True)

    async def update(info: strawberry.Info, input: Any) -> Any:
        ctx: Context = info.context
        pk = global_id_to_pk(input.id, name, ctx.principal)
        values = _input_values(ctx, model, input, {"id", "version"})
        return await _write(
            ctx,
            model,
            lambda s: crud.update(s, model, pk, input.version, values),
            one_statement=crud.writes_one_statement(model, values),
        )

    async def delete_one(
        info: strawberry.Info, id: relay.GlobalID, version: int | None = None
    ) -> Any:
        return await delete_below(info, id, version, False)

    async def delete_below(
        info: strawberry.Info,
        id: relay.GlobalID,
        version: int | None = None,
        with_everything_below: bool = False,
    ) -> Any:
        ctx: Context = info.context
        pk = global_id_to_pk(id, name, ctx.principal)
        return await _write(
            ctx, model, lambda s: crud.delete(s, model, pk, version, subtree=with_everything_below)
        )

    delete = delete_below if meta.scope == "path" else delete_one

    async def restore(info: strawberry.Info, id: relay.GlobalID, version: int | None = None) -> Any:
        ctx: Context = info.context
        pk = global_id_to_pk(id, name, ctx.principal)
        return await _write(ctx, model, lambda s: crud.restore(s, model, pk, version))

    create.__annotations__ = {
        "info": strawberry.Info,
        "input": f"Create{name}Input",
        "return": f"{name}Payload",
    }
    update.__annotations__ = {
        "info": strawberry.Info,
        "input": f"Update{name}Input",
        "return": f"{name}Payload",
    }
    for fn in (delete, restore):
        fn.__annotations__ = {
            "info": strawberry.Info,
            "id": relay.GlobalID,
            "version": "Optional[int]",
            "return": f"{name}Payload",
        }
    if delete is delete_below:
        delete.__annotations__["with_everything_below"] = Annotated[
            bool,
            strawberry.argument(
                description=(
                    "Also delete everything below it — organisations and all their records — in one "
                    "operation; restoring it restores them together (连同下级一并删除)"
                )
            ),
        ]
    for resolver in (create, update, delete, restore):
        resolver.__module__ = "graph.types"
    return {
        f"create_{snake(name)}": strawberry.field(
            resolver=create, description=f"Create {a(name)} (新建{label})"
        ),
        f"update_{snake(name)}": strawberry.field(
            resolver=update,
            description=f"Change {a(name)}; refused when `version` is stale (修改{label})",
        ),
        f"delete_{snake(name)}": strawberry.field(
            resolver=delete,
            description=f"Soft-delete {a(name)}; restore brings it back (删除{label})",
        ),
        f"restore_{snake(name)}": strawberry.field(
            resolver=restore, description=f"Bring back a soft-deleted {name} (恢复{label})"
        ),
    }
