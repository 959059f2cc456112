"""The custom scalars' wire formats, stated in the schema (issue #14.6): code generators
and people read them from ``@specifiedBy`` and the descriptions.

Parsing and serialising stay strawberry's (and the planner's SQL writes the same text,
graph/planner.py ``_iso_timestamp``); only what the schema says about them is ours.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
from typing import Any

from strawberry.schema.types.base_scalars import (
    DateDefinition,
    DateTimeDefinition,
    DecimalDefinition,
)

DATE_SPEC = "https://scalars.graphql.org/andimarek/local-date.html"
DATE_TIME_SPEC = "https://scalars.graphql.org/andimarek/date-time.html"

Date = dataclasses.replace(
    DateDefinition,
    description=(
        'A calendar date, ISO 8601 "YYYY-MM-DD" (e.g. "2022-09-24"), no time and no zone '
        "(日期)"
    ),
    specified_by_url=DATE_SPEC,
)
DateTime = dataclasses.replace(
    DateTimeDefinition,
    description=(
        'An instant, RFC 3339 / ISO 8601 in UTC with its offset, e.g. "2024-05-01T08:30:00+00:00" '
        'or with microseconds "2024-05-01T08:30:00.123456+00:00"; inputs may carry any offset '
        "(时间，UTC)"
    ),
    specified_by_url=DATE_TIME_SPEC,
)
Decimal = dataclasses.replace(
    DecimalDefinition,
    description=(
        'An exact decimal number as a string, never a float: money is yuan with two places, '
        'e.g. "3000.00"; inputs may be a string or a number (金额等精确小数，字符串)'
    ),
)

OVERRIDES: dict[object, Any] = {dt.date: Date, dt.datetime: DateTime, decimal.Decimal: Decimal}
