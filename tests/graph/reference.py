"""A reference model of the query language: what a list request must answer, in plain Python.

Small and obvious on purpose; ``tests/graph/test_differential.py`` checks Hongfan against it.

- **Rows a caller sees** (the policy, restated): live rows (not soft-deleted, and not part
  of a soft-deleted owner — a deleted student's grants), of the caller's scope: all for a
  superadmin, the organisation subtree for staff bound to one (by the organisation's
  materialised path, deleted organisations included), and for every caller, signed in or
  not, the published rows of the public types.
- **Filters**: SQL's three-valued logic is made explicit in :func:`sql_compare`: a
  comparison with NULL is *unknown* (``None``). A field condition holds only when its
  comparison is *true*, so every filter object is two-valued and denotes a set of rows:
  ``and`` intersects, ``or`` unites (an empty ``or`` is empty), ``not`` is the complement.
  ``ne``/``notIn`` mean "not this value" and so hold for blanks; ``isNull`` tests for them.
- **Relations**: a to-one filter holds when the linked row is visible to the caller and
  matches; a to-many filter when *some* visible related row matches. So ``not`` of a
  to-many filter means "no related row matches", including when there are none.
- **Order**: the ``orderBy`` keys, then the id ascending; blanks last in either direction;
  names by their stored pinyin sort key. **Pages**: the first ``first`` rows after the
  cursor's row in that order; ``hasNextPage`` when more follow.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from models import ENTITIES
from models.base import ToMany, ToOne
from models.pinyin import sort_column

PUBLIC = {"Organisation", "ServiceSite", "Course", "Company"}


@dataclass(frozen=True)
class Caller:
    kind: str  # "all" | "subtree" | "partner" | "anonymous"
    path: str | None = None
    company_id: int | None = None  # a partner's company


@dataclass
class World:
    """Every row of every type, as column → Python value (deleted rows included)."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def row(self, type_name: str, pk: int | None) -> dict[str, Any] | None:
        return next((r for r in self.rows.get(type_name, []) if r["id"] == pk), None)

    # -- who sees what ---------------------------------------------------------------

    def live(self, type_name: str, row: dict[str, Any]) -> bool:
        if row["deleted_at"] is not None:
            return False
        for relation in ENTITIES[type_name].__entity__.relations:
            if (
                isinstance(relation, ToOne)
                and relation.on_delete == "cascade"
                and row[relation.fk] is not None
            ):
                owner = self.row(relation.target, row[relation.fk])
                if owner is None or owner["deleted_at"] is not None:
                    return False
        return True

    def in_scope(self, caller: Caller, type_name: str, row: dict[str, Any]) -> bool:
        if caller.kind == "all":
            return True
        if type_name in PUBLIC and row.get("published"):
            return True  # public rows: everyone reads them, signed in or not
        if caller.kind == "partner":  # its own company (its interns are not modelled here)
            return type_name == "Company" and row["id"] == caller.company_id
        if caller.kind == "anonymous":
            return False
        assert caller.path is not None
        organisation = (
            row if type_name == "Organisation" else self.row("Organisation", row["organisation_id"])
        )
        return organisation is not None and str(organisation["path"]).startswith(caller.path)

    def visible(self, caller: Caller, type_name: str) -> list[dict[str, Any]]:
        return [
            r
            for r in self.rows.get(type_name, [])
            if self.live(type_name, r) and self.in_scope(caller, type_name, r)
        ]

    # -- filters ----------------------------------------------------------------------

    def matches(
        self, caller: Caller, type_name: str, row: dict[str, Any], where: dict[str, Any] | None
    ) -> bool:
        """True when ``row`` is in the set the filter object ``where`` denotes."""
        if not where:
            return True
        relations = {r.name: r for r in ENTITIES[type_name].__entity__.relations}
        for key, value in where.items():
            if key == "and":
                holds = all(self.matches(caller, type_name, row, part) for part in value)
            elif key == "or":
                holds = any(self.matches(caller, type_name, row, part) for part in value)
            elif key == "not":
                holds = not self.matches(caller, type_name, row, value)
            elif key == "within":  # the organisation named (if visible) or anything below it
                anchor = [
                    r for r in self.visible(caller, "Organisation") if r["id"] == global_pk(value)
                ]
                holds = bool(anchor) and str(row["path"]).startswith(anchor[0]["path"])
            elif key in relations:
                holds = self.related_match(caller, relations[key], row, value)
            else:
                column = snake(key)
                holds = all(
                    sql_compare(row[column], op, operand) is True for op, operand in value.items()
                )
            if not holds:
                return False
        return True

    def related_match(
        self, caller: Caller, relation: ToOne | ToMany, row: dict[str, Any], where: dict[str, Any]
    ) -> bool:
        candidates = self.visible(caller, relation.target)
        if isinstance(relation, ToOne):
            linked = [r for r in candidates if r["id"] == row[relation.fk]]
        else:
            linked = [r for r in candidates if r[relation.fk] == row["id"]]
        return any(self.matches(caller, relation.target, r, where) for r in linked)

    # -- lists ------------------------------------------------------------------------

    def matching(
        self,
        caller: Caller,
        type_name: str,
        where: dict[str, Any] | None,
        order: list[tuple[str, str]],
    ) -> list[dict[str, Any]]:
        rows = [
            r for r in self.visible(caller, type_name) if self.matches(caller, type_name, r, where)
        ]
        model = ENTITIES[type_name]
        keys = [(sort_column(model, snake(name)), direction) for name, direction in order] + [
            ("id", "ASC")
        ]

        def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
            for column, direction in keys:
                x, y = a[column], b[column]
                if x == y:
                    continue
                if x is None:  # blanks last, whatever the direction
                    return 1
                if y is None:
                    return -1
                less = x < y
                return (-1 if less else 1) * (1 if direction == "ASC" else -1)
            return 0

        return sorted(rows, key=functools.cmp_to_key(compare))


def sql_compare(value: Any, op: str, operand: Any) -> bool | None:
    """One operator, with SQL's three-valued logic: None is *unknown*."""
    if op == "isNull":
        return (value is None) is bool(operand)
    if op == "ne":
        return True if value is None else value != convert(value, operand)
    if op == "notIn":
        return True if value is None else value not in [convert(value, o) for o in operand]
    if value is None:
        return None  # comparing with a blank: unknown
    if op == "eq":
        return bool(value == convert(value, operand))
    if op == "in":
        return value in [convert(value, o) for o in operand]
    if op == "contains":
        return operand.lower() in value.lower()
    if op == "startsWith":
        return bool(value.startswith(operand))
    order = {
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
    }
    return bool(order[op](value, convert(value, operand)))


def convert(value: Any, operand: Any) -> Any:
    """An operand as GraphQL gives it (text for dates and money) in the row value's type."""
    import datetime

    if isinstance(value, Decimal):
        return Decimal(operand)
    if isinstance(value, datetime.date) and isinstance(operand, str):
        return datetime.date.fromisoformat(operand)
    return operand


def snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def global_pk(global_id: str) -> int:
    import base64

    return int(base64.b64decode(global_id).decode().split(":")[1])
