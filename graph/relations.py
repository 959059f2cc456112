"""Relations through per-request DataLoaders: a nested query costs one statement per relation
level, whatever the number of rows; a relation is open as :func:`hongfan.access.relation_readable` says."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
import strawberry
from sqlalchemy.orm import aliased

from graph.context import Context
from graph.errors import UserError
from graph.nodes import load_record, to_node
from graph.paging import PageArgs, _connection, page_args
from hongfan import access, reads
from hongfan.pagination import (
    order_clauses,
)
from models.base import ENTITIES, Record, ToMany, ToOne
from models.messages import message


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
