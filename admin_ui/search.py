"""What a search box matches: part of a name, its pinyin or initials, or — for those who
may read it in clear — a whole ID number or phone. In lists of people the other text
columns (a student's university or major) are searched by their column filters: joined
to the name search by OR they would keep any index from serving it.

The exact lookup by personal data is built as the GraphQL filter ``{idNumber: {eq: …}}``
and compiled by the shared filter code (``graph.filters.compile_filter``), so it follows
the same rules on both surfaces: allowed only to callers who may read the column in clear,
under row scope, and by whatever the column is stored as (a blind index where the value is
encrypted). Each such search leaves a ``lookup_sensitive`` audit entry naming the fields
searched by, never the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from hongfan import access
from hongfan.principal import Principal
from models import pinyin
from models.audit import AuditEntry
from models.base import Record, column_meta
from models.rules import Invalid, check_column, coerce
from models.search import gram_indexed, text_contains
from models.validators import search_term, without_control_characters

MAX_SEARCH = 100  # characters; a longer search is cut, never an error
LOOKUP_ACTION = "lookup_sensitive"


@dataclass
class TextMatch:
    """The condition for a search text, and the personal-data columns it looked up exactly."""

    where: sa.ColumnElement[bool] | None = None
    looked_up: list[str] = field(default_factory=list)


def lookup_columns(principal: Principal, model: type[Record]) -> list[str]:
    """The personal-data columns ``principal`` may search ``model`` by, exactly."""
    return [
        c.name
        for c in model.__table__.columns  # type: ignore[attr-defined]
        if (meta := c.info.get("meta")) is not None
        and meta.sensitive
        and meta.filterable
        and meta.checks
        and access.can_read_column(principal, model, c.name)
    ]


def _exact_candidates(principal: Principal, model: type[Record], text: str) -> dict[str, Any]:
    """Sensitive columns whose own checks accept ``text`` as a whole value (an ID number, a mobile)."""
    found: dict[str, Any] = {}
    # Editors and viewers see masked values and get no lookup by them.
    for name in lookup_columns(principal, model):
        try:
            value = coerce(model, name, text)
        except Invalid:
            continue
        value, problem = check_column(model, name, value)
        if problem is None and isinstance(value, str):
            found[name] = value
    return found


def _exact_lookup(
    principal: Principal, model: type[Record], values: dict[str, Any]
) -> sa.ColumnElement[bool] | None:
    """``{column: {eq: value}}`` for each column, OR-ed, compiled by GraphQL's filter code."""
    from graph.filters import compile_filter
    from graph.types import build_all, operator_input

    filter_cls = build_all()[model.__entity__.type_name].filter
    fields = getattr(filter_cls, "__dataclass_fields__", {})
    parts = [
        filter_cls(**{name: operator_input(model, name)(eq=value)})
        for name, value in values.items()
        if name in fields
    ]
    if not parts:
        return None
    return compile_filter(model, filter_cls(or_=parts), principal)


def text_match(principal: Principal, model: type[Record], raw: str) -> TextMatch:
    """Rows whose name contains ``raw`` (any searchable text, for a type without names),
    whose name reads as it in pinyin, or (for callers who may read them) whose ID number
    or phone is exactly it: each alternative one an index serves."""
    # as GraphQL's contains takes it; control characters (NUL …), which no stored text
    # holds and GraphQL refuses, are dropped: typed into a search box they are never meant
    # (a NUL once broke the SQLite name index's query and PostgreSQL's text: a 500)
    text = search_term(without_control_characters(raw))[:MAX_SEARCH]
    match = TextMatch()
    if not text:
        return match
    readable = [
        c.name
        for c in model.__table__.columns  # type: ignore[attr-defined]
        if column_meta(model, c.name).searchable
        and access.can_read_column(principal, model, c.name)
    ]
    # Lists of people (students, enrolments: the tables that reach a million rows) search
    # their names only, which a grams index serves on PostgreSQL: OR-ed with a LIKE on
    # another column (a university, a major) no index could serve the search and every
    # search read the whole table (#16.2). Those columns have their own column filters.
    # Organisations, sites and courses — thousands of rows — keep every searchable text.
    people = [
        c
        for c in gram_indexed(model.__table__)  # type: ignore[attr-defined]
        if c in readable and column_meta(model, c).pinyin == "person"
    ]
    readable = people or readable
    alternatives: list[sa.ColumnElement[bool]] = [
        text_contains(getattr(model, c), text) for c in readable
    ]
    if pinyin.pinyin_query(text) is not None:
        alternatives += [
            pinyin.matches(model.__table__.c[c], text)  # type: ignore[attr-defined]
            for c in readable
            if column_meta(model, c).pinyin
        ]
    exact = _exact_candidates(principal, model, text)
    lookup = _exact_lookup(principal, model, exact) if exact else None
    if lookup is not None:
        alternatives.append(lookup)
        match.looked_up = sorted(exact)
    match.where = sa.or_(*alternatives) if alternatives else sa.false()
    return match


def lookup_entry(
    principal: Principal, model: type[Record], fields: list[str], request_id: str | None = None
) -> AuditEntry:
    """The audit entry of one search by personal data: who, which record type, which fields."""
    return AuditEntry(
        actor=principal.actor,
        action=LOOKUP_ACTION,
        entity=model.__entity__.type_name,
        record_id=0,  # a search, not one record: the records then shown in clear are audited as reads
        changes={"fields": sorted(fields), "surface": "admin"},
        organisation_id=principal.organisation_id,
    )
