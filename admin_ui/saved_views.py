"""Column chooser and saved views: each user's named list settings, stored server-side.

A view is what a list's URL carries — filters, sort, ``cols`` — under a name, for one
user and one list; one of them may be the user's default, opened when the list is
visited with no parameters. Search text is never stored (it may be an ID number).
Views belong to their user alone: every query here is by ``user_id``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin_ui.listquery import build_list_query
from admin_ui.registry import BY_SLUG, AdminView
from admin_ui.web import Page, redirect
from models.saved_views import SavedView

MAX_VIEWS = 30  # per user and list
MAX_NAME = 50


async def _views(page: Page, view: AdminView) -> list[SavedView]:
    if page.principal.user_id is None:
        return []
    async with page.db.session(page.principal) as session:
        result = await session.execute(
            sa.select(SavedView)
            .where(SavedView.user_id == page.principal.user_id, SavedView.list_slug == view.slug)  # type: ignore[arg-type]
            .order_by(SavedView.name)  # type: ignore[arg-type]
        )
        return list(result.scalars().all())


async def for_list(page: Page, view: AdminView) -> list[dict[str, Any]]:
    """The user's views of this list, each with the URL that opens it."""
    return [
        {
            "id": v.id,
            "name": v.name,
            "default": v.is_default,
            "url": page.url(f"/{view.slug}", **v.params),
        }
        for v in await _views(page, view)
    ]


async def default_params(page: Page, view: AdminView) -> dict[str, str]:
    for saved in await _views(page, view):
        if saved.is_default:
            return {str(k): str(v) for k, v in saved.params.items()}
    return {}


async def save_view(page: Page, request: Request) -> Response:
    """POST /admin/{slug}/views: save (or replace) a named view, delete one, or make one the default."""
    view = BY_SLUG.get(request.path_params["slug"])
    if view is None or view not in page.nav() or page.principal.user_id is None:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    form = await request.form()
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    action = fields.get("view_action", "save")
    user_id = page.principal.user_id
    async with page.db.transaction(page.principal) as session:
        mine = sa.select(SavedView).where(
            col(SavedView.user_id) == user_id, col(SavedView.list_slug) == view.slug
        )
        existing = {v.id: v for v in (await session.execute(mine)).scalars().all()}
        chosen = (
            existing.get(int(fields["view_id"])) if fields.get("view_id", "").isdigit() else None
        )
        if action == "delete" and chosen is not None:
            await session.delete(chosen)
            return redirect(page.url(f"/{view.slug}", msg="view_deleted"))
        if action == "default":
            for saved in existing.values():
                saved.is_default = chosen is not None and saved.id == chosen.id
            return redirect(
                chosen_url(page, view, chosen)
                if chosen
                else page.url(f"/{view.slug}", msg="view_saved")
            )
        name = fields.get("view_name", "").strip()[:MAX_NAME]
        if not name:
            return page.render("error.html", status_code=422, text=page.t("views.name_required"))
        # What the list shows now, read the same way the list reads it: no search text.
        params = build_list_query(page, view, {k: v for k, v in fields.items() if k != "q"}).params
        same = next((v for v in existing.values() if v.name == name), None)
        if same is None and len(existing) >= MAX_VIEWS:
            return page.render(
                "error.html", status_code=422, text=page.t("views.too_many", n=MAX_VIEWS)
            )
        make_default = fields.get("view_default") == "1"
        if make_default:
            for saved in existing.values():
                saved.is_default = False
        if same is None:
            same = SavedView(
                user_id=user_id,
                list_slug=view.slug,
                name=name,
                params=params,
                is_default=make_default,
            )
            session.add(same)
        else:
            same.params = params
            same.is_default = make_default or same.is_default
    return redirect(page.url(f"/{view.slug}", **params, msg="view_saved"))


def chosen_url(page: Page, view: AdminView, saved: SavedView) -> str:
    return page.url(f"/{view.slug}", **saved.params, msg="view_saved")


def routes(signed_in: Any) -> list[Route]:
    return [Route("/{slug}/views", signed_in(save_view), methods=["POST"])]
