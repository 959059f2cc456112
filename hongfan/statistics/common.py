"""The shared vocabulary of the network statistics: figures, districts, the tallies' scope.

What every concern of :mod:`hongfan.statistics` (records, grants, instructors, activities)
builds on: the value types the surfaces read, how the tallies answer for a caller
(:func:`tally_scope`), and the SQL that puts an organisation's path in its district.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import col as sql_col

from hongfan import access
from hongfan.policy import Rows
from hongfan.principal import Principal
from models.base import CENT, Record
from models.organisations import Organisation
from models.practice import Company, Internship
from models.scholarships import ScholarshipStudent
from models.sites import ServiceSite
from models.training import Course

# "each community should end up with at least two qualified instructors"
INSTRUCTORS_PER_COMMUNITY = 2

TOTALS: dict[str, type[Record]] = {
    "organisations": Organisation,
    "service_sites": ServiceSite,
    "courses": Course,
    "scholarship_students": ScholarshipStudent,
    "companies": Company,
    "internships": Internship,
}

Execute = Callable[[Any], Awaitable[Any]]


def fen_to_yuan(value: int | Decimal | str | None) -> Decimal:
    """A sum of fen (an int on SQLite, a Decimal on PostgreSQL, None over no rows) in yuan.

    Exact: never passes through a float. ``350050`` → ``Decimal("3500.50")``.
    """
    if value is None:
        return Decimal("0.00")
    fen = Decimal(value) if not isinstance(value, Decimal) else value
    if fen != fen.to_integral_value():
        raise ValueError(f"a sum of fen must be whole, got {value!r}")
    return (fen / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def path_ids(path: str | None) -> list[int]:
    """The ids of a materialised path, root first: ``/1/7/12/`` → ``[1, 7, 12]``."""
    return [int(part) for part in (path or "").split("/") if part]


@dataclasses.dataclass(frozen=True)
class District:
    id: int
    name: str
    path: str


@dataclasses.dataclass(frozen=True)
class GrantFigure:
    year: int
    students: int
    amount: Decimal
    grants: int | None = None  # live grant rows (a student may have two in a year)


@dataclasses.dataclass(frozen=True)
class Community:
    id: int
    name: str
    district: District | None
    qualified: int

    @property
    def lacking(self) -> bool:
        return self.qualified < INSTRUCTORS_PER_COMMUNITY


@dataclasses.dataclass(frozen=True)
class Everything:
    """Tallies of every organisation count (superadmins, the system)."""


@dataclasses.dataclass(frozen=True)
class Published:
    """Every row of the organisations at ``path`` and below (None: none), and the published
    rows of the public types everywhere else: what a signed-in staff member reads (its scope
    and the public rows) or, without a path, a partner or the public (published rows)."""

    path: str | None


TallyScope = Everything | str | Published  # str: the caller's organisation path

# The figure counting the published rows of a figure's rows (models.tallies).
PUBLISHED_FIGURES = {"rows": "published_rows", "site_kind": "published_site_kind"}


def tally_scope(principal: Principal, models: Iterable[type[Record]]) -> TallyScope | None:
    """How the tallies answer for ``principal`` over ``models``; None: they cannot."""
    models = list(models)
    rules = {access.row_rule(principal, model) for model in models}
    if rules == {Rows.ALL}:
        return Everything()
    if rules == {Rows.PUBLISHED} and all(access.public_rule(m) is Rows.PUBLISHED for m in models):
        return Published(None)  # a partner or the public: the published rows
    if rules == {Rows.SUBTREE} and principal.organisation_path:
        if not any(access.reads_beyond_scope(principal, model) for model in models):
            return principal.organisation_path
        # Its scope plus the published rows elsewhere: tallied apart for the public types
        # whose public rows are their own published ones.
        if all(access.public_rule(m) in (None, Rows.PUBLISHED) for m in models):
            return Published(principal.organisation_path)
    return None


def within(column: Any, scope: TallyScope) -> list[sa.ColumnElement[bool]]:
    """Conditions keeping the tally rows of organisations whose every row the scope reads."""
    path = scope.path if isinstance(scope, Published) else scope
    if isinstance(path, str):
        return [column.in_(access.subtree_ids(path))]
    if isinstance(scope, Published):
        return [sa.false()]
    return []


def district_case(districts: Iterable[District], path: Any) -> sa.ColumnElement[Any]:
    """SQL for the id of the outermost listed district whose subtree holds ``path``, else
    NULL (``districts`` in path order, as :meth:`FiguresBase.districts` lists them)."""
    return sa.case(
        *[(path.startswith(d.path), sa.literal(d.id)) for d in districts], else_=sa.null()
    )


def in_districts(
    districts: Iterable[District], model: type[Record], *columns: Any
) -> sa.Select[Any]:
    """``SELECT district_id, *columns FROM model JOIN organisation``: each row of ``model``
    with the id of the district holding its organisation (NULL outside every district).
    Selecting from the ORM entities keeps the caller's row scope on both tables."""
    organisation_id = model.__table__.c.organisation_id  # type: ignore[attr-defined]
    return (
        sa.select(
            district_case(districts, sql_col(Organisation.path)).label("district_id"), *columns
        )
        .select_from(model)
        .join(Organisation, sql_col(Organisation.id) == organisation_id)
    )


def organisations_table() -> sa.Table:
    return Organisation.__table__  # type: ignore[attr-defined,no-any-return]


def district_of(path: str | None, districts: dict[int, District]) -> District | None:
    for organisation_id in path_ids(path):
        district = districts.get(organisation_id)
        if district is not None:
            return district
    return None
