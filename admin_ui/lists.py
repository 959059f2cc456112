"""The record lists: search, filters, columns, keyset pages, and the rows' bulk selection.

What is asked comes from :mod:`admin_ui.listquery`; rows come through the caller's
scoped session and ``hongfan.reads``, a page at a time by keyset.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from admin_ui import saved_views
from admin_ui.bulk import bulk_actions
from admin_ui.columns import (
    COUNT_CAP,
    HIDDEN_IN_FORMS,
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
from admin_ui.listquery import ListQuery, build_list_query, organisation_column, read_params
from admin_ui.pickers import find_options
from admin_ui.registry import BY_SLUG, AdminView
from admin_ui.search import lookup_columns, lookup_entry
from admin_ui.web import Page, redirect
from hongfan import access, reads
from hongfan.pagination import CursorError, decode_row_cursor, encode_row_cursor
from hongfan.policy import Op
from hongfan.transfer.reach import export_reach
from models import pinyin
from models.base import CHOICE_LABELS, ENTITIES, Record, column_meta

HIDDEN_IN_LISTS = {"id", "path"}


def scoped_statement_options(deleted: bool) -> dict[str, Any]:
    return {access.INCLUDE_DELETED: True} if deleted else {}


def available_columns(page: Page, model: type[Record]) -> list[str]:
    """Every column the caller may see in a list (sensitive ones masked as their role sees them)."""
    found = []
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        name = column.name
        if name in HIDDEN_IN_LISTS or pinyin.derived_from(column) or name not in _meta_names(model):
            continue
        if not access.visibility(page.principal, model, name).readable:
            continue  # hidden outright for this role
        found.append(name)
    # What the record says first; who changed it when, last.
    return sorted(found, key=lambda c: c in HIDDEN_IN_FORMS)


def _meta_names(model: type[Record]) -> set[str]:
    return {c.name for c in model.__table__.columns if "meta" in c.info}  # type: ignore[attr-defined]


def shown_columns(page: Page, view: AdminView, query: ListQuery) -> list[str]:
    available = available_columns(page, view.model)
    chosen = [c for c in query.params.get("cols", "").split(",") if c in available]
    return chosen or [c for c in view.list_columns if c in available]


# How long a count asked for exactly may take (a person waits for it) before the list says
# "more than" again, and that it stopped.
EXACT_COUNT_BUDGET_MS = 3000


async def list_page(page: Page, view: AdminView) -> Response:
    model = view.model
    params = await read_params(page)
    # "count=exact": the exact number past COUNT_CAP, asked for by a link (the count's own,
    # a dashboard figure's); counted within EXACT_COUNT_BUDGET_MS, else still "more than"
    exact_count = params.pop("count", "") == "exact"
    if page.request.method == "GET" and not params:
        default = await saved_views.default_params(page, view)
        if default:
            params = default
    query = build_list_query(page, view, params)
    if page.request.method == "POST" and not query.private and not params.get("_find"):
        # Nothing private was asked: show the answer at its own address, bookmarkable.
        return redirect(page.url(f"/{view.slug}", **query.params))
    where = sa.and_(*query.where) if query.where else None
    options = scoped_statement_options(query.deleted)
    columns = shown_columns(page, view, query)

    async with page.db.session(page.principal) as session:

        async def execute(statement: Any) -> Any:
            return await session.execute(statement.execution_options(**options))

        after = await _position(page, session, model, params.get("after"), query)
        before = None
        if after is None and not params.get("after"):
            before = await _position(page, session, model, params.get("before"), query)
        # A position that does not verify, or names a row gone since, starts the list
        # again, and says so: the user asked for a page and must not land elsewhere silently.
        lost = (
            bool(params.get("after") or params.get("before")) and after is None and before is None
        )
        cursor = None if lost else params.get("after") or params.get("before")
        rows = await reads.fetch_page(
            execute,
            model,
            where=where,
            keys=query.keys,
            first=PAGE_SIZE,
            after=after,
            before=before,
            backward=before is not None,
            blanks_apart=True,
        )
        if exact_count:
            total, exact = await reads.honest_count(
                execute,
                model,
                where,
                count_within=lambda statement, ms: reads.count_within(
                    session, statement.execution_options(**options), ms
                ),
                exact_limit=COUNT_CAP,
                budget_ms=EXACT_COUNT_BUDGET_MS,
            )
        else:
            total, exact = await reads.count_up_to(execute, model, where, COUNT_CAP)
        records = rows[:PAGE_SIZE]
        if before is not None:  # fetched nearest first, in the opposite order: turned round
            records.reverse()
        refs = await resolve_refs(page, session, model, records, columns)
        org_title = await _organisation_title(page, session, query.params.get("org"))
        chips = await _chip_texts(page, session, model, query)
    org_found: list[tuple[int, str]] = []
    if params.get("_find") == "org":  # the organisation filter's search, without JavaScript
        found = await find_options(
            page, BY_SLUG["organisations"], params.get("org__q", ""), size=50
        )
        org_found = [
            (r["id"], r["title"]) for r in found.results if str(r["id"]) != query.params.get("org")
        ]
    export_note = await _export_note(page, view, where, query.deleted)
    if query.looked_up:
        async with page.db.transaction(page.principal) as session:
            session.add(lookup_entry(page.principal, model, query.looked_up))
    # Past a "before" position the row at it follows; past an "after" one, the row at it
    # precedes: a page reached either way has a neighbour on that side.
    more_after = len(rows) > PAGE_SIZE if before is None else True
    more_before = after is not None if before is None else len(rows) > PAGE_SIZE
    secret = page.settings.secret_key
    next_cursor = (
        encode_row_cursor(model, records[-1], query.keys, secret)
        if more_after and records
        else None
    )
    previous_cursor = None
    if more_before:
        previous_cursor = (
            encode_row_cursor(model, records[0], query.keys, secret) if records else params["after"]
        )
    return page.render(
        "list.html",
        view=view,
        model=model,
        title=type_label(model, page.lang),
        columns=[(c, label(model, c, page.lang)) for c in columns],
        all_columns=[(c, label(model, c, page.lang)) for c in available_columns(page, model)],
        rows=[(r, {c: display(page, model, r, c, refs) for c in columns}) for r in records],
        total=total,
        exact=exact,
        exact_url=page.url(f"/{view.slug}", **query.params, count="exact")
        if not exact and not exact_count and not query.private
        else None,
        count_stopped=EXACT_COUNT_BUDGET_MS // 1000 if exact_count and not exact else None,
        query=query,
        next_cursor=next_cursor,
        next_url=page.url(f"/{view.slug}", **query.params, after=next_cursor)
        if next_cursor and not query.private
        else None,
        previous_cursor=previous_cursor,
        previous_url=page.url(f"/{view.slug}", **query.params, before=previous_cursor)
        if previous_cursor and not query.private
        else None,
        first_url=page.url(f"/{view.slug}", **query.params)
        if cursor and not query.private
        else None,
        paged=bool(cursor),
        position_lost=lost,
        filters=_filters(page, view),
        org_filter=organisation_column(model) is not None,
        org_title=org_title,
        org_found=org_found,
        org_query=params.get("org__q", "") if org_found else "",
        query_by_id=bool(lookup_columns(page.principal, model)),
        chips=chips,
        can_create=access.can_write(page.principal, model, Op.CREATE),
        bulk=bulk_actions(page, view),
        sort=query.params.get("sort", ""),
        sortable={
            c
            for c in columns
            if column_meta(model, c).orderable and access.can_read_column(page.principal, model, c)
        },
        sort_url=lambda c: page.url(
            f"/{view.slug}",
            **{**query.params, "sort": ("-" + c) if query.params.get("sort") == c else c},
        ),
        export_url=lambda fmt: page.url(f"/{view.slug}/export.{fmt}", **query.params),
        export_note=export_note,
        views=await saved_views.for_list(page, view),
    )


async def _export_note(
    page: Page, view: AdminView, where: sa.ColumnElement[bool] | None, deleted: bool
) -> str | None:
    """What the list's export buttons export, when it is less than the list shows: a public
    type's list has other units' published rows too, its export only the caller's own part
    (hongfan.transfer.reach) — counted with the export's scope, capped like the list's."""
    if deleted or not access.reads_beyond_scope(page.principal, view.model):
        return None
    reach = await export_reach(page.db, page.principal, view.type_name, where, cap=COUNT_CAP)
    if reach.left_out == 0:
        return None
    n = f"{reach.exported:,}"
    if not reach.exact:
        return page.t("export.scope_note_many", n=n)
    if reach.left_out is None:
        return page.t("export.scope_note_more", n=n)
    return page.t("export.scope_note", n=n, m=f"{reach.left_out:,}")


async def _position(
    page: Page, session: AsyncSession, model: type[Record], cursor: str | None, query: ListQuery
) -> list[Any] | None:
    """The keyset position a page starts past: the values of the row a signed cursor names.
    None for no cursor, one that does not verify (altered, made up, signed with an older
    key, made for another list or ordering) and one whose row the caller no longer sees."""
    if not cursor:
        return None
    try:
        record_id = decode_row_cursor(model, cursor, query.keys, page.settings.secret_key)
    except CursorError:
        return None
    return await reads.position_of(session.execute, model, query.keys, record_id)


def _filters(page: Page, view: AdminView) -> list[dict[str, Any]]:
    model = view.model
    found = []
    for column in view.filters:
        if not access.can_read_column(page.principal, model, column):
            continue
        kind = kind_of(model, column)
        options = choice_options(model, column, page.lang) if kind == "choice" else []
        found.append(
            {
                "column": column,
                "label": label(model, column, page.lang),
                "kind": kind,
                "options": options,
            }
        )
    return found


async def _organisation_title(page: Page, session: AsyncSession, org: str | None) -> str | None:
    if not org:
        return None
    titles = await record_titles(session, ENTITIES["Organisation"], {int(org)}, page.lang)
    return titles.get(int(org))


async def _chip_texts(
    page: Page, session: AsyncSession, model: type[Record], query: ListQuery
) -> list[dict[str, str]]:
    """Relation filters as the filter bar shows them: 所在组织：湖里区 / 金山街道 / 金山社区 ×."""
    from admin_ui.columns import fk_target

    shown = []
    for chip in query.chips:
        if "id" in chip:
            target = fk_target(model, chip["param"])
            titles = (
                await record_titles(session, target, {int(chip["id"])}, page.lang) if target else {}
            )
            text = titles.get(int(chip["id"]), f"#{chip['id']}")
        else:
            choice: Any = chip["choice"]
            zh, en = CHOICE_LABELS.get(type(choice), {}).get(choice, (str(choice), str(choice)))
            text = en if page.lang == "en" else zh
        without = {k: v for k, v in query.params.items() if k != chip["param"]}
        shown.append(
            {
                "param": chip["param"],
                "label": chip["label"],
                "text": text,
                "value": query.params[chip["param"]],
                "remove_url": page.url(f"/{page.request.path_params['slug']}", **without),
            }
        )
    return shown


async def organisation_choices(page: Page, session: AsyncSession) -> list[tuple[int, str]]:
    model = ENTITIES["Organisation"]
    key: Any = model.id
    ids = list((await session.execute(sa.select(key).limit(PICKER_LIMIT))).scalars().all())
    titles = await record_titles(session, model, set(ids), page.lang)
    return sorted(titles.items(), key=lambda item: item[1])


__all__ = [
    "ListQuery",
    "build_list_query",
    "list_page",
    "organisation_choices",
    "scoped_statement_options",
]
