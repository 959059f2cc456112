"""Paging a record type's rows: the arguments (filter, order, cursors, page size) checked
and compiled once, and the connection built from a page."""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from strawberry import relay
from strawberry.types.unset import UNSET

from graph.context import Context
from graph.errors import UserError
from graph.filter_limits import FilterLimits, check_filter
from graph.filters import compile_filter, compile_order, sensitive_lookups
from graph.nodes import graph_entity, to_node
from hongfan import reads
from hongfan.pagination import (
    CursorError,
    SortKey,
    decode_cursor,
    encode_cursor,
    with_tiebreak,
)
from models.base import Record
from models.messages import message


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
