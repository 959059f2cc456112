"""Request plumbing for the admin: who is asking, in which language, CSRF, rendering."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from admin_ui.i18n import format_actor, format_value, t
from admin_ui.registry import VIEWS, AdminView
from hongfan.auth import AuthenticationFailed, AuthInfo, authenticate_info, page_language
from hongfan.db import Database
from hongfan.principal import Principal
from hongfan.settings import Settings

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclasses.dataclass
class Page:
    """One admin request: the caller and what the templates need."""

    request: Request
    db: Database
    settings: Settings
    auth: AuthInfo
    lang: str

    @property
    def principal(self) -> Principal:
        return self.auth.principal

    def t(self, key: str, **params: object) -> str:
        return t(key, self.lang, **params)

    def url(self, path: str, **params: Any) -> str:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return f"/admin{path}" + (f"?{urlencode(query)}" if query else "")

    def nav(self) -> list[AdminView]:
        from hongfan import access

        return [view for view in VIEWS if access.in_admin(self.principal, view.model)]

    @property
    def is_admin(self) -> bool:
        from hongfan import access

        return access.administers(self.principal)

    def render(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = TEMPLATES.get_template(template).render(
            page=self,
            t=self.t,
            fmt=lambda value: format_value(value, self.lang),
            actor=lambda value: format_actor(value, self.lang),
            message=self.request.query_params.get("msg"),
            **context,
        )
        return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"})

    def csrf_valid(self, form: Any) -> bool:
        expected = self.auth.csrf_token
        return bool(expected) and form.get("csrf_token") == expected


class LoginRequired(Exception):
    pass


async def open_page(request: Request) -> Page:
    """The page context for a signed-in staff member or partner; else LoginRequired."""
    try:
        info = await authenticate_info(request)
    except AuthenticationFailed as error:
        raise LoginRequired() from error
    if info.principal.is_anonymous or info.method != "session":
        raise LoginRequired()
    lang = page_language(request)
    info = dataclasses.replace(info, principal=dataclasses.replace(info.principal, language=lang))
    return Page(request, request.app.state.db, request.app.state.settings, info, lang)


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect("/admin/login?" + urlencode({"next": target}))
