"""Relation pickers: search any record the caller may see, a page at a time, no cap.

``POST /admin/{slug}/options`` (fields ``q``, ``after``, ``csrf_token``) answers JSON::

    {"results": [{"id": 7, "title": "刘测试一", "detail": "湖里区 / 金山街道 · 厦门大学 · 尾号 1234"}],
     "next": "<cursor or null>", "total": 42, "exact": true}

Matching is the list search's (:func:`admin_ui.search.text_match`: part of the name,
pinyin or initials, and a whole ID number or phone for those who may read it), under
the caller's row scope; results are in pinyin order of their titles. The search text
travels in the POST body, never in a URL. Forms use the same function without
JavaScript (a "find" button that re-renders the form with the matches).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from admin_ui.columns import COUNT_CAP, display, fk_target, record_titles, resolve_refs, title
from admin_ui.registry import BY_SLUG, BY_TYPE, AdminView
from admin_ui.search import lookup_entry, text_match
from admin_ui.web import Page
from hongfan import access, reads
from hongfan.pagination import (
    CursorError,
    Direction,
    SortKey,
    decode_row_cursor,
    encode_row_cursor,
    with_tiebreak,
)
from models import pinyin
from models.base import Record, column_meta

PICKER_PAGE = 20


@dataclass
class Options:
    results: list[dict[str, Any]]
    next: str | None
    total: int
    exact: bool


def _keys(view: AdminView) -> list[SortKey]:
    return with_tiebreak(
        [SortKey(pinyin.sort_column(view.model, view.title_column), Direction.ASC)]
    )


async def find_options(
    page: Page, view: AdminView, text: str, after: str | None = None, *, size: int = PICKER_PAGE
) -> Options:
    """One page of the records of ``view`` matching ``text`` (all of them when it is blank)."""
    model = view.model
    match = text_match(page.principal, model, text)
    keys = _keys(view)
    secret = page.settings.secret_key
    position = None
    async with page.db.session(page.principal) as session:
        if after:  # a signed row cursor (no name in it); one that does not verify starts over
            try:
                record_id = decode_row_cursor(model, after, keys, secret)
            except CursorError:
                record_id = None
            if record_id is not None:
                position = await reads.position_of(session.execute, model, keys, record_id)
        rows = await reads.fetch_page(
            session.execute, model, where=match.where, keys=keys, first=size, after=position
        )
        total, exact = await reads.count_up_to(session.execute, model, match.where, COUNT_CAP)
        records = rows[:size]
        details = await describe(page, session, view, records)
    if match.looked_up:
        async with page.db.transaction(page.principal) as session:
            session.add(lookup_entry(page.principal, model, match.looked_up))
    results = [
        {"id": r.id, "title": t, "detail": d} for r, (t, d) in zip(records, details, strict=True)
    ]
    return Options(
        results,
        encode_row_cursor(model, records[-1], keys, secret) if len(rows) > size else None,
        total,
        exact,
    )


async def describe(
    page: Page, session: AsyncSession, view: AdminView, records: list[Record]
) -> list[tuple[str, str]]:
    """(title, detail) per record: what tells two 刘测试一 apart, as this caller may see it."""
    model = view.model
    if model.__entity__.scope == "path":  # organisations: the path is the title
        titles = await record_titles(session, model, {r.id for r in records if r.id}, page.lang)
    else:
        titles = {r.id: title(r, view, page.lang) for r in records if r.id}
    columns = [c for c in view.picker_details if c in model.__table__.c]  # type: ignore[attr-defined]
    refs = await resolve_refs(page, session, model, records, columns)
    described = []
    for record in records:
        parts = []
        for column in columns:
            if column_meta(model, column).sensitive:
                tail = _tail(page, model, record, column)
                if tail:
                    parts.append(tail)
                continue
            value = display(page, model, record, column, refs)
            if value not in (None, ""):
                parts.append(str(value) if fk_target(model, column) else _format(page, value))
        described.append((titles.get(record.id or 0, f"#{record.id}"), " · ".join(parts)))
    return described


def _tail(page: Page, model: type[Record], record: Record, column: str) -> str | None:
    """The last four characters of a personal number, as a masked value shows them (no read in clear)."""
    masked = access.present(page.principal, model, column, getattr(record, column))
    if not masked:
        return None
    return page.t("picker.tail", tail=str(masked)[-4:])


def _format(page: Page, value: Any) -> str:
    from admin_ui.i18n import format_value

    return format_value(value, page.lang)


async def options_endpoint(page: Page, request: Request) -> Response:
    view = BY_SLUG.get(request.path_params["slug"])
    if view is None or view not in page.nav():
        return JSONResponse({"error": page.t("error.not_found")}, status_code=404)
    form = await request.form()
    if not page.csrf_valid(form):
        return JSONResponse({"error": page.t("error.csrf")}, status_code=403)
    found = await find_options(
        page, view, str(form.get("q", "")), str(form.get("after", "")) or None
    )
    return JSONResponse(
        {"results": found.results, "next": found.next, "total": found.total, "exact": found.exact},
        headers={"cache-control": "no-store"},
    )


def picker_view(model: type[Record]) -> AdminView | None:
    """The admin view whose records a relation to ``model`` picks from."""
    return BY_TYPE.get(model.__entity__.type_name)


async def chosen_title(
    page: Page, session: AsyncSession, model: type[Record], pk: int | None
) -> tuple[str, str] | None:
    """(title, detail) of the currently chosen record, or None when it is not visible."""
    view = picker_view(model)
    if pk is None or view is None:
        return None
    found = (await session.execute(sa.select(model).where(model.id == pk))).scalars().all()  # type: ignore[arg-type]
    if not found:
        return None
    return (await describe(page, session, view, list(found)))[0]


def routes(signed_in: Any) -> list[Route]:
    return [Route("/{slug}/options", signed_in(options_endpoint), methods=["POST"])]
