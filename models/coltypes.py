"""Column types and labelled choices every record type uses (re-exported by models.base).

* :class:`UTCDateTime` — timezone-aware UTC timestamps on every database;
* :class:`Money` — exact decimals stored as whole hundredths (fen) in a BIGINT;
* :func:`enum_column` — choices stored by value in a VARCHAR, no native enum to migrate;
* :func:`labelled` / :func:`choice_label` — (Chinese, English) labels for choices.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database.

    SQLite has no timezone type and hands back naive values; attaching UTC on
    the way out keeps comparisons and ISO output identical on both databases.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


CENT = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """Yuan as an exact decimal, stored as whole fen (cents) in a BIGINT.

    SQLite has no exact decimal type; integers are exact everywhere, so sums
    and comparisons never pass through a float on either database.
    """

    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(
        self, value: Decimal | int | str | None, dialect: sa.Dialect
    ) -> int | None:
        if value is None:
            return None
        amount = Decimal(str(value))
        return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))

    def process_result_value(self, value: int | None, dialect: sa.Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(CENT)


def enum_column(enum_cls: type[enum.Enum]) -> sa.Enum:
    """Store an enum by its value in a VARCHAR: no native PostgreSQL enum to migrate."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


# -- choices with labels -----------------------------------------------------------

CHOICE_LABELS: dict[type[enum.Enum], dict[Any, tuple[str, str]]] = {}


E = TypeVar("E", bound=type[enum.Enum])


def labelled(labels: dict[str, tuple[str, str]]) -> Callable[[E], E]:
    """Attach (Chinese, English) labels to an enum's members, by member value."""

    def decorate(enum_cls: E) -> E:
        missing = {m.value for m in enum_cls} - set(labels)
        if missing:
            raise ValueError(f"{enum_cls.__name__} lacks labels for {sorted(missing)}")
        CHOICE_LABELS[enum_cls] = {enum_cls(v): label for v, label in labels.items()}
        return enum_cls

    return decorate


def choice_label(member: enum.Enum, lang: str = "zh") -> str:
    zh, en = CHOICE_LABELS[type(member)][member]
    return en if lang == "en" else zh


__all__ = [
    "CENT",
    "CHOICE_LABELS",
    "Money",
    "UTCDateTime",
    "choice_label",
    "enum_column",
    "labelled",
    "utcnow",
]
