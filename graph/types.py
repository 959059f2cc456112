"""GraphQL types derived from the record definitions in ``models``.

For each record type this module builds, from its one declaration: the object
type (a Relay node), its connection and edge, its filter and order inputs, its
create/update inputs and its mutation payload. Generated classes live in this
module's namespace so that string annotations between them resolve lazily,
whatever order they are built in.
"""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass
from typing import Any, Optional

import strawberry
from strawberry import relay
from strawberry.utils.str_converters import to_camel_case

from graph import people
from graph.enums import gql_enum
from graph.names import a, snake
from graph.operators import OPERATOR_INPUT, PinyinStringFilter
from hongfan import access
from models.base import ENTITIES, Record, column_meta
from models.pinyin import derived_from
from models.rules import python_type

_NAMESPACE = sys.modules[__name__].__dict__


def field_name(column: str) -> str:
    """The public (camelCase) name of a column, as field errors report it."""
    return to_camel_case(column)


def sensitive_slot(column: str) -> str:
    """Where a node keeps a sensitive column's value until the field is resolved."""
    return f"{column}_value"


def _register(cls: type) -> type:
    _NAMESPACE[cls.__name__] = cls
    return cls


@strawberry.type(description="A problem with one input field (字段错误)")
class FieldError:
    field: str | None = strawberry.field(
        description="The input field, camelCase as in the input (idNumber); null when the error is about the whole record, e.g. not allowed (出错字段)"
    )
    code: str = strawberry.field(description="A stable machine-readable code (错误代码)")
    message: str = strawberry.field(
        description="What is wrong, in the caller's language (错误说明)"
    )


@strawberry.enum(description="Sort direction; nulls always come last (排序方向)")
class SortDirection(enum.Enum):
    ASC = "asc"
    DESC = "desc"


# -- per-type facts --------------------------------------------------------------


@dataclass(frozen=True)
class GraphEntity:
    """The generated GraphQL classes of one record type."""

    model: type[Record]
    node: type
    connection: type
    edge: type
    filter: type
    order: type
    create_input: type
    update_input: type
    payload: type
    payload_field: str  # python name of the record field on the payload


GRAPH: dict[str, GraphEntity] = {}


def _columns(model: type[Record]) -> list[Any]:
    # Derived pinyin columns (models.pinyin) are storage for ordering and search, not fields.
    return [c for c in model.__table__.columns if not derived_from(c)]  # type: ignore[attr-defined]


def _is_fk(column: Any) -> bool:
    return bool(column.foreign_keys)


def _exposed_columns(model: type[Record]) -> list[str]:
    """Data columns shown as plain fields: foreign keys appear as relations instead."""
    return [c.name for c in _columns(model) if c.name not in {"id", "path"} and not _is_fk(c)]


def _private_columns(model: type[Record]) -> list[str]:
    return [c.name for c in _columns(model) if _is_fk(c) or c.name == "path"]


def _scalar(model: type[Record], column: str) -> Any:
    target = python_type(model, column)
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return gql_enum(target)
    return target


def _enum_filter(enum_cls: type[enum.Enum]) -> type:
    name = f"{enum_cls.__name__}Filter"
    if name in _NAMESPACE:
        return _NAMESPACE[name]  # type: ignore[no-any-return]
    gql = gql_enum(enum_cls)
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": {
            "eq": Optional[gql],  # noqa: UP045 (built at runtime)
            "ne": Optional[gql],  # noqa: UP045
            "in_": Optional[list[gql]],  # type: ignore[valid-type]  # noqa: UP045
            "not_in": Optional[list[gql]],  # type: ignore[valid-type]  # noqa: UP045
            "is_null": Optional[bool],  # noqa: UP045
        },
        "eq": strawberry.field(default=None, description="Equal to (等于)"),
        "ne": strawberry.field(default=None, description="Not equal to (不等于)"),
        "in_": strawberry.field(default=None, name="in", description="One of (属于)"),
        "not_in": strawberry.field(default=None, description="None of (不属于)"),
        "is_null": strawberry.field(default=None, description="Has no value (为空)"),
    }
    cls = type(name, (), namespace)
    return _register(
        strawberry.input(cls, description=f"Conditions on {a(enum_cls.__name__)} field (选项条件)")
    )


def operator_input(model: type[Record], column: str) -> Any:
    if column_meta(model, column).pinyin:
        return PinyinStringFilter
    target = python_type(model, column)
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return _enum_filter(target)
    return OPERATOR_INPUT[target]


def _description(model: type[Record], column: str) -> str:
    return model.model_fields[column].description or column_meta(model, column).label_en


def _may_be_hidden(model: type[Record], column: str) -> bool:
    """Some caller may get null for this column, so it must be nullable in the schema."""
    return access.may_be_withheld(model, column)


# -- node types ------------------------------------------------------------------


