"""Keyset pagination: ordering with an id tiebreak, and opaque cursors.

A cursor encodes the position of a row — the values of the ordering columns
and its id — never an offset, so a page deep in a large table costs the same
as the first one. Nulls always sort last, in either direction.
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from models.base import Record
from models.rules import integer_range, python_type


class Direction(enum.Enum):
    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True)
class SortKey:
    column: str
    direction: Direction


class CursorError(ValueError):
    pass


def with_tiebreak(keys: list[SortKey]) -> list[SortKey]:
    """Append the id so every ordering is total and every cursor unambiguous."""
    if any(k.column == "id" for k in keys):
        return keys
    return [*keys, SortKey("id", Direction.ASC)]


def order_clauses(model: type[Record], keys: list[SortKey]) -> list[sa.ColumnElement[Any]]:
    clauses = []
    for key in keys:
        column = getattr(model, key.column)
        ordered = column.asc() if key.direction is Direction.ASC else column.desc()
        clauses.append(ordered.nulls_last() if model.__table__.c[key.column].nullable else ordered)  # type: ignore[attr-defined]
    return clauses


def _signature(keys: list[SortKey]) -> str:
    text = ",".join(f"{k.column}:{k.direction.value}" for k in keys)
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def _dump(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | Decimal):
        return str(value) if not isinstance(value, datetime | date) else value.isoformat()
    return value


def encode_cursor(record: Any, keys: list[SortKey]) -> str:
    payload = {"s": _signature(keys), "v": [_dump(getattr(record, k.column)) for k in keys]}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(model: type[Record], cursor: str, keys: list[SortKey]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        values = payload["v"]
        if payload["s"] != _signature(keys) or len(values) != len(keys):
            raise CursorError("cursor was made for another ordering")
        return [_load(model, k.column, v) for k, v in zip(keys, values, strict=True)]
    except (ValueError, KeyError, TypeError, binascii.Error, InvalidOperation, RecursionError) as error:
        raise CursorError(type(error).__name__) from error


def _load(model: type[Record], column: str, value: Any) -> Any:
    if value is None:
        return None
    target = python_type(model, column)
    if target is datetime:
        return datetime.fromisoformat(value)
    if target is date:
        return date.fromisoformat(value)
    if target is Decimal:
        amount = Decimal(value) if isinstance(value, str) else None
        if amount is None or not amount.is_finite():
            raise CursorError("bad value")
        return amount
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return target(value)
    if target is int:
        low, high = integer_range(model, column)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise CursorError("bad value")  # past the column's range: the database would fail (#9.4)
    elif target is str and not isinstance(value, str):
        raise CursorError("bad value")
    return value


def after_position(model: type[Record], keys: list[SortKey], values: list[Any]) -> sa.ColumnElement[bool]:
    """Rows strictly after the position ``values`` in the ordering ``keys``.

    Lexicographic: (k1 after v1) or (k1 = v1 and k2 after v2) or …, where with
    nulls last a non-null value is followed by larger values and then all nulls,
    and a null is followed only by the other nulls (decided by later keys).
    """
    alternatives: list[sa.ColumnElement[bool]] = []
    equal_so_far: list[sa.ColumnElement[bool]] = []
    for key, value in zip(keys, values, strict=True):
        column = getattr(model, key.column)
        if value is None:
            beyond: sa.ColumnElement[bool] | None = None
            same = column.is_(None)
        else:
            strictly = column > value if key.direction is Direction.ASC else column < value
            nullable = model.__table__.c[key.column].nullable  # type: ignore[attr-defined]
            beyond = sa.or_(strictly, column.is_(None)) if nullable else strictly
            same = column == value
        if beyond is not None:
            alternatives.append(sa.and_(*equal_so_far, beyond))
        equal_so_far.append(same)
    return sa.or_(*alternatives) if alternatives else sa.false()
