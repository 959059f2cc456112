"""Turn filter and orderBy inputs into SQL, refusing fields the caller cannot read.

Every filter object denotes a set of rows, and the SQL for it is two-valued: it is
TRUE or FALSE, never NULL. A field condition on a blank is false (except ``ne``,
``notIn`` and ``isNull: true``, which say "not this value" and so include blanks);
``and``/``or`` are intersection and union; ``not`` is the complement, so
``X`` and ``not: X`` always add up to the total. Without that, SQL's NULL would leak
through: ``NOT (major LIKE …)`` is NULL, not TRUE, for a student without a major.

Relation filters are ``EXISTS (SELECT … FROM <related alias> WHERE <link> AND …)``:
a to-one filter matches when the linked row exists and matches, a to-many filter
when some related row matches; ``not`` of one is ``NOT EXISTS`` — no related row
matches, including when there are none. The related entity is selected as an ORM
alias, so the row scope applies inside: a hidden row can never make a filter match.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from strawberry import relay
from strawberry.types.unset import UNSET
from strawberry.utils.str_converters import to_camel_case

from graph.errors import UserError
from graph.names import snake
from hongfan import access
from hongfan.pagination import Direction, SortKey
from hongfan.principal import Principal
from models import pinyin
from models.base import ENTITIES, Record, ToMany, ToOne, column_meta
from models.messages import message
from models.sealed import Sealed
from models.search import text_contains
from models.validators import parse_record_id, search_term, without_format_characters

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
        pk = parse_record_id(gid.node_id)
        if pk is None:  # " 6", "+6", "６", 99999999999999999999: no record has it
            raise ValueError(gid.node_id)
        return pk
    except (ValueError, TypeError) as error:
        raise UserError(message("global_id", principal.language), code="BAD_ID") from error


def _nullable(column: Any) -> bool:
    expression = getattr(column, "expression", column)
    return bool(getattr(expression, "nullable", True))


# The operators that search text: their operand is a search term (models.validators.search_term).
SEARCHES = frozenset({"contains", "starts_with", "pinyin"})


def _as_stored(value: Any, *, search: bool = False) -> Any:
    """A text operand normalised as searched text is, the same on every surface: format
    characters removed (zero-width, soft hyphen, direction marks …), so ``刘\u200b示例``
    finds 刘示例 as it would have been stored; a ``search`` operand (``contains``,
    ``startsWith``, ``pinyin``) also trimmed, a full-width space like an ASCII one."""
    if isinstance(value, str):
        return search_term(value) if search else without_format_characters(value)
    if isinstance(value, list):
        return [without_format_characters(v) if isinstance(v, str) else v for v in value]
    return value


def _operators(column: Any, ops: Any, convert: Any = None) -> list[sa.ColumnElement[bool]]:
    """The field conditions on ``column``, each TRUE or FALSE (never NULL)."""

    def conv(v: Any) -> Any:
        return convert(v) if convert else v

    clauses: list[sa.ColumnElement[bool]] = []
    nullable = _nullable(column)

    def known(clause: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
        # A comparison with a blank is NULL in SQL; the condition is false there.
        return sa.and_(column.is_not(None), clause) if nullable else clause

    for name, given in vars(ops).items():
        if not _given(given):
            continue
        value = _as_stored(given, search=name in SEARCHES)
        if name == "eq":
            clauses.append(known(column == conv(value)))
        elif name == "ne":
            clauses.append(
                sa.or_(column != conv(value), column.is_(None))
                if nullable
                else column != conv(value)
            )
        elif name == "in_":
            clauses.append(known(column.in_([conv(v) for v in value])))
        elif name == "not_in":
            outside = column.not_in([conv(v) for v in value])
            clauses.append(sa.or_(outside, column.is_(None)) if nullable else outside)
        elif name == "lt":
            clauses.append(known(column < value))
        elif name == "lte":
            clauses.append(known(column <= value))
        elif name == "gt":
            clauses.append(known(column > value))
        elif name == "gte":
            clauses.append(known(column >= value))
        elif name == "contains":
            clauses.append(known(text_contains(column, value)))
        elif name == "starts_with":
            clauses.append(known(column.startswith(value, autoescape=True)))
        elif name == "is_null":
            clauses.append(column.is_(None) if value else column.is_not(None))
        elif name == "pinyin":
            clauses.append(known(pinyin.matches(column, value)))
    return clauses


def compile_filter(
    model: type[Record],
    where: Any,
    principal: Principal,
    row: Any = None,
    aliases: dict[tuple[str, int], Any] | None = None,
) -> sa.ColumnElement[bool] | None:
    """The SQL of a filter object over ``model`` (its columns taken from ``row``, an alias, when given).

    Two-valued: TRUE for the rows the filter denotes, FALSE for all others. ``aliases``
    holds the related aliases made so far (see :func:`_relation_clause`).
    """
    if not _given(where):
        return None
    row = model if row is None else row
    aliases = {} if aliases is None else aliases
    relations = {r.name: r for r in model.__entity__.relations}
    by_python_name = {snake(name): r for name, r in relations.items()}
    fk_targets = {r.fk: r.target for r in relations.values() if isinstance(r, ToOne)}
    clauses: list[sa.ColumnElement[bool]] = []
    for name, value in vars(where).items():
        if not _given(value):
            continue
        if name == "and_":
            parts = [compile_filter(model, part, principal, row, aliases) for part in value]
            clauses.append(sa.and_(sa.true(), *[p for p in parts if p is not None]))
        elif name == "or_":
            parts = [compile_filter(model, part, principal, row, aliases) for part in value]
            clauses.append(
                sa.or_(*[p if p is not None else sa.true() for p in parts]) if parts else sa.false()
            )
        elif name == "not_":
            inner = compile_filter(model, value, principal, row, aliases)
            clauses.append(sa.not_(inner) if inner is not None else sa.false())
        elif name in by_python_name:
            relation = by_python_name[name]
            if not access.relation_readable(principal, model, relation):
                raise _forbidden(name, principal)
            clauses.append(_relation_clause(row, relation, value, principal, aliases))
        elif name in fk_targets:
            target_name = fk_targets[name]
            if not access.can_read_column(principal, model, name):
                raise _forbidden(name, principal)
            clauses.extend(
                _operators(
                    getattr(row, name),
                    value,
                    lambda v, t=target_name: global_id_to_pk(v, t, principal),
                )
            )
        elif name == "within":
            clauses.append(
                _within(model, row, global_id_to_pk(value, model.__entity__.type_name, principal))
            )
        elif name == "id":
            own = model.__entity__.type_name
            clauses.extend(
                _operators(row.id, value, lambda v, t=own: global_id_to_pk(v, t, principal))
            )
        else:
            if not access.can_read_column(principal, model, name):
                raise _forbidden(name, principal)
            if isinstance(getattr(model, name).type, Sealed):
                # Sealed at rest: only whole values are comparable (through the blind index).
                used = {k for k, v in vars(value).items() if _given(v)}
                if used - {"eq", "ne", "in_", "not_in", "is_null"}:
                    raise UserError(
                        message("keys.sealed_operator", principal.language, column=name),
                        code="SEALED_FIELD",
                    )
            if column_meta(model, name).person:  # authorship: by the user's global ID
                clauses.extend(
                    _operators(
                        getattr(row, name), value, lambda v: global_id_to_pk(v, "User", principal)
                    )
                )
                continue
            clauses.extend(_operators(getattr(row, name), value))
    return sa.and_(*clauses) if clauses else None


def sensitive_lookups(model: type[Record], where: Any) -> set[tuple[str, str]]:
    """(type name, column) of every sensitive column ``where`` looks records up by, at any depth."""
    found: set[tuple[str, str]] = set()
    if not _given(where):
        return found
    relations = {snake(name): r for name, r in ((r.name, r) for r in model.__entity__.relations)}
    for name, value in vars(where).items():
        if not _given(value):
            continue
        if name in ("and_", "or_"):
            for part in value:
                found |= sensitive_lookups(model, part)
        elif name == "not_":
            found |= sensitive_lookups(model, value)
        elif name in relations:
            found |= sensitive_lookups(ENTITIES[relations[name].target], value)
        elif name in model.__table__.c and column_meta(model, name).sensitive:  # type: ignore[attr-defined]
            found.add((model.__entity__.type_name, name))
    return found


def _within(model: type[Record], row: Any, pk: int) -> sa.ColumnElement[bool]:
    """``row`` is the organisation ``pk`` or below it: its materialised path starts with that one's.

    The organisation named is looked up as an ORM alias, under the caller's row scope: one the
    caller cannot see (or a deleted one) matches nothing. The prefix test is a range of paths,
    ``anchor <= path < anchor-with-its-last-'/'-as-'0'`` in byte order, which PostgreSQL answers
    from the ``varchar_pattern_ops`` index on the path (a ``LIKE`` whose pattern comes from a
    subquery cannot use it).
    """
    anchor: Any = aliased(model)
    named = anchor.id == pk
    path = sa.select(anchor.path).where(named).scalar_subquery()
    upper = (
        sa.select(sa.func.substr(anchor.path, 1, sa.func.length(anchor.path) - 1) + "0")
        .where(named)
        .scalar_subquery()
    )
    # EXISTS first: with no such (visible) organisation the whole is FALSE, never NULL, so
    # ``not`` of it holds.
    return sa.and_(sa.select(anchor.id).where(named).exists(), PathRange(row.path, path, upper))


class PathRange(sa.sql.functions.FunctionElement[bool]):
    """``path`` from ``low`` (inclusive) to ``high`` (exclusive), compared byte by byte."""

    type = sa.Boolean()
    name = "path_range"
    inherit_cache = True


@compiles(PathRange)
def _path_range(element: PathRange, compiler: Any, **kw: Any) -> str:
    path, low, high = (compiler.process(c, **kw) for c in element.clauses)
    return f"({path} >= {low} AND {path} < {high})"  # SQLite compares text in byte order


@compiles(PathRange, "postgresql")
def _path_range_postgresql(element: PathRange, compiler: Any, **kw: Any) -> str:
    path, low, high = (compiler.process(c, **kw) for c in element.clauses)
    return f"({path} ~>=~ {low} AND {path} ~<~ {high})"  # varchar_pattern_ops: byte order


def _relation_clause(
    row: Any,
    relation: ToOne | ToMany,
    value: Any,
    principal: Principal,
    aliases: dict[tuple[str, int], Any],
) -> sa.ColumnElement[bool]:
    """Some related row (under the caller's scope) matches: ``EXISTS``, so ``not`` is ``NOT EXISTS``."""
    target = ENTITIES[relation.target]
    # A fresh alias per level: the same table may appear at several levels (organisation →
    # parent → parent …), and each level must be its own row. Sibling subqueries (the
    # branches of an ``or``) are separate scopes and share one: making an ORM alias costs
    # ~1-2 ms of Python (its column collection), and 200 of them made a 3.5 s request.
    key = (relation.target, id(row))
    related = aliases.get(key)
    if related is None:
        related = aliases[key] = aliased(target)
    if isinstance(relation, ToOne):
        link = related.id == getattr(row, relation.fk)
    else:
        link = getattr(related, relation.fk) == row.id
    inner = compile_filter(target, value, principal, related, aliases)
    matching = sa.select(related.id).where(link)  # type: ignore[call-overload]
    if inner is not None:
        matching = matching.where(inner)
    return matching.exists()


def compile_order(
    model: type[Record], order_by: list[Any] | None, principal: Principal
) -> list[SortKey]:
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
