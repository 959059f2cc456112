"""Turn filter and orderBy inputs into SQL, refusing fields the caller cannot read.

Relation filters become ``IN (SELECT …)`` over the related ORM entity, so the
row scope applies inside them too: a hidden row can never make a filter match.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from strawberry import relay
from strawberry.types.unset import UNSET
from strawberry.utils.str_converters import to_camel_case

from graph.errors import UserError
from graph.names import snake
from hongfan import access
from hongfan.pagination import Direction, SortKey
from hongfan.principal import Principal
from models import pinyin
from models.base import ENTITIES, Record, ToMany, ToOne
from models.messages import message
from models.search import text_contains

_LOGIC = {"and_", "or_", "not_"}


def _given(value: Any) -> bool:
    return value is not None and value is not UNSET


def _forbidden(column: str, principal: Principal) -> UserError:
    # named as the caller wrote it (idNumber), never by its database column (id_number)
    text = message("filter.forbidden_field", principal.language) + f": {to_camel_case(column)}"
    return UserError(text, code="FORBIDDEN_FIELD", extensions={"field": to_camel_case(column)})


def global_id_to_pk(value: relay.GlobalID | str, type_name: str, principal: Principal) -> int:
    """The database id in a global ID of ``type_name``; a clear error otherwise."""
    try:
        gid = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(str(value))
        if gid.type_name != type_name:
            raise ValueError(gid.type_name)
        return int(gid.node_id)
    except (ValueError, TypeError) as error:
        raise UserError(message("global_id", principal.language), code="BAD_ID") from error


def _operators(column: Any, ops: Any, convert: Any = None) -> list[sa.ColumnElement[bool]]:
    def conv(v: Any) -> Any:
        return convert(v) if convert else v

    clauses: list[sa.ColumnElement[bool]] = []
    for name, value in vars(ops).items():
        if not _given(value):
            continue
        if name == "eq":
            clauses.append(column == conv(value))
        elif name == "ne":
            clauses.append(sa.or_(column != conv(value), column.is_(None)))
        elif name == "in_":
            clauses.append(column.in_([conv(v) for v in value]))
        elif name == "not_in":
            clauses.append(sa.or_(column.not_in([conv(v) for v in value]), column.is_(None)))
        elif name == "lt":
            clauses.append(column < value)
        elif name == "lte":
            clauses.append(column <= value)
        elif name == "gt":
            clauses.append(column > value)
        elif name == "gte":
            clauses.append(column >= value)
        elif name == "contains":
            clauses.append(text_contains(column, value))
        elif name == "starts_with":
            clauses.append(column.startswith(value, autoescape=True))
        elif name == "is_null":
            clauses.append(column.is_(None) if value else column.is_not(None))
        elif name == "pinyin":
            clauses.append(pinyin.matches(column, value))
    return clauses


def compile_filter(model: type[Record], where: Any, principal: Principal) -> sa.ColumnElement[bool] | None:
    if not _given(where):
        return None
    relations = {r.name: r for r in model.__entity__.relations}
    by_python_name = {snake(name): r for name, r in relations.items()}
    fk_targets = {r.fk: r.target for r in relations.values() if isinstance(r, ToOne)}
    clauses: list[sa.ColumnElement[bool]] = []
    for name, value in vars(where).items():
        if not _given(value):
            continue
        if name == "and_":
            parts = [compile_filter(model, part, principal) for part in value]
            clauses.append(sa.and_(sa.true(), *[p for p in parts if p is not None]))
        elif name == "or_":
            parts = [compile_filter(model, part, principal) for part in value]
            clauses.append(sa.or_(*[p if p is not None else sa.true() for p in parts]) if parts else sa.false())
        elif name == "not_":
            inner = compile_filter(model, value, principal)
            clauses.append(sa.not_(inner) if inner is not None else sa.false())
        elif name in by_python_name:
            relation = by_python_name[name]
            if isinstance(relation, ToOne) and not access.can_read_column(principal, model, relation.fk):
                raise _forbidden(name, principal)
            clauses.append(_relation_clause(model, by_python_name[name], value, principal))
        elif name in fk_targets:
            target_name = fk_targets[name]
            if not access.can_read_column(principal, model, name):
                raise _forbidden(name, principal)
            clauses.extend(
                _operators(getattr(model, name), value, lambda v, t=target_name: global_id_to_pk(v, t, principal))
            )
        elif name == "id":
            own = model.__entity__.type_name
            clauses.extend(_operators(model.id, value, lambda v, t=own: global_id_to_pk(v, t, principal)))
        else:
            if not access.can_read_column(principal, model, name):
                raise _forbidden(name, principal)
            clauses.extend(_operators(getattr(model, name), value))
    return sa.and_(*clauses) if clauses else None


def _relation_clause(
    model: type[Record], relation: ToOne | ToMany, value: Any, principal: Principal
) -> sa.ColumnElement[bool]:
    target = ENTITIES[relation.target]
    inner = compile_filter(target, value, principal)
    if isinstance(relation, ToOne):
        ids = sa.select(target.id).correlate(None)  # type: ignore[call-overload]
        if inner is not None:
            ids = ids.where(inner)
        return getattr(model, relation.fk).in_(ids)  # type: ignore[no-any-return]
    owners = sa.select(getattr(target, relation.fk)).correlate(None)
    if inner is not None:
        owners = owners.where(inner)
    return model.id.in_(owners)  # type: ignore[union-attr]



def compile_order(model: type[Record], order_by: list[Any] | None, principal: Principal) -> list[SortKey]:
    keys: list[SortKey] = []
    for item in order_by or []:
        for name, direction in vars(item).items():
            if not _given(direction):
                continue
            if not access.can_read_column(principal, model, name):
                raise _forbidden(name, principal)
            # A name with a pinyin sort key orders by it: 蔡 陈 洪 黄, as in Excel and WPS.
            keys.append(SortKey(pinyin.sort_column(model, name), Direction(direction.value)))
    return keys
