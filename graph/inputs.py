"""GraphQL input types derived from the record definitions: each type's filter, order,
create and update inputs. Registered in ``graph.types``' namespace (``__module__`` says so)
so that string annotations between generated classes resolve lazily there."""

from __future__ import annotations

from typing import Any, Optional

import strawberry
from strawberry import relay
from strawberry.types.unset import UNSET

from graph.names import a, snake
from graph.operators import IDFilter
from graph.types import (
    SortDirection,
    _columns,
    _description,
    _exposed_columns,
    _is_fk,
    _register,
    _scalar,
    operator_input,
)
from models.base import Record, ToMany, ToOne, column_meta


def build_filter(model: type[Record]) -> type:
    name = model.__entity__.type_name
    filter_name = f"{name}Filter"
    annotations: dict[str, Any] = {"id": Optional[IDFilter]}  # noqa: UP045
    namespace: dict[str, Any] = {
        "__module__": "graph.types",
        "id": strawberry.field(default=None, description="By global ID (按编号)"),
    }
    for column in _exposed_columns(model):
        if not column_meta(model, column).filterable:
            continue
        if column_meta(model, column).person:
            annotations[column] = Optional[IDFilter]  # noqa: UP045
            namespace[column] = strawberry.field(
                default=None, description=_description(model, column) + ": by the user's global ID"
            )
            continue
        annotations[column] = Optional[operator_input(model, column)]  # noqa: UP045
        namespace[column] = strawberry.field(default=None, description=_description(model, column))
    for relation in model.__entity__.relations:
        if isinstance(relation, ToOne):
            annotations[relation.fk] = Optional[IDFilter]  # noqa: UP045
            namespace[relation.fk] = strawberry.field(
                default=None, description=f"{relation.description}: by its global ID"
            )
    for relation in model.__entity__.relations:
        target = f"{relation.target}Filter"
        annotations[snake(relation.name)] = f"Optional[{target}]"
        how = (
            "has a related record matching"
            if isinstance(relation, ToMany)
            else "the related record matches"
        )
        namespace[snake(relation.name)] = strawberry.field(
            default=None, description=f"{relation.description}: {how} this filter"
        )
    if model.__entity__.scope == "path":
        annotations["within"] = Optional[relay.GlobalID]  # noqa: UP045
        namespace["within"] = strawberry.field(
            default=None,
            description=(
                "This organisation or anything below it, at any depth; an organisation you "
                "cannot see matches nothing (所属辖区，含下级)"
            ),
        )
    annotations["and_"] = f"Optional[list[{filter_name}]]"
    annotations["or_"] = f"Optional[list[{filter_name}]]"
    annotations["not_"] = f"Optional[{filter_name}]"
    namespace["and_"] = strawberry.field(
        default=None, name="and", description="All of these (并且)"
    )
    namespace["or_"] = strawberry.field(default=None, name="or", description="Any of these (或者)")
    namespace["not_"] = strawberry.field(default=None, name="not", description="Not this (不满足)")
    namespace["__annotations__"] = annotations
    cls = type(filter_name, (), namespace)
    return _register(strawberry.input(cls, description=f"Which {name} records to list (筛选条件)"))


def orderable_columns(model: type[Record]) -> list[str]:
    return ["id", *[c for c in _exposed_columns(model) if column_meta(model, c).orderable]]


def build_order(model: type[Record]) -> type:
    name = model.__entity__.type_name
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": "graph.types"}
    for column in orderable_columns(model):
        annotations[column] = Optional[SortDirection]  # noqa: UP045
        description = (
            "By creation order (按编号)" if column == "id" else _description(model, column)
        )
        if column != "id" and column_meta(model, column).pinyin:
            description += "; in pinyin order, as Excel and WPS sort Chinese (按拼音排序)"
        namespace[column] = strawberry.field(default=UNSET, description=description)
    namespace["__annotations__"] = annotations
    cls = type(f"{name}Order", (), namespace)
    return _register(
        strawberry.input(
            cls,
            one_of=True,
            description=f"One sort key for {name} lists; give a list for several (排序)",
        )
    )


def writable_columns(model: type[Record]) -> list[str]:
    return [c.name for c in _columns(model) if column_meta(model, c.name).writable]


def _input_scalar(model: type[Record], column: str) -> Any:
    if _is_fk(model.__table__.c[column]):  # type: ignore[attr-defined]
        return relay.GlobalID
    return _scalar(model, column)


def _required_on_create(model: type[Record], column: str) -> bool:
    table_column = model.__table__.c[column]  # type: ignore[attr-defined]
    derived = column == "organisation_id" and model.__entity__.scope_parent is not None
    return not table_column.nullable and model.model_fields[column].is_required() and not derived


def _input_description(model: type[Record], column: str) -> str:
    text = _description(model, column)
    if _is_fk(model.__table__.c[column]):  # type: ignore[attr-defined]
        text += "; the global ID of the related record"
    return text


def build_create_input(model: type[Record]) -> type:
    name = model.__entity__.type_name
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": "graph.types"}
    # Required fields first: the generated dataclass needs them before defaulted ones.
    columns = sorted(writable_columns(model), key=lambda c: not _required_on_create(model, c))
    for column in columns:
        scalar = _input_scalar(model, column)
        if _required_on_create(model, column):
            annotations[column] = scalar
            namespace[column] = strawberry.field(description=_input_description(model, column))
        else:
            annotations[column] = Optional[scalar]  # noqa: UP045
            namespace[column] = strawberry.field(
                default=UNSET, description=_input_description(model, column)
            )
    namespace["__annotations__"] = annotations
    cls = type(f"Create{name}Input", (), namespace)
    return _register(strawberry.input(cls, description=f"Fields of a new {name} (新建)"))


def build_update_input(model: type[Record]) -> type:
    name = model.__entity__.type_name
    annotations: dict[str, Any] = {"id": relay.GlobalID, "version": int}
    namespace: dict[str, Any] = {
        "__module__": "graph.types",
        "id": strawberry.field(description="The record to change (记录编号)"),
        "version": strawberry.field(
            description="The version you read; if someone saved since, the update is refused (版本号)"
        ),
    }
    for column in writable_columns(model):
        annotations[column] = Optional[_input_scalar(model, column)]  # noqa: UP045
        namespace[column] = strawberry.field(
            default=UNSET, description=_input_description(model, column) + " (omit to keep)"
        )
    namespace["__annotations__"] = annotations
    cls = type(f"Update{name}Input", (), namespace)
    return _register(
        strawberry.input(
            cls, description=f"Changes to {a(name)}; omitted fields stay as they are (修改)"
        )
    )
