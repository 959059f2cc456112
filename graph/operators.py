"""Operator inputs for filtering a single field, one per value type."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import strawberry
from strawberry import relay


@strawberry.input(description="Conditions on a text field (文本条件)")
class StringFilter:
    eq: str | None = strawberry.field(default=None, description="Equal to (等于)")
    ne: str | None = strawberry.field(default=None, description="Not equal to (不等于)")
    in_: list[str] | None = strawberry.field(default=None, name="in", description="One of (属于)")
    not_in: list[str] | None = strawberry.field(default=None, description="None of (不属于)")
    contains: str | None = strawberry.field(
        default=None, description="Contains, ignoring case (包含)"
    )
    starts_with: str | None = strawberry.field(default=None, description="Starts with (开头为)")
    is_null: bool | None = strawberry.field(default=None, description="Has no value (为空)")


@strawberry.input(
    description="Conditions on a Chinese name, which may also be matched by its pinyin (名称条件)"
)
class PinyinStringFilter(StringFilter):
    pinyin: str | None = strawberry.field(
        default=None,
        description=(
            "Reads as: the name's toneless pinyin or its initials contain this, ignoring case, spaces "
            'and apostrophes; ü may be typed v. "lcs" and "liuceshi" both find 刘测试一; '
            "polyphonic surnames are read as surnames (单 shan, 曾 zeng) (拼音或首字母)"
        ),
    )


@strawberry.input(description="Conditions on a whole-number field (整数条件)")
class IntFilter:
    eq: int | None = strawberry.field(default=None, description="Equal to (等于)")
    ne: int | None = strawberry.field(default=None, description="Not equal to (不等于)")
    in_: list[int] | None = strawberry.field(default=None, name="in", description="One of (属于)")
    not_in: list[int] | None = strawberry.field(default=None, description="None of (不属于)")
    lt: int | None = strawberry.field(default=None, description="Less than (小于)")
    lte: int | None = strawberry.field(default=None, description="At most (小于等于)")
    gt: int | None = strawberry.field(default=None, description="Greater than (大于)")
    gte: int | None = strawberry.field(default=None, description="At least (大于等于)")
    is_null: bool | None = strawberry.field(default=None, description="Has no value (为空)")


@strawberry.input(description="Conditions on an exact decimal field, e.g. money (金额条件)")
class DecimalFilter:
    eq: decimal.Decimal | None = strawberry.field(default=None, description="Equal to (等于)")
    ne: decimal.Decimal | None = strawberry.field(default=None, description="Not equal to (不等于)")
    in_: list[decimal.Decimal] | None = strawberry.field(
        default=None, name="in", description="One of (属于)"
    )
    not_in: list[decimal.Decimal] | None = strawberry.field(
        default=None, description="None of (不属于)"
    )
    lt: decimal.Decimal | None = strawberry.field(default=None, description="Less than (小于)")
    lte: decimal.Decimal | None = strawberry.field(default=None, description="At most (小于等于)")
    gt: decimal.Decimal | None = strawberry.field(default=None, description="Greater than (大于)")
    gte: decimal.Decimal | None = strawberry.field(default=None, description="At least (大于等于)")
    is_null: bool | None = strawberry.field(default=None, description="Has no value (为空)")


@strawberry.input(description="Conditions on a date field (日期条件)")
class DateFilter:
    eq: datetime.date | None = strawberry.field(default=None, description="On (等于)")
    ne: datetime.date | None = strawberry.field(default=None, description="Not on (不等于)")
    in_: list[datetime.date] | None = strawberry.field(
        default=None, name="in", description="One of (属于)"
    )
    not_in: list[datetime.date] | None = strawberry.field(
        default=None, description="None of (不属于)"
    )
    lt: datetime.date | None = strawberry.field(default=None, description="Before (早于)")
    lte: datetime.date | None = strawberry.field(default=None, description="On or before (不晚于)")
    gt: datetime.date | None = strawberry.field(default=None, description="After (晚于)")
    gte: datetime.date | None = strawberry.field(default=None, description="On or after (不早于)")
    is_null: bool | None = strawberry.field(default=None, description="Has no value (为空)")


@strawberry.input(description="Conditions on a timestamp field (时间条件)")
class DateTimeFilter:
    eq: datetime.datetime | None = strawberry.field(default=None, description="At (等于)")
    ne: datetime.datetime | None = strawberry.field(default=None, description="Not at (不等于)")
    in_: list[datetime.datetime] | None = strawberry.field(
        default=None, name="in", description="One of (属于)"
    )
    not_in: list[datetime.datetime] | None = strawberry.field(
        default=None, description="None of (不属于)"
    )
    lt: datetime.datetime | None = strawberry.field(default=None, description="Before (早于)")
    lte: datetime.datetime | None = strawberry.field(
        default=None, description="At or before (不晚于)"
    )
    gt: datetime.datetime | None = strawberry.field(default=None, description="After (晚于)")
    gte: datetime.datetime | None = strawberry.field(
        default=None, description="At or after (不早于)"
    )
    is_null: bool | None = strawberry.field(default=None, description="Has no value (为空)")


@strawberry.input(description="Conditions on a yes/no field (是否条件)")
class BooleanFilter:
    eq: bool | None = strawberry.field(default=None, description="Equal to (等于)")
    ne: bool | None = strawberry.field(default=None, description="Not equal to (不等于)")
    is_null: bool | None = strawberry.field(default=None, description="Has no value (为空)")


@strawberry.input(description="Conditions on a record's global ID (编号条件)")
class IDFilter:
    eq: relay.GlobalID | None = strawberry.field(default=None, description="Equal to (等于)")
    ne: relay.GlobalID | None = strawberry.field(default=None, description="Not equal to (不等于)")
    in_: list[relay.GlobalID] | None = strawberry.field(
        default=None, name="in", description="One of (属于)"
    )
    not_in: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="None of (不属于)"
    )
    is_null: bool | None = strawberry.field(default=None, description="Has no value (为空)")


OPERATOR_INPUT: dict[type, Any] = {
    str: StringFilter,
    int: IntFilter,
    decimal.Decimal: DecimalFilter,
    datetime.date: DateFilter,
    datetime.datetime: DateTimeFilter,
    bool: BooleanFilter,
}
