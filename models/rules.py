"""Domain rules: value coercion, per-column checks and cross-field checks.

Columns name their checks in their metadata (``col(..., checks=(...))``) and
record types name their cross-field checks in ``EntityMeta.record_checks``;
this module holds the implementations, so every surface validates alike.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel.sql.sqltypes import AutoString

from models.base import Money, Record, UTCDateTime, column_meta
from models.sealed import Sealed
from models.validators import (
    check_credit_code,
    check_mobile,
    check_national_id,
    check_text,
    national_id_gender,
    normalise_credit_code,
    normalise_mobile,
    normalise_national_id,
    remove_zero_width,
)

# (field, code, params)
Problem = tuple[str, str, dict[str, Any]]

MIN_YEAR, MAX_YEAR = 1950, 2100


class Invalid(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# -- coercion ------------------------------------------------------------------------


@cache  # static per (model, column)
def python_type(model: type[Record], name: str) -> type:
    column_type = model.__table__.c[name].type  # type: ignore[attr-defined]
    if isinstance(column_type, Money):
        return Decimal
    if isinstance(column_type, UTCDateTime):
        return datetime
    if isinstance(column_type, sa.Enum) and column_type.enum_class is not None:
        return column_type.enum_class  # type: ignore[no-any-return]
    if isinstance(column_type, Sealed):
        return column_type.enum_cls or str
    if isinstance(column_type, sa.String | AutoString):
        return str
    return column_type.python_type  # type: ignore[no-any-return]


def coerce(model: type[Record], name: str, value: Any) -> Any:
    """Turn what a form, a spreadsheet or GraphQL sent into the column's type.

    Blank strings mean "no value". Raises :class:`Invalid` with a message code.
    """
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return None
    if value is None:
        return None
    target = python_type(model, name)
    try:
        if target is bool:
            if isinstance(value, bool):
                return value
            text = str(value).lower()
            if text in {"1", "true", "yes", "y", "是", "已发布", "√"}:
                return True
            if text in {"0", "false", "no", "n", "否", "未发布", "×"}:
                return False
            raise Invalid("invalid_choice", choices="是, 否")
        if target is int:
            if isinstance(value, bool):
                raise Invalid("integer")
            if isinstance(value, float) and not value.is_integer():
                raise Invalid("integer")
            return int(str(value).removesuffix(".0")) if not isinstance(value, int) else value
        if target is Decimal:
            if isinstance(value, float):
                # A float may already have lost the fen; go through its shortest repr.
                value = repr(value)
            amount = Decimal(str(value).replace(",", "").replace("，", ""))
            if not amount.is_finite():
                raise Invalid("decimal")
            return amount
        if target is date:
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            text = str(value).replace("/", "-").replace(".", "-")
            for suffix in (" 00:00:00",):
                text = text.removesuffix(suffix)
            return date.fromisoformat(text)
        if target is datetime:
            return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if isinstance(target, type) and issubclass(target, enum.Enum):
            return _coerce_choice(target, value)
        if target is str:
            return str(value)
    except Invalid:
        raise
    except (ValueError, InvalidOperation, TypeError):
        raise Invalid(_type_code(target)) from None
    return value


def _type_code(target: type) -> str:
    if target is int:
        return "integer"
    if target is Decimal:
        return "decimal"
    if target in (date, datetime):
        return "date"
    return "invalid_choice"


def _coerce_choice(enum_cls: type[enum.Enum], value: Any) -> enum.Enum:
    from models.base import CHOICE_LABELS

    if isinstance(value, enum_cls):
        return value
    text = str(value)
    for member in enum_cls:
        zh, en = CHOICE_LABELS.get(enum_cls, {}).get(member, ("", ""))
        if text in {member.value, member.name, zh, en} or text.lower() == member.value:
            return member
    # Office sheets shorten long labels (建档立卡 for 建档立卡贫困家庭): a beginning that
    # names exactly one choice is that choice; an ambiguous one stays an error.
    text = text.strip()
    if len(text) >= 2:
        starting = [
            member
            for member in enum_cls
            if CHOICE_LABELS.get(enum_cls, {}).get(member, ("", ""))[0].startswith(text)
        ]
        if len(starting) == 1:
            return starting[0]
    labels = [CHOICE_LABELS.get(enum_cls, {}).get(m, (m.value, m.value))[0] for m in enum_cls]
    raise Invalid("invalid_choice", choices="、".join(labels))


# -- column checks ----------------------------------------------------------------

Normaliser = Callable[[Any], Any]
Check = Callable[[Any], str | None]


def _phone_or_landline(value: str) -> str | None:
    compact = value.replace(" ", "").replace("-", "")
    if check_mobile(value) is None:
        return None
    if compact.isdigit() and compact.startswith("0") and 10 <= len(compact) <= 12:
        return None
    return "phone.format"


def _year(value: int) -> str | None:
    return None if MIN_YEAR <= value <= MAX_YEAR else "year.range"


def _money(value: Decimal) -> str | None:
    # The size first: quantize() fails on 1e309 (more digits than the context holds).
    if not value.is_finite():
        return "money.format"
    if value < 0:
        return "money.negative"
    if value >= Decimal("1e10"):
        return "money.too_large"
    if value != value.quantize(Decimal("0.01")):
        return "money.decimals"
    return None


def _score(value: int) -> str | None:
    if value < 0:
        return "min_value"
    return "max_value" if value > 100 else None


def _non_negative(value: int) -> str | None:
    return "min_value" if value < 0 else None


COLUMN_CHECKS: dict[str, tuple[Normaliser | None, Check]] = {
    "national_id": (normalise_national_id, check_national_id),
    "mobile": (normalise_mobile, check_mobile),
    "phone_or_landline": (None, _phone_or_landline),
    "credit_code": (normalise_credit_code, check_credit_code),
    "year": (None, _year),
    "money": (lambda v: v, _money),
    "score": (None, _score),
    "non_negative": (None, _non_negative),
}

CHECK_PARAMS: dict[str, dict[str, Any]] = {
    "year.range": {"min": MIN_YEAR, "max": MAX_YEAR},
    "score:min_value": {"min": 0},
    "score:max_value": {"max": 100},
    "non_negative:min_value": {"min": 0},
}


def check_column(model: type[Record], name: str, value: Any) -> tuple[Any, Problem | None]:
    """Normalise ``value`` and run the column's checks; returns (value, problem)."""
    meta = column_meta(model, name)
    column = model.__table__.c[name]  # type: ignore[attr-defined]
    if value is None:
        if not column.nullable and not column.primary_key and name not in _DERIVED:
            return value, (name, "required", {})
        return value, None
    length = getattr(column.type, "length", None)
    if isinstance(value, str):
        value = remove_zero_width(value)
        if length and len(value) > length:
            return value, (name, "too_long", {"max": length})
        text_problem = check_text(value)
        if text_problem is not None:
            return value, (name, text_problem, {})
    elif isinstance(value, int) and not isinstance(value, bool):
        low, high = integer_range(model, name)
        if not low <= value <= high:
            return value, (name, "value.out_of_range", {})
    elif isinstance(value, Decimal | float) and not _finite(value):
        return value, (name, "value.not_finite", {})
    for check_name in meta.checks:
        normalise, check = COLUMN_CHECKS[check_name]
        if normalise is not None and isinstance(value, str):
            value = normalise(value)
        code = check(value)
        if code is not None:
            params = CHECK_PARAMS.get(f"{check_name}:{code}", CHECK_PARAMS.get(code, {}))
            return value, (name, code, params)
    return value, None


