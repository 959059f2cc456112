"""``Query.aggregate``: the generic scoped aggregate of ``hongfan.aggregates`` in GraphQL.

``aggregate(type: "Grant", groupBy: ["year"], measures: [{op: COUNT}, {op: SUM, field: "amount"}])``
answers one row per group, ``{groups: {year: 2022}, values: {count: 3, sumAmount: "4300.50"}}``,
from one statement under the caller's row scope. Field names are the API's (camelCase).
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from graph.errors import UserError
from graph.names import snake
from hongfan.aggregates import AggregateError, Measure, aggregate
from models.base import ENTITIES
from models.messages import message


@strawberry.enum(description="What to compute over each group (统计方式)")
class AggregateOp(enum.Enum):
    COUNT = "count"
    SUM = "sum"
    MIN = "min"
    MAX = "max"


@strawberry.input(
    description="One figure per group: COUNT, or SUM/MIN/MAX of a numeric field (统计项)"
)
class AggregateMeasure:
    op: AggregateOp = strawberry.field(description="The computation (统计方式)")
    field: str | None = strawberry.field(
        default=None, description="The numeric field; none for COUNT (字段)"
    )


@strawberry.type(description="One group's figures (一组统计结果)")
class AggregateRow:
    groups: JSON = strawberry.field(description="The group's values by field name (分组取值)")
    values: JSON = strawberry.field(
        description="The figures by name: count, sumAmount, maxAmount… (money as exact decimal strings) (统计值)"
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def _group_value(asked: str, value: Any) -> Any:
    if asked == "organisation" and value is not None:
        return str(relay.GlobalID("Organisation", str(value)))
    return _plain(value)


async def resolve_aggregate(
    info: strawberry.Info,
    type: Annotated[str, strawberry.argument(description="The record type, e.g. Grant (记录类型)")],
    group_by: Annotated[
        list[str] | None,
        strawberry.argument(
            description=(
                "Up to two fields: a choice, a year, organisationId (database ids) or "
                "organisation (global IDs) (分组字段)"
            )
        ),
    ] = None,
    measures: Annotated[
        list[AggregateMeasure] | None,
        strawberry.argument(description="The figures; COUNT when omitted (统计项)"),
    ] = None,
) -> list[AggregateRow]:
    context = info.context
    language = context.language
    model = ENTITIES.get(type)
    if model is None:
        raise UserError(message("aggregate.invalid", language, detail=type), code="BAD_AGGREGATE")
    asked = list(group_by or [])
    # "organisation" groups by organisationId and names each group by its global ID
    groups = ["organisation_id" if g == "organisation" else snake(g) for g in asked]
    wanted = [Measure(m.op.value, snake(m.field) if m.field else None) for m in measures or []] or [
        Measure("count")
    ]
    try:
        rows = await aggregate(
            context.execute, context.principal, model, group_by=groups, measures=wanted
        )
    except AggregateError as error:
        if error.groups is not None:
            keys = [_camel(g) for g in error.groups]
            if "organisation_id" in error.groups:
                keys.append("organisation")
            separator = ", " if language == "en" else "、"
            text = message("aggregate.group", language, keys=separator.join(keys) or "—")
        else:
            text = message("aggregate.invalid", language, detail=str(error))
        raise UserError(text, code="BAD_AGGREGATE") from error
    return [
        AggregateRow(
            groups=JSON(
                {
                    (a if a == "organisation" else _camel(g)): _group_value(a, row[g])
                    for a, g in zip(asked, groups, strict=True)
                }
            ),
            values=JSON({_camel(m.key): _plain(row[m.key]) for m in wanted}),
        )
        for row in rows
    ]


__all__ = ["AggregateMeasure", "AggregateOp", "AggregateRow", "resolve_aggregate"]
