"""The engine that interprets hongfan.policy. Nothing else reads the policy table.

Row scope is applied underneath every surface: :mod:`hongfan.row_scope` hooks these
criteria, with soft delete, into every ORM statement a session runs — lists, counts,
``node(id:)``, DataLoader batches, relation filters in subqueries, admin pages, exports —
so no path can forget it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from hongfan.policy import (
    ADMINISTRATORS,
    ANON,
    FIELDS_BY_ROLE,
    FIGURE_SOURCES,
    POLICY,
    SUPERADMIN_GRANTS,
    Fields,
    Op,
    Rows,
    account_subtree,
    manages_every_account,
)
from hongfan.principal import Principal, Role
from models import sqlite_hints
from models.audit import AuditEntry
from models.base import ENTITIES, Record, ToMany, ToOne, column_meta
from models.messages import message
from models.sealed import Sealed
from models.validators import mask_national_id, mask_phone, mask_text

INCLUDE_DELETED = "hongfan_include_deleted"
# Session flag or execution option: read only the caller's own scope (the rows it may change),
# not the public rows it may also read. Set while a write runs (:func:`own_scope`): every read
# it makes — the record, the records it references, what hangs off it — sees only those.
OWN_SCOPE = "hongfan_own_scope"
# Execution option: this statement object is built once and executed again and again, its
# values bound at execution (hongfan.row_scope keeps its scoped form per caller).
REUSED = "hongfan_reused_statement"


@dataclass(frozen=True)
class Person:
    """A user as authorship names them: what person_label chooses from."""

    id: int
    display_name: str | None
    email: str


class NoPrincipalError(RuntimeError):
    """A session was used without saying who is asking."""


def _policy_key(principal: Principal) -> Any:
    return ANON if principal.is_anonymous or principal.role is None else principal.role


def row_rule(principal: Principal, model: type[Record]) -> Rows:
    if principal.is_system:
        return Rows.ALL
    entry = POLICY.get(model.__entity__.type_name)
    if entry is None:
        return Rows.NONE
    return entry.rows.get(_policy_key(principal), Rows.NONE)


def sees_figure(principal: Principal, figure: str) -> bool:
    """Whether ``principal`` may be told ``figure`` (a key of ``FIGURE_SOURCES``)."""
    return all(
        row_rule(principal, ENTITIES[type_name]) is not Rows.NONE
        for type_name in FIGURE_SOURCES[figure]
    )


def needs_sign_in(principal: Principal, model: type[Record]) -> bool:
    """True when an anonymous caller asks for a type only signed-in callers may list (people):
    the surfaces say "sign in" instead of answering an empty list."""
    return (
        principal.is_anonymous
        and not principal.is_system
        and row_rule(principal, model) is Rows.NONE
    )


def in_admin(principal: Principal, model: type[Record]) -> bool:
    """Whether the admin UI lists ``model`` for ``principal``: every type whose rows it may
    see, except that a partner's admin is about its interns, not the public network."""
    rule = row_rule(principal, model)
    if rule is Rows.NONE:
        return False
    return not (principal.role is Role.PARTNER and rule in {Rows.PUBLISHED, Rows.PUBLISHED_PARENT})


def _organisation_table() -> sa.Table:
    return ENTITIES["Organisation"].__table__  # type: ignore[attr-defined,no-any-return]


def subtree_ids(path: str) -> sa.Select[Any]:
    """Ids of the organisation at ``path`` and all below it; one indexed range scan."""
    org = _organisation_table()
    return sa.select(org.c.id).where(org.c.path.like(path + "%"))


def organisation_span(principal: Principal, model: type[Record]) -> tuple[Any, Any] | None:
    """The smallest and largest organisation id of the rows ``principal`` reads of ``model``,
    as scalar subqueries, when those rows are exactly a subtree's (no published rows beyond);
    else None. Not a scope — the row scope still applies — but a range an index on
    ``(organisation_id, id)`` can seek to: rows ordered by their organisation then start at
    the subtree's first instead of reading every other district's before it (#16.2)."""
    path = principal.organisation_path
    if (
        not path
        or model.__entity__.scope == "path"
        or "organisation_id" not in model.__table__.c  # type: ignore[attr-defined]
        or row_rule(principal, model) is not Rows.SUBTREE
        or reads_beyond_scope(principal, model)
    ):
        return None
    org = _organisation_table()
    inside = org.c.path.like(path + "%")
    return (
        sa.select(sa.func.min(org.c.id)).where(inside).scalar_subquery(),
        sa.select(sa.func.max(org.c.id)).where(inside).scalar_subquery(),
    )


def public_rule(model: type[Record]) -> Rows | None:
    """The rows of ``model`` every caller may read besides its own (its published ones)."""
    entry = POLICY.get(model.__entity__.type_name)
    return entry.public if entry is not None else None


def reads_beyond_scope(principal: Principal, model: type[Record]) -> bool:
    """True when ``principal`` reads public rows of ``model`` outside its own scope."""
    rule, public = row_rule(principal, model), public_rule(model)
    return public is not None and rule is not Rows.ALL and rule is not public