def _finite(value: Decimal | float) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


@cache  # static per (model, column)
def integer_range(model: type[Record], name: str) -> tuple[int, int]:
    """The values an integer column can hold (PostgreSQL's sizes; SQLite holds more)."""
    column_type = model.__table__.c[name].type  # type: ignore[attr-defined]
    bits = (
        64
        if isinstance(column_type, sa.BigInteger)
        else 16
        if isinstance(column_type, sa.SmallInteger)
        else 32
    )
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


# Filled in by the write path rather than by the caller.
_DERIVED = {"organisation_id", "path", "created_at", "updated_at", "version"}


# -- record checks ----------------------------------------------------------------


def _start_end_dates(row: Mapping[str, Any]) -> Problem | None:
    start, end = row.get("start_date"), row.get("end_date")
    if start is not None and end is not None and end < start:
        return ("end_date", "date_range.end_before_start", {})
    return None


def _graduation_after_enrolment(row: Mapping[str, Any]) -> Problem | None:
    start, end = row.get("enrolment_year"), row.get("graduation_year")
    if start is not None and end is not None and end < start:
        return ("graduation_year", "year.graduation_before_enrolment", {})
    return None


def _id_number_matches_gender(row: Mapping[str, Any]) -> Problem | None:
    id_number, gender = row.get("id_number"), row.get("gender")
    if not id_number or gender is None or check_national_id(id_number) is not None:
        return None
    if national_id_gender(id_number) != str(getattr(gender, "value", gender)):
        return ("gender", "id_number.gender_mismatch", {})
    return None


RECORD_CHECKS: dict[str, Callable[[Mapping[str, Any]], Problem | None]] = {
    "start_end_dates": _start_end_dates,
    "graduation_after_enrolment": _graduation_after_enrolment,
    "id_number_matches_gender": _id_number_matches_gender,
}


def check_record(model: type[Record], row: Mapping[str, Any]) -> list[Problem]:
    problems = []
    for name in model.__entity__.record_checks:
        problem = RECORD_CHECKS[name](row)
        if problem is not None:
            problems.append(problem)
    return problems
