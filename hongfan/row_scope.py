"""The row scope under every ORM statement: the policy's rows (:mod:`hongfan.access`) as
loader criteria, hooked into SQLAlchemy's ``do_orm_execute`` so no surface can forget it.

Statement options: ``INCLUDE_DELETED`` (soft-deleted rows too) and ``OWN_SCOPE`` (only the
rows the caller may change, not the published ones it may also read); :func:`own_scope`
sets the latter for a whole session while a write runs. ``REUSED`` marks a statement built
once and executed again and again (values as bound parameters): its scoped form is kept per
caller, so SQLAlchemy's cache key of it is computed once, not on every execution.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from hongfan.access import (
    INCLUDE_DELETED,
    OWN_SCOPE,
    REUSED,
    NoPrincipalError,
    audit_criteria,
    row_criteria,
    scope_criteria,
)
from hongfan.principal import Principal
from models import sqlite_hints
from models.audit import AuditEntry
from models.base import ENTITIES, Record, ToOne


def _apply_row_scope(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    principal: Principal | None = state.session.info.get("principal")
    if principal is None:
        raise NoPrincipalError(
            "every session must carry a principal; use hongfan.db.Database.session"
        )
    include_deleted = bool(state.execution_options.get(INCLUDE_DELETED, False))
    own = bool(state.execution_options.get(OWN_SCOPE, state.session.info.get(OWN_SCOPE, False)))
    if state.execution_options.get(REUSED, False):
        state.statement = _scoped_reused(state.statement, principal, include_deleted, own)
        return
    options = scope_options(principal, include_deleted=include_deleted, own_scope=own)
    if options:
        state.statement = state.statement.options(*options)


# A statement marked REUSED, with the row scope of one kind of caller → that scoped statement.
# Executing a new ``statement.options(...)`` recomputes its cache key, every option's (one per
# record type) included: ~1 ms of Python per statement. The same scoped object reuses it.
_REUSED: dict[tuple[int, tuple[Any, ...]], tuple[Any, Any]] = {}


def _scoped_reused(
    statement: Any, principal: Principal, include_deleted: bool, own_scope: bool
) -> Any:
    key = (id(statement), _scope_key(principal, include_deleted, own_scope))
    found = _REUSED.get(key)
    if found is not None and found[0] is statement:
        return found[1]
    options = scope_options(principal, include_deleted=include_deleted, own_scope=own_scope)
    scoped = statement.options(*options) if options else statement
    if len(_REUSED) >= _SCOPES_MAX:
        _REUSED.clear()
    _REUSED[key] = (statement, scoped)  # the statement is kept: its id is not reused meanwhile
    return scoped


@functools.cache
def live_criteria(model: type[Record]) -> sa.ColumnElement[bool]:
    """Not soft-deleted, and not part of a soft-deleted record (a deleted student's grants).

    A record whose to-one relation is declared ``on_delete="cascade"`` is visible only
    through its owner: when the owner is deleted, so is it, for every reader.
    Built once per type (it depends on nothing else): every statement a session runs uses it.
    """
    table = model.__table__  # type: ignore[attr-defined]
    # Nearly every row is live: SQLite must not start from the deleted_at index (with no
    # statistics it would, and read the whole table for a page: models/sqlite_hints.py).
    conditions: list[sa.ColumnElement[bool]] = [
        sqlite_hints.Unindexed(table.c.deleted_at).is_(None)
    ]
    for relation in model.__entity__.relations:
        if isinstance(relation, ToOne) and relation.on_delete == "cascade":
            owner = ENTITIES[relation.target].__table__.alias()  # type: ignore[attr-defined]
            fk = table.c[relation.fk]
            owner_live = sa.exists(
                sa.select(owner.c.id).where(owner.c.id == fk, owner.c.deleted_at.is_(None))
            )
            conditions.append(sa.or_(fk.is_(None), owner_live) if fk.nullable else owner_live)
    return sa.and_(*conditions)


# Built options by what they depend on: building them anew costs ~2–8 ms of Python per ORM
# statement (a criterion per record type), more than most statements take (#16.6).
_SCOPES: dict[tuple[Any, ...], tuple[Any, ...]] = {}
_SCOPES_MAX = 4096


def _scope_key(principal: Principal, include_deleted: bool, own_scope: bool) -> tuple[Any, ...]:
    """What a caller's row scope depends on, in the policy's terms."""
    return (
        principal.kind,
        principal.role,
        principal.organisation_path,
        principal.company_id,
        include_deleted,
        own_scope,
    )


def scope_options(
    principal: Principal, *, include_deleted: bool = False, own_scope: bool = False
) -> list[Any]:
    """The row scope of ``principal`` as statement options, one per record type.

    ``own_scope``: the rows it may change (its scope), not all it may read.
    The options depend only on who the caller is in the policy's terms (kind, role,
    organisation path, company), so they are built once per such caller and reused.
    """
    key = _scope_key(principal, include_deleted, own_scope)
    options = _SCOPES.get(key)
    if options is None:
        if len(_SCOPES) >= _SCOPES_MAX:
            _SCOPES.clear()
        options = _SCOPES[key] = tuple(_build_scope(principal, include_deleted, own_scope))
    return list(options)


def _build_scope(principal: Principal, include_deleted: bool, own_scope: bool) -> list[Any]:
    options = []
    for model in ENTITIES.values():
        criteria = (scope_criteria if own_scope else row_criteria)(principal, model)
        if not include_deleted:
            live = live_criteria(model)
            criteria = live if criteria is None else sa.and_(live, criteria)
        if criteria is not None:
            options.append(
                with_loader_criteria(
                    model, criteria, include_aliases=True, propagate_to_loaders=True
                )
            )
    audit = audit_criteria(principal)
    if audit is not None:
        options.append(with_loader_criteria(AuditEntry, audit, include_aliases=True))
    return options


@contextlib.contextmanager
def own_scope(session: Any) -> Iterator[None]:
    """Inside the block, ``session`` reads only the rows its principal may change."""
    before = session.info.get(OWN_SCOPE)
    session.info[OWN_SCOPE] = True
    try:
        yield
    finally:
        session.info[OWN_SCOPE] = before


def install() -> None:
    """Hook the row scope into every ORM session; idempotent."""
    if not event.contains(Session, "do_orm_execute", _apply_row_scope):
        event.listen(Session, "do_orm_execute", _apply_row_scope)
