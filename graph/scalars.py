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

from strawberry import ID, relay
from strawberry.relay.types import GlobalIDValueError
from strawberry.relay.utils import from_base64, to_base64
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
        'A calendar date, ISO 8601 "YYYY-MM-DD" (e.g. "2022-09-24"), no time and no zone (日期)'
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
        "An exact decimal number as a string, never a float: money is yuan with two places, "
        'e.g. "3000.00"; inputs may be a string or a number (金额等精确小数，字符串)'
    ),
)

OVERRIDES: dict[object, Any] = {dt.date: Date, dt.datetime: DateTime, decimal.Decimal: Decimal}


def _canonical_from_id(cls: type[relay.GlobalID], value: str | ID) -> relay.GlobalID:
    """``GlobalID.from_id`` that takes a global ID only in the form we write it.

    Base64 has many spellings of one text (extra ``=`` padding, line breaks, which the
    decoder skips): a global ID is a name, so only the one we hand out names a record.
    Anything else is ``InvalidGlobalIDError`` for an argument (``BAD_ID``, graph/privacy.py).
    """
    text = str(value)
    try:
        type_name, node_id = from_base64(text)
    except ValueError as error:
        raise GlobalIDValueError(str(error)) from error
    if to_base64(type_name, node_id) != text:
        raise GlobalIDValueError("not a canonical global ID")
    return cls(type_name=type_name, node_id=node_id)


# strawberry converts every GlobalID argument through this class method, and has no hook of
# its own for it: the one place every global ID a caller sends is read.
relay.GlobalID.from_id = classmethod(_canonical_from_id)  # type: ignore[assignment,method-assign]
