"""A generic scoped aggregate over one record type, compiled to one statement (#16.8).

``count``, and ``sum``/``min``/``max`` of numeric columns, grouped by up to two columns that
take few values — a choice (enumerated), a year, or the organisation — under the caller's
row scope: the statement selects from the ORM entity, so the session hook adds the row
criteria and soft delete as for any list. Only columns the caller may read in clear, and
never personal data (a family category's distribution is not a figure to hand out), can
be grouped or measured.

For example students by graduation year, or grants by year and organisation with their sum::

    await aggregate(session.execute, principal, Grant, group_by=["year"],
                    measures=[Measure("count"), Measure("sum", "amount")])

Not yet exposed in GraphQL: the surface (a ``<type>Aggregate`` field per type) is what is left.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa

from hongfan import access
from hongfan.principal import Principal
from models.base import Money, Record, column_meta

Execute = Callable[[Any], Awaitable[Any]]
Op = Literal["count", "sum", "min", "max"]
MAX_GROUPS = 2


class AggregateError(ValueError):
    """A group or measure the type does not offer, or the caller may not read.

    ``groups``, for a group that cannot be, are the columns that can (to tell the caller)."""

    def __init__(self, text: str, groups: Sequence[str] | None = None) -> None:
        super().__init__(text)
        self.groups = groups


@dataclass(frozen=True)
class Measure:
    op: Op
    column: str | None = None  # None only for count

    @property
    def key(self) -> str:
        return self.op if self.column is None else f"{self.op}_{self.column}"


def groupable(model: type[Record], column: str) -> bool:
    """A choice, a year or the organisation: few distinct values, so few groups."""
    table = model.__table__  # type: ignore[attr-defined]
    if column not in table.c:
        return False
    c = table.c[column]
    if column == "organisation_id":
        return True
    if isinstance(c.type, sa.Enum):
        return True
    return isinstance(c.type, sa.Integer) and column.endswith("year")


def group_keys(principal: Principal, model: type[Record]) -> list[str]:
    """The columns ``principal`` may group ``model`` by, in table order."""
    table = model.__table__  # type: ignore[attr-defined]
    return [
        c.name for c in table.c if groupable(model, c.name) and _readable(principal, model, c.name)
    ]


def measurable(model: type[Record], column: str) -> bool:
    table = model.__table__  # type: ignore[attr-defined]
    if column not in table.c or column == "id" or column.endswith("_id"):
        return False
    return isinstance(table.c[column].type, sa.Integer | sa.Numeric | Money)


def _readable(principal: Principal, model: type[Record], column: str) -> bool:
    """Read in clear by the caller, and not personal data (whose every read is audited)."""
    return (
        access.can_read_column(principal, model, column)
        and not column_meta(model, column).sensitive
    )


def statement(
    principal: Principal,
    model: type[Record],
    *,
    group_by: Sequence[str],
    measures: Sequence[Measure],
    where: sa.ColumnElement[bool] | None = None,
) -> sa.Select[Any]:
    """The one statement: ``SELECT groups…, measures… FROM <type> [WHERE …] GROUP BY groups``."""
    if len(group_by) > MAX_GROUPS:
        raise AggregateError(f"at most {MAX_GROUPS} groups")
    if not measures:
        raise AggregateError("no measure")
    for column in group_by:
        if not groupable(model, column) or not _readable(principal, model, column):
            raise AggregateError("cannot group by this field", group_keys(principal, model))
    selected: list[Any] = [getattr(model, c).label(c) for c in group_by]
    for m in measures:
        if m.op == "count":
            selected.append(sa.func.count(model.id).label(m.key))  # type: ignore[arg-type]
            continue
        if (
            m.column is None
            or not measurable(model, m.column)
            or not _readable(principal, model, m.column)
        ):
            raise AggregateError(f"cannot {m.op} {m.column}")
        raw = model.__table__.c[m.column]  # type: ignore[attr-defined]
        column = getattr(model, m.column)
        # A sum of Money is of whole fen: BigInteger, turned to yuan in Python, exactly.
        kind = sa.BigInteger() if isinstance(raw.type, Money) else raw.type
        selected.append(getattr(sa.func, m.op)(column, type_=kind).label(m.key))
    built = sa.select(*selected).group_by(*[getattr(model, c) for c in group_by])
    if where is not None:
        built = built.where(where)
    return built.order_by(*[getattr(model, c) for c in group_by])


async def aggregate(
    execute: Execute,
    principal: Principal,
    model: type[Record],
    *,
    group_by: Sequence[str] = (),
    measures: Sequence[Measure] = (Measure("count"),),
    where: sa.ColumnElement[bool] | None = None,
) -> list[dict[str, Any]]:
    """One row per group: the group values and each measure (Money in yuan, exact)."""
    built = statement(principal, model, group_by=group_by, measures=measures, where=where)
    money = {
        m.key
        for m in measures
        if m.column is not None and isinstance(model.__table__.c[m.column].type, Money)  # type: ignore[attr-defined]
    }
    rows = []
    for row in (await execute(built)).all():
        values = dict(row._mapping)
        for key in money:
            if values[key] is not None:
                values[key] = (Decimal(values[key]) / 100).quantize(Decimal("0.01"))
        for key in group_by:
            if isinstance(values[key], enum.Enum):
                values[key] = values[key].value
        rows.append(values)
    return rows


__all__ = ["AggregateError", "Measure", "aggregate", "groupable", "measurable", "statement"]
