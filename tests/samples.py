"""Records of any type from its declared sample (``EntityMeta.sample``): what the generated
tests (the access matrix) build, so a new record type needs no per-type fixture.

* :func:`values` — the sample's column values with a unique number ``n`` filled in;
* :func:`references` — the type's ToOne foreign keys, pointed at the records a test gives;
* :func:`graphql_input` — the same values as a ``Create<Type>Input``;
* :func:`update_column` — a column any writer of the type may change, chosen from the
  declaration and the policy.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from strawberry import relay

from hongfan import crud
from hongfan.policy import POLICY
from models.base import ENTITIES, Record, ToOne, column_meta
from models.rules import python_type

_numbers = itertools.count(1000)


def number() -> int:
    return next(_numbers)


def values(model: type[Record], n: int | None = None) -> dict[str, Any]:
    n = number() if n is None else n
    out: dict[str, Any] = {}
    for column, value in model.__entity__.sample.items():
        if callable(value):
            out[column] = value(n)
        elif isinstance(value, str):
            out[column] = value.format(n=n)
        else:
            out[column] = value
    return out


def to_one(model: type[Record]) -> list[ToOne]:
    """The references a new record of ``model`` is given (not the ones derived from a parent)."""
    writable = set(crud.writable_columns(model))
    parent = model.__entity__.scope_parent
    return [
        r
        for r in model.__entity__.relations
        if isinstance(r, ToOne)
        and r.fk in writable
        and not (parent is not None and r.fk == "organisation_id")
    ]


def references(model: type[Record], pick: Callable[[ToOne], Record | None]) -> dict[str, Any]:
    """fk → id of the record ``pick`` chooses for each reference (None: left out)."""
    out: dict[str, Any] = {}
    for relation in to_one(model):
        record = pick(relation)
        if record is not None:
            out[relation.fk] = record.id
    return out


def dependency_order(skip: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Every record type after the types it refers to."""
    done: list[str] = []
    pending = [t for t in ENTITIES if t not in skip]
    while pending:
        for type_name in pending:
            needs = {r.target for r in to_one(ENTITIES[type_name])} - {type_name} - set(skip)
            if needs <= set(done):
                done.append(type_name)
                pending.remove(type_name)
                break
        else:
            raise AssertionError(f"reference cycle among {pending}")
    return done


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def graphql_value(model: type[Record], column: str, value: Any) -> Any:
    kind = python_type(model, column)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value).name
    if isinstance(value, date | Decimal):
        return str(value)
    return value


def graphql_input(model: type[Record], data: Mapping[str, Any]) -> dict[str, Any]:
    """Column values as GraphQL input: camelCase, enum names, global IDs for references."""
    targets = {r.fk: r.target for r in model.__entity__.relations if isinstance(r, ToOne)}
    out: dict[str, Any] = {}
    for column, value in data.items():
        if column in targets and value is not None:
            out[_camel(column)] = str(relay.GlobalID(targets[column], str(value)))
        else:
            out[_camel(column)] = graphql_value(model, column, value)
    return out


def update_column(model: type[Record]) -> tuple[str, str]:
    """(camelCase field, new value): a plain optional text column outside the natural key;
    one partners may change when the policy lets them change any."""
    meta = model.__entity__
    table = model.__table__  # type: ignore[attr-defined]
    partner = POLICY[meta.type_name].partner_writable
    fks = {r.fk for r in meta.relations if isinstance(r, ToOne)}
    texts = [
        c
        for c in table.columns
        if c.name in crud.writable_columns(model)
        and python_type(model, c.name) is str
        and not column_meta(model, c.name).sensitive
        and not column_meta(model, c.name).checks
        and not c.unique
        and c.name not in fks
    ]
    # best an optional column outside the natural key, then any outside it, then any
    candidates = (
        [c.name for c in texts if c.nullable and c.name not in meta.natural_key]
        or [c.name for c in texts if c.name not in meta.natural_key]
        or [c.name for c in texts]
    )
    preferred = [c for c in candidates if c in partner] or candidates
    assert preferred, f"{meta.type_name} has no optional text column to update in tests"
    return _camel(preferred[0]), "新值"
