"""The admin UI at /admin: server-rendered pages over the same policy and write path as GraphQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from admin_ui import records
from admin_ui.i18n import t
from admin_ui.web import TEMPLATES, LoginRequired, Page, login_redirect, open_page, redirect
from hongfan import accounts
from hongfan.auth import (
    SESSION_COOKIE,
    AuthenticationFailed,
    authenticate_info,
    page_language,
    remember_device,
    same_origin,
    sign_session,
    unsign_session,
)
from models.validators import MAX_RECORD_ID, parse_record_id

Handler = Callable[[Page, Request], Awaitable[Response]]


def signed_in(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            page = await open_page(request)
        except LoginRequired:
            return login_redirect(request)
        return await handler(page, request)

    return endpoint


def _view_or_404(page: Page, request: Request) -> Any:
    view = records.view_for(request.path_params["slug"])
    if view is None or view not in page.nav():
        return None
    pk = request.path_params.get("pk")
    if (
        isinstance(pk, int) and pk > MAX_RECORD_ID
    ):  # no record has it; the database would fail (#9.4)
        return None
    return view


async def _list(page: Page, request: Request) -> Response:
    view = _view_or_404(page, request)
    if view is None:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    return await records.list_page(page, view)


async def _detail(page: Page, request: Request) -> Response:
    view = _view_or_404(page, request)
    if view is None:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    return await records.detail_page(page, view, int(request.path_params["pk"]))


async def _new(page: Page, request: Request) -> Response:
    view = _view_or_404(page, request)
    if view is None:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    if request.method == "POST":
        return await records.save(page, view, None)
    return await records.form_page(page, view, None)


async def _edit(page: Page, request: Request) -> Response:
    view = _view_or_404(page, request)
    if view is None:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    pk = int(request.path_params["pk"])
    if request.method == "POST":
        return await records.save(page, view, pk)
    return await records.form_page(page, view, pk)


async def _delete(page: Page, request: Request) -> Response:
    view = _view_or_404(page, request)
    if view is None:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    return await records.delete_or_restore(
        page, view, int(request.path_params["pk"]), restore=False
    )


async def _restore(page: Page, request: Request) -> Response:
    view = _view_or_404(page, request)
    if view is None:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    return await records.delete_or_restore(page, view, int(request.path_params["pk"]), restore=True)


async def _history(page: Page, request: Request) -> Response:
    view = _view_or_404(page, request)
    if view is None:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    pk = int(request.path_params["pk"])
    if request.method == "POST":
        entry = (await request.form()).get("entry")
        return await records.restore_version(
            page, view, pk, (parse_record_id(entry) or 0) if isinstance(entry, str) else 0
        )
    return await records.history_page(page, view, pk)


async def _home(page: Page, request: Request) -> Response:
    from admin_ui.dashboard import dashboard_page

    return await dashboard_page(page)


async def login(request: Request) -> Response:
    lang = page_language(request)
    target = request.query_params.get("next") or "/admin/"
    if not target.startswith("/admin"):
        target = "/admin/"
    if request.method == "GET":
        try:
            info = await authenticate_info(request)
        except (
            AuthenticationFailed
        ):  # the session ended: the form, saying so, and forget the cookie
            ended = _login_form(lang, target, None, True)
            ended.delete_cookie(SESSION_COOKIE, path="/")
            return ended
        if info.method == "session":
            return redirect(target)
        return _login_form(lang, target, None, request.query_params.get("expired") == "1")
    if not same_origin(request):
        return _login_form(lang, target, t("login.cross_site", lang), False, 403)
    form = await request.form()
    db = request.app.state.db
    settings = request.app.state.settings
    policy = accounts.SessionPolicy.from_settings(settings)
    previous = unsign_session(request.cookies.get(SESSION_COOKIE), settings.secret_key)
    ip = request.client.host if request.client else None
    try:
        async with db.transaction(accounts.AUTH) as session:
            _, raw = await accounts.login(
                session,
                str(form.get("email", "")),
                str(form.get("password", "")),
                ip,
                request.headers.get("user-agent"),
                policy=policy,
                device=request.cookies.get(accounts.DEVICE_COOKIE),
            )
            if previous is not None:
                await accounts.logout(session, previous)  # a new login is a new session id
    except accounts.LoginRateLimited as limited:
        return _login_form(lang, target, limited.message(lang), False, 429)
    except accounts.LoginFailed as failed:
        return _login_form(lang, target, failed.message(lang), False, 401)
    response = redirect(target)
    response.set_cookie(
        SESSION_COOKIE,
        sign_session(raw, settings.secret_key),
        max_age=int(policy.lifetime.total_seconds()),
        path="/",
        secure=settings.is_production,
        httponly=True,
        samesite="lax",
    )
    remember_device(response, request, str(form.get("email", "")), settings)
    return response


def _login_form(
    lang: str, target: str, error: str | None, expired: bool, status: int = 200
) -> Response:
    from starlette.responses import HTMLResponse

    html = TEMPLATES.get_template("login.html").render(
        t=lambda key, **p: t(key, lang, **p),
        lang=lang,
        target=target,
        error=error,
        expired=expired,
        action="/admin/login?" + urlencode({"next": target}),
    )
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


async def logout(request: Request) -> Response:
    try:
        info = await authenticate_info(request)
    except AuthenticationFailed:  # already over: just forget the cookie
        ended = redirect("/admin/login")
        ended.delete_cookie(SESSION_COOKIE, path="/")
        return ended
    form = await request.form()
    db = request.app.state.db
    if info.method == "session" and form.get("csrf_token") == info.csrf_token:
        raw = unsign_session(
            request.cookies.get(SESSION_COOKIE), request.app.state.settings.secret_key
        )
        if raw:
            async with db.transaction(accounts.AUTH) as session:
                await accounts.logout(session, raw)
    response = redirect("/admin/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def switch_language(request: Request) -> Response:
    lang = request.query_params.get("lang", "zh")
    # Only ever back to one of our own admin pages: a Referer is whatever the client says.
    referer = urlsplit(request.headers.get("referer") or "")
    back = referer.path + (f"?{referer.query}" if referer.query else "")
    response = redirect(
        back if referer.path.startswith("/admin") and not back.startswith("//") else "/admin/"
    )
    response.set_cookie(
        "hongfan_lang",
        "en" if lang == "en" else "zh",
        max_age=365 * 86400,
        path="/",
        samesite="lax",
    )
    return response


def admin_mount() -> Mount:
    from admin_ui import bulk, dashboard, people, pickers, saved_views, transfer

    routes = [
        Route("/", signed_in(_home)),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/language", switch_language),
        *dashboard.routes(signed_in),
        *people.routes(signed_in),
        *transfer.routes(signed_in),
        *pickers.routes(signed_in),
        *bulk.routes(signed_in),
        *saved_views.routes(signed_in),
        Route("/{slug}", signed_in(_list), methods=["GET", "POST"]),
        Route("/{slug}/new", signed_in(_new), methods=["GET", "POST"]),
        Route("/{slug}/{pk:int}", signed_in(_detail)),
        Route("/{slug}/{pk:int}/edit", signed_in(_edit), methods=["GET", "POST"]),
        Route("/{slug}/{pk:int}/delete", signed_in(_delete), methods=["POST"]),
        Route("/{slug}/{pk:int}/restore", signed_in(_restore), methods=["POST"]),
        Route("/{slug}/{pk:int}/history", signed_in(_history), methods=["GET", "POST"]),
        Mount(
            "/static", StaticFiles(directory=Path(__file__).parent / "static"), name="admin-static"
        ),
    ]
    return Mount("/admin", routes=routes)
