"""The record lists: search, filters, sort, keyset pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from admin_ui.columns import (
    COUNT_CAP,
    PAGE_SIZE,
    PICKER_LIMIT,
    choice_options,
    display,
    kind_of,
    label,
    record_titles,
    resolve_refs,
    type_label,
)
from admin_ui.registry import AdminView
from admin_ui.web import Page
from hongfan import access, reads
from hongfan.pagination import (
    CursorError,
    Direction,
    SortKey,
    decode_cursor,
    encode_cursor,
    with_tiebreak,
)
from hongfan.policy import Op
from models.base import ENTITIES, ToOne, column_meta
from models.rules import python_type
from models.search import text_contains


@dataclass
class ListQuery:
    where: list[sa.ColumnElement[bool]] = field(default_factory=list)
    keys: list[SortKey] = field(default_factory=list)
    deleted: bool = False
    params: dict[str, str] = field(default_factory=dict)


def build_list_query(page: Page, view: AdminView) -> ListQuery:
    """Search, filters and sort from the query string, refusing unreadable columns."""
    model = view.model
    principal = page.principal
    params = page.request.query_params
    query = ListQuery()
    text = params.get("q", "").strip()
    if text:
        searchable = [
            c.name
            for c in model.__table__.columns  # type: ignore[attr-defined]
            if column_meta(model, c.name).searchable and access.can_read_column(principal, model, c.name)
        ]
        if searchable:
            query.where.append(sa.or_(*[text_contains(getattr(model, c), text) for c in searchable]))
        query.params["q"] = text
    for column in view.filters:
        if not access.can_read_column(principal, model, column):
            continue
        kind = kind_of(model, column)
        attribute = getattr(model, column)
        if kind in ("choice", "bool", "int"):
            value = params.get(f"f_{column}", "")
            if value == "":
                continue
            query.params[f"f_{column}"] = value
            if kind == "bool":
                query.where.append(attribute.is_(value == "1"))
            elif kind == "int":
                if value.lstrip("-").isdigit():
                    query.where.append(attribute == int(value))
            else:
                query.where.append(attribute == python_type(model, column)(value))
        elif kind == "date":
            for suffix, compare in (("from", attribute.__ge__), ("to", attribute.__le__)):
                value = params.get(f"f_{column}_{suffix}", "")
                if value:
                    try:
                        query.where.append(compare(date.fromisoformat(value)))
                        query.params[f"f_{column}_{suffix}"] = value
                    except ValueError:
                        pass
    organisation = params.get("org", "")
    if organisation.isdigit() and (model.__entity__.scope == "path" or "organisation_id" in model.__table__.c):  # type: ignore[attr-defined]
        org_model = ENTITIES["Organisation"]
        subtree = sa.select(org_model.id).where(  # type: ignore[arg-type]
            org_model.path.like(  # type: ignore[attr-defined]
                sa.select(org_model.path).where(org_model.id == int(organisation)).scalar_subquery() + "%"  # type: ignore[attr-defined]
            )
        )
        column = model.id if model.__entity__.scope == "path" else model.organisation_id  # type: ignore[attr-defined]
        query.where.append(column.in_(subtree))
        query.params["org"] = organisation
    for relation in model.__entity__.relations:
        if isinstance(relation, ToOne):
            value = params.get(relation.fk, "")
            if value.isdigit() and access.can_read_column(principal, model, relation.fk):
                query.where.append(getattr(model, relation.fk) == int(value))
                query.params[relation.fk] = value
    if params.get("deleted") == "1":
        query.deleted = True
        query.where.append(model.deleted_at.is_not(None))  # type: ignore[union-attr]
        query.params["deleted"] = "1"
    sort = params.get("sort", "")
    name = sort.lstrip("-")
    if name and name in model.__table__.c and column_meta(model, name).orderable and access.can_read_column(principal, model, name):  # type: ignore[attr-defined]
        query.keys = [SortKey(name, Direction.DESC if sort.startswith("-") else Direction.ASC)]
        query.params["sort"] = sort
    else:
        default = view.list_columns[0]
        query.keys = [SortKey(default, Direction.DESC if kind_of(model, default) == "date" else Direction.ASC)]
    query.keys = with_tiebreak(query.keys)
    return query


def scoped_statement_options(deleted: bool) -> dict[str, Any]:
    return {access.INCLUDE_DELETED: True} if deleted else {}


async def list_page(page: Page, view: AdminView) -> Response:
    model = view.model
    query = build_list_query(page, view)
    where = sa.and_(*query.where) if query.where else None
    after = None
    cursor = page.request.query_params.get("after")
    if cursor:
        try:
            after = decode_cursor(model, cursor, query.keys)
        except CursorError:
            after = None
    options = scoped_statement_options(query.deleted)

    async with page.db.session(page.principal) as session:

        async def execute(statement: Any) -> Any:
            return await session.execute(statement.execution_options(**options))

        rows = await reads.fetch_page(execute, model, where=where, keys=query.keys, first=PAGE_SIZE, after=after)
        total, exact = await reads.count_up_to(execute, model, where, COUNT_CAP)
        records = rows[:PAGE_SIZE]
        columns = [c for c in view.list_columns if access.can_read_column(page.principal, model, c) or column_meta(model, c).sensitive]
        columns = [c for c in columns if access.readable_columns(page.principal, model) is None or c in access.readable_columns(page.principal, model)]  # type: ignore[operator]
        refs = await resolve_refs(page, session, model, records, columns)
        org_choices = await organisation_choices(page, session)
    next_cursor = encode_cursor(records[-1], query.keys) if len(rows) > PAGE_SIZE else None
    filters = []
    for column in view.filters:
        if not access.can_read_column(page.principal, model, column):
            continue
        kind = kind_of(model, column)
        options_ = choice_options(model, column, page.lang) if kind == "choice" else []
        filters.append({"column": column, "label": label(model, column, page.lang), "kind": kind, "options": options_})
    return page.render(
        "list.html",
        view=view,
        model=model,
        title=type_label(model, page.lang),
        columns=[(c, label(model, c, page.lang)) for c in columns],
        rows=[(r, {c: display(page, model, r, c, refs) for c in columns}) for r in records],
        total=total,
        exact=exact,
        query=query,
        next_url=page.url(f"/{view.slug}", **query.params, after=next_cursor) if next_cursor else None,
        first_url=page.url(f"/{view.slug}", **query.params) if cursor else None,
        filters=filters,
        org_choices=org_choices,
        can_create=access.can_write(page.principal, model, Op.CREATE),
        sort=query.params.get("sort", ""),
        sortable={
            c for c in columns
            if column_meta(model, c).orderable and access.can_read_column(page.principal, model, c)
        },
        sort_url=lambda c: page.url(
            f"/{view.slug}", **{**query.params, "sort": ("-" + c) if query.params.get("sort") == c else c}
        ),
        export_url=lambda fmt: page.url(f"/{view.slug}/export.{fmt}", **query.params),
    )


async def organisation_choices(page: Page, session: AsyncSession) -> list[tuple[int, str]]:
    model = ENTITIES["Organisation"]
    ids = [r for r in (await session.execute(sa.select(model.id).limit(PICKER_LIMIT))).scalars().all()]  # type: ignore[arg-type]
    titles = await record_titles(session, model, set(ids), page.lang)
    return sorted(titles.items(), key=lambda item: item[1])
