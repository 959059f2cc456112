"""The audit log as a GraphQL connection, for superadmins and org admins (审计日志)."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import strawberry
from sqlmodel import col
from strawberry import relay
from strawberry.scalars import JSON

from graph.context import Context
from graph.errors import UserError
from graph.filter_limits import FilterLimits, check_filter
from graph.operators import DateTimeFilter, StringFilter
from hongfan import access, reads
from models.audit import AuditEntry
from models.messages import message
from models.validators import parse_record_id


@strawberry.type(
    description="One entry of the audit log: a write, or a read of sensitive fields in clear (审计记录)"
)
class AuditLogEntry:
    at: datetime = strawberry.field(description="When it happened, UTC (时间)")
    actor: str = strawberry.field(description="Who did it (操作人)")
    action: str = strawberry.field(
        description="create, update, delete, restore or read_sensitive (操作类型)"
    )
    entity: str = strawberry.field(description="The record type (记录类型)")
    record_id: relay.GlobalID = strawberry.field(description="The record's global ID (记录编号)")
    changes: JSON = strawberry.field(
        description="For writes {field: [before, after]}; for reads {fields: [...]} (变更内容)"
    )
    request_id: str | None = strawberry.field(description="The request that did it (请求编号)")


@strawberry.type(description="An audit log entry in a list (审计记录列表项)")
class AuditLogEdge:
    cursor: str = strawberry.field(description="Opaque position, for `after` (游标)")
    node: AuditLogEntry = strawberry.field(description="The entry (审计记录)")


@strawberry.type(description="A page of the audit log, newest first (审计日志分页)")
class AuditLogConnection:
    edges: list[AuditLogEdge] = strawberry.field(description="The entries of this page (本页记录)")
    page_info: relay.PageInfo = strawberry.field(description="Where this page sits (分页信息)")
    count: strawberry.Private[Callable[[], Awaitable[tuple[int, bool]]]]

    @strawberry.field(
        description=(
            "How many entries match the filter over all pages: exact whenever counting them "
            "takes less than a quarter of a second (always up to 10,000); otherwise a lower "
            "bound, 10,001, with totalCountIsExact false, as on every other list (总数)"
        )
    )
    async def total_count(self) -> int:
        return (await self.count())[0]

    @strawberry.field(description="False when totalCount is only a lower bound (总数是否精确)")
    async def total_count_is_exact(self) -> bool:
        return (await self.count())[1]


@strawberry.input(description="Which audit entries to list (审计日志筛选)")
class AuditLogFilter:
    actor: StringFilter | None = strawberry.field(
        default=None, description="By who did it (按操作人)"
    )
    action: StringFilter | None = strawberry.field(
        default=None, description="By action (按操作类型)"
    )
    entity: StringFilter | None = strawberry.field(
        default=None, description="By record type (按记录类型)"
    )
    record: relay.GlobalID | None = strawberry.field(
        default=None, description="One record's history (按记录)"
    )
    at: DateTimeFilter | None = strawberry.field(default=None, description="By time (按时间)")


def _cursor(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"audit:{entry_id}".encode()).decode()


def _after_id(cursor: str, lang: str) -> int:
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        position = parse_record_id(value)  # the canonical form only (#9.4)
        if kind != "audit" or position is None:
            raise ValueError(kind)
        return position
    except (ValueError, UnicodeDecodeError) as error:
        raise UserError(message("cursor", lang), code="BAD_CURSOR") from error


async def resolve_audit_log(
    info: strawberry.Info,
    filter: AuditLogFilter | None = None,
    first: int | None = None,
    after: str | None = None,
) -> AuditLogConnection:
    from graph.filters import _operators  # the same operator semantics as every list
    from graph.resolvers import _page_size

    ctx: Context = info.context
    principal = ctx.principal
    if not access.administers(principal):
        raise UserError(message("forbidden", ctx.language), code="FORBIDDEN")
    size = _page_size(ctx, first)
    statement = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(size + 1)  # type: ignore[union-attr]
    if after:
        statement = statement.where(AuditEntry.id < _after_id(after, ctx.language))  # type: ignore[operator, arg-type]
    conditions: list[Any] = []
    if filter is not None:
        check_filter(filter, FilterLimits.of(ctx.settings), ctx.language)  # before any SQL (#9.1)
        for name in ("actor", "action", "entity", "at"):
            ops = getattr(filter, name)
            if ops is not None:
                conditions.extend(_operators(getattr(AuditEntry, name), ops))
        if filter.record is not None:
            record_id = parse_record_id(filter.record.node_id)
            if record_id is None:
                raise UserError(message("global_id", ctx.language), code="BAD_ID")
            conditions += [
                col(AuditEntry.entity) == filter.record.type_name,
                col(AuditEntry.record_id) == record_id,
            ]
    if conditions:
        statement = statement.where(*conditions)
    rows = list((await ctx.execute(statement)).scalars().all())
    where = sa.and_(*conditions) if conditions else None
    counted: list[tuple[int, bool]] = []

    async def count() -> tuple[int, bool]:  # only when totalCount is asked, once
        if not counted:
            counted.append(
                await reads.honest_count(
                    ctx.execute,
                    AuditEntry,  # type: ignore[arg-type]
                    where,
                    count_within=ctx.count_within,
                )
            )
        return counted[0]

    page = rows[:size]
    edges = [
        AuditLogEdge(
            cursor=_cursor(r.id or 0),
            node=AuditLogEntry(
                at=r.at,
                actor=r.actor,
                action=r.action,
                entity=r.entity,
                record_id=relay.GlobalID(r.entity, str(r.record_id)),
                changes=r.changes,
                request_id=r.request_id,
            ),
        )
        for r in page
    ]
    return AuditLogConnection(
        count=count,
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
