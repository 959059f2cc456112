"""Resolvers shared by every record type: lists, relations, node lookup, mutations.

Every read goes through ``Context.execute`` (the caller's scoped session);
relations resolve through per-request DataLoaders so a nested query costs one
statement per relation level, whatever the number of rows.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Optional

import sqlalchemy as sa
import strawberry
from sqlalchemy.orm import aliased
from strawberry import relay
from strawberry.types.unset import UNSET

from graph.context import Context
from graph.errors import UserError
from graph.filter_limits import FilterLimits, check_filter
from graph.filters import compile_filter, compile_order, global_id_to_pk, sensitive_lookups
from graph.names import a, snake
from hongfan import access, crud, deadline, reads
from hongfan.errors import HongfanError
from hongfan.pagination import (
    CursorError,
    SortKey,
    decode_cursor,
    encode_cursor,
    order_clauses,
    with_tiebreak,
)
from hongfan.policy import Fields
from models.base import ENTITIES, Record, ToMany, ToOne, column_meta
from models.messages import message
from models.pinyin import derived_from
from models.validators import parse_record_id

# -- records to nodes ------------------------------------------------------------


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
        if value is not None and access.field_mode(ctx.principal, model) is Fields.FULL:
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


# -- paging ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PageArgs:
    where: sa.ColumnElement[bool] | None
    keys: list[SortKey]
    first: int  # the page size: ``first``, or ``last`` when paging backwards
    after: list[Any] | None
    key: str  # stable text of the arguments, for DataLoader keys
    before: list[Any] | None = None
    backward: bool = (
        False  # ``last``/``before``: the rows closest before the position, fetched nearest first
    )


def _page_size(ctx: Context, first: int | None) -> int:
    settings = ctx.settings
    size = settings.default_page_size if first is None else first
    if size < 0 or size > settings.max_page_size:
        raise UserError(
            message("page_size", ctx.language, max=settings.max_page_size), code="BAD_PAGE_SIZE"
        )
    return size


def _argument_key(*parts: Any) -> str:
    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {k: plain(v) for k, v in vars(value).items() if v is not None and v is not UNSET}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, enum.Enum):
            return value.value
        return value

    return json.dumps([plain(p) for p in parts], default=str, sort_keys=True, ensure_ascii=False)


def page_args(
    ctx: Context,
    model: type[Record],
    filter: Any,
    order_by: Any,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> PageArgs:
    principal = ctx.principal
    if filter is not None:  # before any SQL is built (#9.1)
        check_filter(filter, FilterLimits.of(ctx.settings), ctx.language)
    where = compile_filter(model, filter, principal)
    for type_name, column in sensitive_lookups(model, filter):  # a lookup by personal data: audited
        ctx.note_lookup(type_name, column)
    keys = with_tiebreak(compile_order(model, order_by, principal))
    if first is not None and last is not None:
        raise UserError(message("page.first_and_last", ctx.language), code="BAD_PAGE_SIZE")
    backward = last is not None or (before is not None and first is None)
    size = _page_size(ctx, last if backward else first)
    return PageArgs(
        where,
        keys,
        size,
        _position(ctx, model, after, keys),
        _argument_key(filter, order_by, size, after, before, backward),
        before=_position(ctx, model, before, keys),
        backward=backward,
    )


def _position(
    ctx: Context, model: type[Record], cursor: str | None, keys: list[SortKey]
) -> list[Any] | None:
    if not cursor:
        return None
    try:
        return decode_cursor(model, cursor, keys)
    except CursorError as error:
        raise UserError(message("cursor", ctx.language), code="BAD_CURSOR") from error


def _connection(
    ctx: Context, model: type[Record], rows: list[Record], args: PageArgs, count: Any
) -> Any:
    """The connection of ``rows`` as fetched: up to ``first`` + 1, in order (backwards: nearest first)."""
    entity = graph_entity(model)
    more = len(rows) > args.first
    page = rows[: args.first]
    if args.backward:
        page.reverse()
    edges = [
        entity.edge(cursor=encode_cursor(r, args.keys), node=to_node(ctx, model, r)) for r in page
    ]
    info = relay.PageInfo(
        # Forwards, the rows beyond the page are counted and the cursor says one was before it;
        # backwards, the other way round.
        has_next_page=args.before is not None if args.backward else more,
        has_previous_page=more if args.backward else args.after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return entity.connection(edges=edges, page_info=info, count=_once(count))


async def list_records(
    ctx: Context,
    model: type[Record],
    filter: Any,
    order_by: Any,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Any:
    """A top-level connection: one statement for the page, one more only if totalCount is asked."""
    args = page_args(ctx, model, filter, order_by, first, after, last, before)
    rows = await reads.fetch_page(
        ctx.execute,
        model,
        where=args.where,
        keys=args.keys,
        first=args.first,
        after=args.after,
        before=args.before,
        backward=args.backward,
    )

    async def count() -> tuple[int, bool]:
        return await reads.honest_count(
            ctx.execute, model, args.where, count_within=ctx.count_within
        )

    return _connection(ctx, model, rows, args, count)


def _once(
    fetch: Callable[[], Awaitable[tuple[int, bool]]],
) -> Callable[[], Awaitable[tuple[int, bool]]]:
    """totalCount and totalCountIsExact share one count."""
    found: list[tuple[int, bool]] = []

    async def cached() -> tuple[int, bool]:
        if not found:
            found.append(await fetch())
        return found[0]

    return cached


# -- relations through DataLoaders -----------------------------------------------


def _by_id_loader(ctx: Context, model: type[Record]) -> Any:
    async def batch(ids: list[int]) -> list[Record | None]:
        found = await reads.by_ids(ctx.execute, model, ids)
        return [found.get(i) for i in ids]

    return ctx.loader(("by_id", model.__entity__.type_name), batch)


async def load_record(ctx: Context, model: type[Record], record_id: int) -> Record | None:
    result: Record | None = await _by_id_loader(ctx, model).load(record_id)
    return result


def _pages_loader(ctx: Context, relation: ToMany, target: type[Record], args: PageArgs) -> Any:
    fk = getattr(target, relation.fk)

    async def batch(owner_ids: list[int]) -> list[list[Record]]:
        # One statement for every owner's page: number the rows per owner, keep first+1.
        ordering = order_clauses(target, args.keys, reverse=args.backward)
        position = sa.func.row_number().over(partition_by=fk, order_by=ordering)
        inner = (
            sa.select(target, position.label("row_position"))
            .where(
                fk.in_(owner_ids),
                *reads.conditions(target, args.where, args.keys, args.after, args.before),
            )
            .subquery()
        )
        row = aliased(target, inner)
        statement = (
            sa.select(row)
            .where(inner.c.row_position <= args.first + 1)
            .order_by(inner.c[relation.fk], inner.c.row_position)
        )
        rows = (await ctx.execute(statement)).scalars().all()
        pages: dict[int, list[Record]] = {i: [] for i in owner_ids}
        for record in rows:
            pages[getattr(record, relation.fk)].append(record)
        return [pages[i] for i in owner_ids]

    return ctx.loader(("pages", relation.target, relation.fk, args.key), batch)


def _counts_loader(ctx: Context, relation: ToMany, target: type[Record], args: PageArgs) -> Any:
    fk = getattr(target, relation.fk)

    async def batch(owner_ids: list[int]) -> list[int]:
        statement = sa.select(fk, sa.func.count(target.id)).where(fk.in_(owner_ids)).group_by(fk)  # type: ignore[arg-type]
        if args.where is not None:
            statement = statement.where(args.where)
        counts = dict((await ctx.execute(statement)).all())
        return [int(counts.get(i, 0)) for i in owner_ids]

    return ctx.loader(("counts", relation.target, relation.fk, args.key), batch)


def _to_one_resolver(model: type[Record], relation: ToOne) -> Callable[..., Awaitable[Any]]:
    target = ENTITIES[relation.target]

    async def resolve(root: Any, info: strawberry.Info) -> Any:
        ctx: Context = info.context
        target_id = getattr(root, relation.fk)
        if target_id is None:
            return None
        return to_node(ctx, target, await load_record(ctx, target, target_id))

    resolve.__annotations__ = {
        "root": "Any",
        "info": strawberry.Info,
        "return": f"Optional[{relation.target}]",
    }
    return resolve


def _to_many_resolver(model: type[Record], relation: ToMany) -> Callable[..., Awaitable[Any]]:
    target = ENTITIES[relation.target]

    async def resolve(
        root: Any,
        info: strawberry.Info,
        filter: Any = None,
        order_by: Any = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Any:
        ctx: Context = info.context
        if not access.relation_readable(ctx.principal, model, relation):
            # the target's key column is not the caller's to read: nor is reading it backwards
            refusal = message("relation.forbidden", ctx.language) + f": {relation.name}"
            raise UserError(refusal, code="FORBIDDEN_FIELD", extensions={"field": relation.name})
        args = page_args(ctx, target, filter, order_by, first, after, last, before)
        rows = await _pages_loader(ctx, relation, target, args).load(root.id)
        counts = _counts_loader(ctx, relation, target, args)

        async def count() -> tuple[int, bool]:
            return int(await counts.load(root.id)), True

        return _connection(ctx, target, rows, args, count)

    resolve.__annotations__ = {
        "root": "Any",
        "info": strawberry.Info,
        "filter": f"Optional[{relation.target}Filter]",
        "order_by": f"Optional[list[{relation.target}Order]]",
        "first": "Optional[int]",
        "after": "Optional[str]",
        "last": "Optional[int]",
        "before": "Optional[str]",
        "return": f"{relation.target}Connection",
    }
    return resolve


def relation_field(model: type[Record], relation: ToOne | ToMany) -> Any:
    if isinstance(relation, ToOne):
        resolver = _to_one_resolver(model, relation)
    else:
        resolver = _to_many_resolver(model, relation)
    resolver.__module__ = "graph.types"
    resolver.__name__ = relation.name
    return strawberry.field(resolver=resolver, description=relation.description)


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


# -- mutations -------------------------------------------------------------------


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
) -> Any:
    try:
        async with ctx.db.transaction(ctx.principal) as session:
            session.info["request_id"] = ctx.request_id
            record = await action(session)
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
        return await _write(ctx, model, lambda s: crud.update(s, model, pk, input.version, values))

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