def _build_node(model: type[Record]) -> type:
    meta = model.__entity__
    annotations: dict[str, Any] = {"id": relay.NodeID[int]}
    namespace: dict[str, Any] = {"__module__": __name__}
    from graph import resolvers  # the resolvers import these types back

    for column in _exposed_columns(model):
        scalar = _scalar(model, column)
        if column_meta(model, column).person:
            # A user's id, named as the caller may see people (graph.people).
            annotations[people.person_slot(column)] = strawberry.Private[Any]  # type: ignore[misc]  # built at runtime
            namespace[column] = strawberry.field(
                resolver=people.person_field(model, column),
                description=_description(model, column),
            )
            continue
        if column_meta(model, column).sensitive:
            # Resolved, not stored: reading it in clear is written to the audit log.
            annotations[sensitive_slot(column)] = strawberry.Private[Any]  # type: ignore[misc]  # built at runtime
            namespace[column] = strawberry.field(
                resolver=resolvers.sensitive_field(model, column, scalar),
                description=_description(model, column)
                + "; masked or null unless you may see it in clear",
            )
            continue
        nullable = model.__table__.c[column].nullable or _may_be_hidden(model, column)  # type: ignore[attr-defined]
        annotations[column] = Optional[scalar] if nullable else scalar  # noqa: UP045
        namespace[column] = strawberry.field(description=_description(model, column))
    for column in _private_columns(model):
        annotations[column] = strawberry.Private[Any]  # type: ignore[misc]

    for relation in meta.relations:
        namespace[snake(relation.name)] = resolvers.relation_field(model, relation)
    namespace["__annotations__"] = annotations
    cls = type(meta.type_name, (relay.Node,), namespace)
    return _register(strawberry.type(cls, description=meta.description))


def _build_edge(model: type[Record]) -> type:
    name = model.__entity__.type_name
    namespace = {
        "__module__": __name__,
        "__annotations__": {"cursor": str, "node": name},
        "cursor": strawberry.field(description="Opaque position of this row, for `after` (游标)"),
        "node": strawberry.field(description=f"The {name} (记录)"),
    }
    return _register(
        strawberry.type(
            type(f"{name}Edge", (), namespace), description=f"A {name} in a list (列表项)"
        )
    )


async def _total_count(root: Any) -> int:
    count, _ = await root.count()
    return int(count)


async def _total_count_is_exact(root: Any) -> bool:
    _, exact = await root.count()
    return bool(exact)


def _build_connection(model: type[Record]) -> type:
    name = model.__entity__.type_name
    namespace = {
        "__module__": __name__,
        "__annotations__": {
            "edges": f"list[{name}Edge]",
            "page_info": relay.PageInfo,
            "count": strawberry.Private[Any],  # type: ignore[misc]
        },
        "edges": strawberry.field(description="The rows of this page (本页记录)"),
        "page_info": strawberry.field(description="Where this page sits in the list (分页信息)"),
        "total_count": strawberry.field(
            resolver=_total_count,
            description=(
                "How many rows match the filter over all pages: exact whenever counting them takes "
                "less than a quarter of a second (always up to 10,000); otherwise a lower bound, "
                "10,001, with totalCountIsExact false: more than 10,000 (总数)"
            ),
        ),
        "total_count_is_exact": strawberry.field(
            resolver=_total_count_is_exact,
            description=(
                "False when totalCount is only a lower bound: at least that many rows match "
                "(总数是否精确)"
            ),
        ),
    }
    cls = type(f"{name}Connection", (), namespace)
    return _register(strawberry.type(cls, description=f"A page of {name} records (分页列表)"))


def _build_payload(model: type[Record]) -> tuple[type, str]:
    name = model.__entity__.type_name
    record_field = snake(name[0].lower() + name[1:])
    namespace = {
        "__module__": __name__,
        "__annotations__": {record_field: f"Optional[{name}]", "errors": list[FieldError]},
        record_field: strawberry.field(
            description=f"The {name} as saved; null when there are errors (记录)"
        ),
        "errors": strawberry.field(description="Field-level problems; empty on success (错误列表)"),
    }
    cls = type(f"{name}Payload", (), namespace)
    return _register(
        strawberry.type(cls, description=f"The result of {a(name)} mutation (操作结果)")
    ), record_field


def build_all() -> dict[str, GraphEntity]:
    """Build every record type's GraphQL classes once."""
    if GRAPH:
        return GRAPH
    from graph import inputs  # the inputs import this module's helpers back

    for type_name, model in ENTITIES.items():
        payload, payload_field = _build_payload(model)
        GRAPH[type_name] = GraphEntity(
            model=model,
            node=_build_node(model),
            connection=_build_connection(model),
            edge=_build_edge(model),
            filter=inputs.build_filter(model),
            order=inputs.build_order(model),
            create_input=inputs.build_create_input(model),
            update_input=inputs.build_update_input(model),
            payload=payload,
            payload_field=payload_field,
        )
    return GRAPH