def scope_criteria(principal: Principal, model: type[Record]) -> sa.ColumnElement[bool] | None:
    """SQL for the rows ``principal`` may change (its policy rule); None when all."""
    return _rule_criteria(principal, model, row_rule(principal, model))


def row_criteria(principal: Principal, model: type[Record]) -> sa.ColumnElement[bool] | None:
    """SQL that keeps only the rows ``principal`` may see; None when all are visible.

    Its scope, and (for a public type) every published row besides: signing in never
    hides what an anonymous caller sees.
    """
    scope = scope_criteria(principal, model)
    public = public_rule(model)
    if scope is None or public is None or not reads_beyond_scope(principal, model):
        return scope
    published = _rule_criteria(principal, model, public)
    return scope if published is None else sa.or_(scope, published)


def _rule_criteria(
    principal: Principal, model: type[Record], rule: Rows
) -> sa.ColumnElement[bool] | None:
    table = model.__table__  # type: ignore[attr-defined]
    meta = model.__entity__
    if rule is Rows.ALL:
        return None
    if rule is Rows.SUBTREE and principal.organisation_path:
        if meta.scope == "path":
            return table.c.path.like(principal.organisation_path + "%")  # type: ignore[no-any-return]
        column = table.c.organisation_id
        if sqlite_hints.broad(principal.organisation_path):
            column = sqlite_hints.Unindexed(column)  # SQLite: walk the order's index instead
        return column.in_(subtree_ids(principal.organisation_path))  # type: ignore[no-any-return]
    if rule is Rows.PUBLISHED and "published" in table.c:
        return table.c.published.is_(True)  # type: ignore[no-any-return]
    if rule is Rows.PUBLISHED_PARENT:
        entry = POLICY[meta.type_name]
        if entry.published_parent is not None:
            column, parent_type = entry.published_parent
            parent = ENTITIES[parent_type].__table__  # type: ignore[attr-defined]
            visible = sa.select(parent.c.id).where(
                parent.c.published.is_(True), parent.c.deleted_at.is_(None)
            )
            return table.c[column].in_(visible)  # type: ignore[no-any-return]
    if principal.company_id is not None:
        if rule is Rows.OWN_COMPANY:
            return table.c.id == principal.company_id  # type: ignore[no-any-return]
        if rule is Rows.AT_OWN_COMPANY and "company_id" in table.c:
            return table.c.company_id == principal.company_id  # type: ignore[no-any-return]
        if rule is Rows.INTERNS_OF_OWN_COMPANY:
            internship = ENTITIES["Internship"].__table__  # type: ignore[attr-defined]
            return table.c.id.in_(  # type: ignore[no-any-return]
                sa.select(internship.c.student_id).where(
                    internship.c.company_id == principal.company_id,
                    internship.c.deleted_at.is_(None),
                )
            )
    return sa.false()


def field_mode(principal: Principal, model: type[Record]) -> Fields:
    if principal.is_system:
        return Fields.FULL
    return FIELDS_BY_ROLE.get(_policy_key(principal), Fields.HIDDEN)


def _narrowed_columns(principal: Principal, model: type[Record]) -> frozenset[str] | None:
    """The only columns a caller may read, when the policy narrows them; else None."""
    if principal.is_system:
        return None
    entry = POLICY.get(model.__entity__.type_name)
    if entry and entry.partner_columns is not None and _policy_key(principal) == "partner":
        return entry.partner_columns
    return None


def may_be_withheld(model: type[Record], column: str) -> bool:
    """Whether some caller gets ``column`` null or masked (the schema then makes it nullable):
    a sensitive or authorship column, or one a role's narrowed column list leaves out."""
    meta = column_meta(model, column)
    entry = POLICY.get(model.__entity__.type_name)
    narrowed = None if entry is None else entry.partner_columns
    return meta.sensitive or meta.person or (narrowed is not None and column not in narrowed)


def sees_reads_of(principal: Principal, model: type[Record]) -> bool:
    """Whether ``principal`` may see who read ``model`` records' personal data in clear: those
    who read it in clear themselves (the record's history, second tab)."""
    return field_mode(principal, model) is Fields.FULL


class Visibility(enum.StrEnum):
    """How one caller sees one column: THE column rule every surface asks."""

    CLEAR = "clear"  # read in clear (a sensitive one: each read audited); filter and sort
    MASKED = "masked"  # read masked (with the column's mask kind); no filtering or sorting
    HIDDEN = "hidden"  # never read (null), not filterable, left out of pages and exports

    @property
    def readable(self) -> bool:
        return self is not Visibility.HIDDEN


