"""Cell text into column values: the spellings real sheets use, and the Excel mishaps they carry."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from hongfan import access
from hongfan.principal import Principal
from hongfan.transfer.cells import SCIENTIFIC
from hongfan.transfer.names import clean_name, level_value, match_key, short_name
from models.base import Record, column_meta
from models.rules import Invalid as InvalidValue
from models.rules import check_column, coerce, python_type

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# Columns whose values are long codes Excel mangles when it stores them as numbers.
CODE_CHECKS = {"national_id", "credit_code", "mobile"}
NAME_COLUMNS = {"name", "title", "official_name"}


class ExcelNumber(ValueError):
    """A code column that Excel stored as a number (and so lost digits of)."""


@cache
def is_code_column(model: type[Record], column: str) -> bool:
    meta = column_meta(model, column)
    return bool(CODE_CHECKS & set(meta.checks)) or column in ("code", "id_number", "credit_code")


def prepare_text(model: type[Record], column: str, text: str | None) -> Any:
    """Spreadsheet spellings that :func:`models.rules.coerce` does not know; ExcelNumber on 3.5E+17."""
    if text is None:
        return None
    if is_code_column(model, column) and SCIENTIFIC.match(text):
        raise ExcelNumber(text)
    target = python_type(model, column)
    if column in NAME_COLUMNS and target is str:
        return clean_name(text) or None
    if column == "level" and model.__entity__.type_name == "Organisation":
        return level_value(text) or text
    if target is date:
        match = _DATE.match(text) or _COMPACT_DATE.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return f"{year:04d}-{month:02d}-{day:02d}"
        return text.removesuffix(" 00:00:00")
    if target is Decimal:
        return text.replace("¥", "").replace("￥", "").removesuffix("元").strip()
    return text


def normalised(model: type[Record], column: str, value: Any) -> tuple[bool, Any]:
    """(ok, value as crud would store it), without raising."""
    try:
        coerced = coerce(model, column, value)
    except InvalidValue:
        return False, None
    coerced, problem = check_column(model, column, coerced)
    if problem is not None and coerced is not None:
        return False, None
    return True, coerced


def key_part(model: type[Record], column: str, value: Any) -> tuple[bool, Any]:
    """A natural-key value for matching: names by :func:`match_key` of their short form."""
    if isinstance(value, int) and not isinstance(value, bool):
        return True, value
    ok, stored = normalised(model, column, value)
    if ok and column in NAME_COLUMNS and isinstance(stored, str):
        return True, match_key(short_name(match_key(stored)))
    return ok, stored


def clear_to_caller(principal: Principal, model: type[Record], column: str) -> bool:
    """True when the caller sees the column's stored value unchanged (not masked, not hidden)."""
    return access.can_read_column(principal, model, column)


def changes(
    principal: Principal, model: type[Record], existing: Any, data: dict[str, Any]
) -> dict[str, Any]:
    """The values of ``data`` that differ from the stored record (what an update sends)."""
    table = model.__table__  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for column, value in data.items():
        current = getattr(existing, column)
        if not clear_to_caller(principal, model, column):
            # A masked or hidden column: blank or the masked value itself means "keep";
            # anything else is sent as a change without comparing it with the stored
            # value, so that "unchanged" never confirms a guess at a masked value.
            shown = access.present(principal, model, column, current)
            if value is None or (shown is not None and str(value) == str(shown)):
                continue
            out[column] = value
            continue
        if value is None and not table.c[column].nullable:
            continue  # a blank cell cannot clear a required column: keep the stored value
        if column in NAME_COLUMNS and isinstance(value, str) and isinstance(current, str):
            if match_key(value) == match_key(current) or (
                column == "name" and short_name(value) == current
            ):
                continue  # the same name spelled with other blanks, or its official form
        ok, value_normalised = normalised(model, column, value)
        if ok and value_normalised == current:
            continue
        out[column] = value
    return out


__all__ = [
    "ExcelNumber",
    "changes",
    "clear_to_caller",
    "is_code_column",
    "key_part",
    "normalised",
    "prepare_text",
]
