"""Security headers on every response, and a strict Content-Security-Policy on the admin UI.

The admin pages (``/admin/…``) load nothing but their own files: one stylesheet and one
script from ``/admin/static``, no inline ``<script>``, no ``on…=`` handlers, no ``style=``
attributes (``tests/hostile/test_service_headers.py`` keeps it that way). So the policy
allows ``'self'`` only, and no page may be framed (clickjacking) or post a form elsewhere.

GraphiQL (``GET /graphql`` in a browser, development only) is strawberry's page, with its
inline bootstrap script and its bundle from a CDN: it gets the headers every response gets
(``nosniff``, the referrer policy, no framing) but not the admin's script policy.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ADMIN_PREFIX = "/admin"

ADMIN_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

# Every response: no MIME sniffing, no framing, the full URL never leaves the site.
COMMON = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}
# Admin pages in addition: the script policy, and no URL at all in a Referer to other sites
# (a list's filters can name an organisation or a person's surname).
ADMIN = {
    "content-security-policy": ADMIN_CSP,
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def _raw(headers: dict[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    )


_COMMON_RAW = _raw(COMMON)
_ADMIN_RAW = _raw({**COMMON, **ADMIN})


class SecurityHeaders:
    """ASGI middleware: adds :data:`COMMON` (and on ``/admin`` :data:`ADMIN`) unless already set.

    Raw byte pairs appended to the start message: a few microseconds a request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        admin = path.startswith(ADMIN_PREFIX) and (
            path == ADMIN_PREFIX or path[len(ADMIN_PREFIX)] == "/"
        )
        wanted = _ADMIN_RAW if admin else _COMMON_RAW

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in wanted if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
