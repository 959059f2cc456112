"""The JSON sign-in endpoints: ``POST /auth/login``, ``POST /auth/logout``, ``GET /auth/me``.

A frontend on the same origin signs in with e-mail and password (JSON or a url-encoded form)
and gets the session cookie and its CSRF token; ``/auth/me`` says who is signed in and how
(session or bearer token). Kernel-only: the wiring (``hongfan.app``) mounts the routes.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hongfan import accounts
from hongfan.auth import (
    SESSION_COOKIE,
    AuthenticationFailed,
    AuthInfo,
    SessionEnded,
    authenticate_info,
    csrf_ok,
    csrf_refusal,
    remember_device,
    request_language,
    same_origin,
    sign_session,
    unsign_session,
)
from hongfan.bounded import has_lone_surrogate
from hongfan.db import Database
from hongfan.settings import Settings
from models.accounts import User
from models.messages import message

MAX_LOGIN_BODY = 16 * 1024
NO_STORE = {"Cache-Control": "no-store"}


def _auth_error(
    status: int, text: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    return JSONResponse(
        {"error": text, **extra}, status_code=status, headers={**NO_STORE, **(headers or {})}
    )


async def _credentials(request: Request) -> dict[str, Any] | None:
    """{email, password} from a JSON or url-encoded form body; None when unreadable."""
    body = await request.body()
    if len(body) > MAX_LOGIN_BODY:
        return None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/x-www-form-urlencoded":
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            return {key: values[0] for key, values in form.items() if values}
        data = json.loads(body or b"{}")
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _user_json(user: User) -> dict[str, Any]:
    return {"email": user.email, "role": user.role.value, "displayName": user.display_name}


def auth_routes(database: Database, settings: Settings) -> list[Route]:
    policy = accounts.SessionPolicy.from_settings(settings)

    def clear_cookie(response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, path="/", secure=settings.is_production, httponly=True, samesite="lax"
        )

    async def login(request: Request) -> Response:
        lang = request_language(request)
        if not same_origin(request, settings.cors_origins):
            return _auth_error(403, message("login.cross_site", lang), code="CROSS_SITE")
        data = await _credentials(request)
        if has_lone_surrogate(data):  # JSON can spell one; hashing it would fail (a 500)
            return _auth_error(400, message("request.surrogate", lang))
        email = data.get("email") if data else None
        password = data.get("password") if data else None
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            return _auth_error(400, message("login.missing", lang))
        previous = unsign_session(request.cookies.get(SESSION_COOKIE), settings.secret_key)
        ip = request.client.host if request.client else None
        try:
            async with database.transaction(accounts.AUTH) as session:
                auth_session, raw = await accounts.login(
                    session,
                    email,
                    password,
                    ip,
                    request.headers.get("user-agent"),
                    policy=policy,
                    device=request.cookies.get(accounts.DEVICE_COOKIE),
                )
                if previous is not None:
                    await accounts.logout(session, previous)  # the old id dies with the new login
                user = (
                    await session.execute(sa.select(User).where(User.id == auth_session.user_id))  # type: ignore[arg-type]
                ).scalar_one()
        except accounts.LoginRateLimited as error:
            return _auth_error(429, error.message(lang), {"Retry-After": str(error.retry_after)})
        except accounts.LoginFailed as error:
            return _auth_error(401, error.message(lang))
        response = JSONResponse(
            {"user": _user_json(user), "csrfToken": auth_session.csrf_token}, headers=NO_STORE
        )
        response.set_cookie(
            SESSION_COOKIE,
            sign_session(raw, settings.secret_key),
            max_age=int(policy.lifetime.total_seconds()),
            path="/",
            secure=settings.is_production,
            httponly=True,
            samesite="lax",
        )
        remember_device(response, request, email, settings)
        return response

    async def current(request: Request) -> AuthInfo | Response:
        lang = request_language(request)
        try:
            return await authenticate_info(request)
        except SessionEnded as error:
            response = _auth_error(401, error.message(lang), code=error.extension)
            clear_cookie(response)
            return response
        except AuthenticationFailed as error:
            return _auth_error(
                401, error.message(lang), {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )

    async def logout(request: Request) -> Response:
        info = await current(request)
        if isinstance(info, Response):
            if request.cookies.get(SESSION_COOKIE) and not request.headers.get("authorization"):
                ended = JSONResponse({"ok": True}, headers=NO_STORE)  # already over: just forget it
                clear_cookie(ended)
                return ended
            return info
        if not csrf_ok(request, info):
            return _auth_error(
                403, message(csrf_refusal(request), request_language(request)), code="CSRF"
            )
        if info.method == "session" and info.session_id is not None:
            async with database.transaction(accounts.AUTH) as session:
                await accounts.logout(session, info.session_id)
        response = JSONResponse({"ok": True}, headers=NO_STORE)
        clear_cookie(response)
        return response

    async def me(request: Request) -> Response:
        info = await current(request)
        if isinstance(info, Response):
            return info
        principal = info.principal
        if principal.user_id is None:
            return _auth_error(401, message("auth.required", principal.language))
        async with database.session(accounts.AUTH) as session:
            user = (
                await session.execute(sa.select(User).where(User.id == principal.user_id))  # type: ignore[arg-type]
            ).scalar_one_or_none()
        if user is None:
            return _auth_error(401, message("auth.required", principal.language))
        body = {
            "user": _user_json(user),
            "csrfToken": info.csrf_token,
            "authenticatedBy": info.method,
        }
        return JSONResponse(body, headers=NO_STORE)

    return [
        Route("/auth/login", login, methods=["POST"]),
        Route("/auth/logout", logout, methods=["POST"]),
        Route("/auth/me", me, methods=["GET"]),
    ]
