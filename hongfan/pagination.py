"""Keyset pagination: ordering with an id tiebreak, and opaque cursors.

A cursor encodes the position of a row — the values of the ordering columns
and its id — never an offset, so a page deep in a large table costs the same
as the first one. Nulls always sort last, in either direction.

The admin lists hand out another kind, a *row cursor* (:func:`encode_row_cursor`):
only the row's id, for this table and this ordering, signed with the app's secret
(:mod:`hongfan.signing`). It travels in next/previous links, so it must carry no
value of the row (a name sort key holds the person's name) and must not be forged:
the server reads the position's values from the row itself (``hongfan.reads.position_of``).
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

from hongfan import signing
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


def may_be_blank(model: type[Record], column: str) -> bool:
    """Whether ``column`` can hold NULL; a pinyin sort key is blank only when its source can be."""
    table = model.__table__  # type: ignore[attr-defined]
    source = table.c[column].info.get("pinyin_of")
    return bool(table.c[source].nullable if source else table.c[column].nullable)


def order_clauses(
    model: type[Record], keys: list[SortKey], *, reverse: bool = False, nonblank: bool = False
) -> list[sa.ColumnElement[Any]]:
    """ORDER BY for ``keys`` (blanks last); ``reverse``: exactly the opposite order, for pages
    fetched backwards from a position (``last``/``before``) and then turned round.
    ``nonblank``: the rows ordered are all blank or all not blank in each key (the statement
    says so), so the plain direction serves — the one an index scanned either way gives."""
    clauses = []
    for key in keys:
        column = getattr(model, key.column)
        ascending = (key.direction is Direction.ASC) != reverse
        ordered = column.asc() if ascending else column.desc()
        if may_be_blank(model, key.column) and not nonblank:
            ordered = ordered.nulls_first() if reverse else ordered.nulls_last()
        clauses.append(ordered)
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
    except (
        ValueError,
        KeyError,
        TypeError,
        binascii.Error,
        InvalidOperation,
        RecursionError,
    ) as error:
        raise CursorError(type(error).__name__) from error


ROW_CURSOR = "list-position"  # the signing purpose of row cursors
_ROW_CURSOR_LIMIT = 200  # characters: a table name, 8, an id of up to 19 digits, 43, dots


def encode_row_cursor(model: type[Record], record: Any, keys: list[SortKey], secret: str) -> str:
    """The signed position of ``record`` (a row of ``model``) ordered by ``keys``:
    ``<table>.<ordering signature>.<id>.<HMAC>`` — nothing read from the row but its id."""
    raw = f"{model.__tablename__}.{_signature(keys)}.{int(record.id)}"
    return signing.sign(raw, secret, ROW_CURSOR)


def decode_row_cursor(model: type[Record], cursor: str, keys: list[SortKey], secret: str) -> int:
    """The row id of a cursor :func:`encode_row_cursor` made for ``model`` and ``keys``.

    Raises :class:`CursorError` when it is not signed with ``secret`` (altered, made up,
    or from before the key changed), or was made for another list or ordering."""
    raw = signing.unsign(cursor, secret, ROW_CURSOR, limit=_ROW_CURSOR_LIMIT)
    if raw is None:
        raise CursorError("not a cursor we signed")
    table, _, rest = raw.partition(".")
    ordering, _, ident = rest.partition(".")
    if table != model.__tablename__ or ordering != _signature(keys):
        raise CursorError("cursor was made for another list or ordering")
    if not ident.isascii() or not ident.isdigit() or len(ident) > 18:
        raise CursorError("bad id")
    return int(ident)


def _load(model: type[Record], column: str, value: Any) -> Any:
    if value is None:
        stored = model.__table__.c.get(column)  # type: ignore[attr-defined]
        if stored is not None and not stored.nullable:
            raise CursorError("bad value")  # no row has a blank there: not a cursor we made
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
            raise CursorError(
                "bad value"
            )  # past the column's range: the database would fail (#9.4)
    elif target is str and not isinstance(value, str):
        raise CursorError("bad value")
    return value


def after_position(
    model: type[Record],
    keys: list[SortKey],
    values: list[Any],
    *,
    before: bool = False,
    nonblank: bool = False,
) -> sa.ColumnElement[bool]:
    """Rows strictly after (``before=True``: strictly before) the position ``values`` in ``keys``' order.

    Where every key moves the same way and no blank is involved, a row comparison,
    ``(name, id) > (:v, :w)``, from which an index range starts. Otherwise the
    lexicographic expansion — (k1 beyond v1) or (k1 = v1 and k2 beyond v2) or … —
    behind a bound on the first key (``k1 >= v1``) that still seeks. Blanks sort last in
    either direction: after a value come larger values and then the blanks; after a
    blank only blanks (by later keys); before a blank every value. ``nonblank``: the
    statement already keeps to rows with no blank in these keys (and ``values`` has none).
    """
    table = model.__table__  # type: ignore[attr-defined]
    columns = [getattr(model, key.column) for key in keys]
    bound = [
        sa.bindparam(None, value, type_=table.c[key.column].type)
        for key, value in zip(keys, values, strict=True)
    ]
    upward = [
        (key.direction is Direction.ASC) != before for key in keys
    ]  # next rows have larger values
    blanks = not nonblank and any(
        may_be_blank(model, key.column) or value is None
        for key, value in zip(keys, values, strict=True)
    )
    if not blanks and len(set(upward)) == 1:
        row, position = sa.tuple_(*columns), sa.tuple_(*bound)
        return row > position if upward[0] else row < position
    alternatives: list[sa.ColumnElement[bool]] = []
    equal_so_far: list[sa.ColumnElement[bool]] = []
    for key, column, value, param, up in zip(keys, columns, values, bound, upward, strict=True):
        nullable = may_be_blank(model, key.column)
        beyond: sa.ColumnElement[bool] | None
        if value is None:
            beyond = column.is_not(None) if before else None
            same = column.is_(None)
        else:
            strictly = column > param if up else column < param
            beyond = sa.or_(strictly, column.is_(None)) if nullable and not before else strictly
            same = column == param
        if beyond is not None:
            alternatives.append(sa.and_(*equal_so_far, beyond))
        equal_so_far.append(same)
    found = sa.or_(*alternatives) if alternatives else sa.false()
    first_value, first_column = values[0], columns[0]
    if first_value is not None and not (may_be_blank(model, keys[0].column) and not before):
        # Every row beyond is at least as far as the first key's value: an index range to start from.
        found = sa.and_(first_column >= bound[0] if upward[0] else first_column <= bound[0], found)
    return found