def visibility(principal: Principal, model: type[Record], column: str) -> Visibility:
    """The one column-visibility rule: the policy's narrowed columns, then sensitivity.

    A masked choice (family category) is hidden: a mask would not be one of the choices.
    """
    narrowed = _narrowed_columns(principal, model)
    if narrowed is not None and column not in narrowed:
        return Visibility.HIDDEN
    if column_meta(model, column).person:
        # Authorship (a user's id): hidden from the public and partners; named for staff
        # by person_label (a display name, or name and e-mail for admins).
        return (
            Visibility.HIDDEN if field_mode(principal, model) is Fields.HIDDEN else Visibility.CLEAR
        )
    if not column_meta(model, column).sensitive:
        return Visibility.CLEAR
    mode = field_mode(principal, model)
    if mode is Fields.FULL:
        return Visibility.CLEAR
    if mode is Fields.HIDDEN:
        return Visibility.HIDDEN
    choice = model.__table__.c[column].type  # type: ignore[attr-defined]
    if isinstance(choice, sa.Enum) and choice.enum_class is not None:
        return Visibility.HIDDEN
    if isinstance(choice, Sealed) and choice.enum_cls is not None:
        return Visibility.HIDDEN  # a sealed choice (family category)
    return Visibility.MASKED


def sensitive_in_clear(principal: Principal, model: type[Record], column: str) -> bool:
    """A sensitive column this caller reads in clear: its reads go to the audit log."""
    return column_meta(model, column).sensitive and (
        visibility(principal, model, column) is Visibility.CLEAR
    )


def can_read_column(principal: Principal, model: type[Record], column: str) -> bool:
    """True when the caller sees ``column`` in clear; the test for filtering and sorting on it."""
    return visibility(principal, model, column) is Visibility.CLEAR


def relation_readable(principal: Principal, model: type[Record], relation: ToOne | ToMany) -> bool:
    """Whether ``principal`` may follow ``relation`` of ``model`` (as a field or in a filter).

    A relation is its foreign key read the other way: a to-one relation through ``model``'s
    column, a to-many one through the target's. Following it tells which rows are linked,
    so it is open only to a caller who may read that column (a partner does not see a
    student's home community, so neither ``student.organisation`` nor
    ``organisation.scholarshipStudents`` is open to it).
    """
    if isinstance(relation, ToOne):
        return can_read_column(principal, model, relation.fk)
    return can_read_column(principal, ENTITIES[relation.target], relation.fk)


_MASKS = {"national_id": mask_national_id, "phone": mask_phone, "text": mask_text}


def present(principal: Principal, model: type[Record], column: str, value: Any) -> Any:
    """The value of ``column`` as ``principal`` may see it: clear, masked or None."""
    seen = visibility(principal, model, column)
    if value is None or seen is Visibility.CLEAR:
        return value
    if seen is Visibility.HIDDEN or isinstance(value, enum.Enum):
        return None
    return _MASKS[column_meta(model, column).mask_kind](str(value))


def presenter(principal: Principal, model: type[Record], column: str) -> Callable[[Any], Any]:
    """:func:`present` for one column, decided once: what an export applies to each value."""
    seen = visibility(principal, model, column)
    if seen is Visibility.CLEAR:
        return lambda value: value
    if seen is Visibility.HIDDEN:
        return lambda value: None
    mask = _MASKS[column_meta(model, column).mask_kind]
    return lambda value: None if value is None or isinstance(value, enum.Enum) else mask(str(value))


def person_label(principal: Principal, model: type[Record], who: Person | None) -> str | None:
    """How ``principal`` sees the author ``who`` of a ``model`` record.

    Hidden (None) from the public and partners; a display name for staff; name and
    e-mail for those who see sensitive fields in clear (admins, who manage accounts).
    """
    mode = field_mode(principal, model)
    if who is None or mode is Fields.HIDDEN:
        return None
    if mode is Fields.FULL:
        return f"{who.display_name} <{who.email}>" if who.display_name else who.email
    return who.display_name or message("person.unnamed", principal.language, id=who.id)


def can_write(principal: Principal, model: type[Record], op: Op) -> bool:
    if principal.is_system:
        return True
    entry = POLICY.get(model.__entity__.type_name)
    if entry is None:
        return False
    return op in entry.writes.get(_policy_key(principal), frozenset())


def writable_columns(principal: Principal, model: type[Record]) -> set[str]:
    """Columns ``principal`` may set through create/update (before per-column write rules)."""
    columns = {c.name for c in model.__table__.columns}  # type: ignore[attr-defined]
    if principal.is_system:
        return columns
    entry = POLICY.get(model.__entity__.type_name)
    if entry is not None and _policy_key(principal) == "partner":
        return set(entry.partner_writable)
    return columns


def administers(principal: Principal) -> bool:
    """Manages accounts and reads the audit log (within its subtree, for org admins)."""
    return principal.is_system or principal.role in ADMINISTRATORS


def grantable_roles(principal: Principal) -> list[Role]:
    """The roles ``principal`` may give an account it manages, in declaration order."""
    if manages_every_account(principal):
        return list(Role)
    if not administers(principal):
        return []
    return [r for r in Role if r not in SUPERADMIN_GRANTS]


def audit_criteria(principal: Principal) -> sa.ColumnElement[bool] | None:
    """Superadmins read the whole audit log, org admins their subtree's, nobody else any."""
    if manages_every_account(principal):
        return None
    subtree = account_subtree(principal)
    if subtree is not None:
        return AuditEntry.organisation_id.in_(subtree_ids(subtree))  # type: ignore[union-attr,attr-defined]
    return sa.false()
