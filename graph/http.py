"""/graphql as the GraphQL-over-HTTP specification describes it (issue #14).

:class:`GraphQLOverHTTP` wraps the endpoint (authentication, the fast lane, strawberry)
and shapes every answer after it is made:

* **media type**: ``application/graphql-response+json`` when the client accepts it,
  ``application/json`` otherwise (also for ``*/*`` and no ``Accept`` at all);
* **status codes**: with ``application/graphql-response+json`` a request that cannot be
  executed (unparsable JSON or document, invalid parameters, a document that fails
  validation) is 400 without a ``data`` entry; a client that explicitly asks for
  ``application/json`` gets those as 200 with ``errors`` (the spec's legacy rule). 401
  (a bad token), 403 (CSRF), 405 (a mutation over GET) and 413 keep their status either way;
* **every error is a GraphQL error body** with ``extensions.code``, in the caller's
  language — never strawberry's ``text/plain`` reasons;
* **caching**: an anonymous ``GET`` query answered without errors carries
  ``Cache-Control: public, max-age=N`` (``HONGFAN_CACHE_MAX_AGE``) and an ``ETag``, and
  ``If-None-Match`` with that tag answers 304 (anonymous callers see published records
  only: hongfan/policy.py). Authenticated answers are ``private, no-store``; the rest
  ``no-store``. ``Vary`` names every header the answer depends on;
* a ``GET`` query authenticated by the session cookie must send ``X-CSRF-Token`` like a
  POST does (a cross-site link cannot run a query, nor cause audited reads, as the user).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hongfan.auth import (
    SCOPE_KEY,
    AuthenticationFailed,
    authenticate_info,
    csrf_refusal,
    request_language,
)
from hongfan.bounded import has_lone_surrogate
from models.messages import message

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
VARY = "Accept, Accept-Language, Authorization, Cookie"

# strawberry's HTTPException reasons (text/plain) → our message code and HTTP status.
_REASONS: tuple[tuple[str, str], ...] = (
    ("Unable to parse request body as JSON", "http.json"),
    ("Unsupported content type", "http.content_type"),
    ("No GraphQL query found", "http.no_query"),
    ("`query` must be", "http.parameter:query"),
    ("`variables` must be", "http.parameter:variables"),
    ("`extensions` must be", "http.parameter:extensions"),
    ("`operationName` must be", "http.parameter:operationName"),
    ("not allowed when using GET", "http.get_mutation"),
    ("only supports GET and POST", "http.method"),
    ("Can't get GraphQL operation type", "http.operation"),
    ("Unknown operation named", "http.operation"),
    ("Batching is not enabled", "http.batch"),
    ("Not Found", "http.graphiql_off"),
)
_KIND = {
    "query": ("字符串", "a string"),
    "variables": ("JSON 对象", "a JSON object"),
    "extensions": ("JSON 对象", "a JSON object"),
    "operationName": ("字符串", "a string"),
}
_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "REQUEST_TOO_LARGE",
}


def reason_message(reason: str, lang: str) -> str:
    """strawberry's English reason as one of our messages, in ``lang``."""
    for fragment, code in _REASONS:
        if fragment in reason:
            code, _, name = code.partition(":")
            if name:
                zh, en = _KIND[name]
                return message(code, lang, name=name, kind=zh, kind_en=en)
            return message(code, lang)
    return message("http.bad_request", lang, reason=reason)


def parameter_problem(name: str, value: Any, lang: str) -> str | None:
    """The message for a request parameter of the wrong JSON type; None when it fits."""
    if value is None:
        return None
    expected = str if name in {"query", "operationName"} else dict
    if isinstance(value, expected):
        return None
    zh, en = _KIND[name]
    return message("http.parameter", lang, name=name, kind=zh, kind_en=en)


@dataclass(frozen=True)
class Negotiated:
    """What the client accepts: the media type to answer in, and whether it said so."""

    media_type: str
    explicit: bool  # the client listed the media type itself (not */* nor nothing)


def negotiate(accept: str | None) -> Negotiated:
    """``application/graphql-response+json`` when accepted at least as well as JSON."""
    if not accept:
        return Negotiated(JSON, False)
    weights: dict[str, float] = {}
    for item in accept.split(","):
        kind, *params = item.split(";")
        q = 1.0
        for param in params:
            name, _, raw = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(raw)
                except ValueError:
                    q = 0.0
        kind = kind.strip().lower()
        weights[kind] = max(weights.get(kind, 0.0), q)
    response = weights.get(GRAPHQL_RESPONSE, 0.0)
    plain = weights.get(JSON, 0.0)
    if response > 0 and response >= plain:
        return Negotiated(GRAPHQL_RESPONSE, True)
    return Negotiated(JSON, plain > 0)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def _is_request_error(data: dict[str, Any]) -> bool:
    """True for a response no execution started for: errors only, none with a path."""
    errors = data.get("errors")
    if not errors or data.get("data") is not None:
        return False
    return all(isinstance(e, dict) and not e.get("path") for e in errors)


def _error_body(text: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": text, "extensions": {"code": code}}]}


class GraphQLOverHTTP:
    """Media type, status codes, error bodies and caching for /graphql (module docstring)."""

    def __init__(self, app: ASGIApp, cache_max_age: int) -> None:
        self.app = app
        self.cache_max_age = cache_max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        lang = request_language(request)
        negotiated = negotiate(_header(scope, b"accept"))
        method = scope.get("method", "GET")
        params = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        # a query by text, or by hash alone (a persisted query: graph.http_persisted)
        is_query_get = method == "GET" and ("query" in params or "extensions" in params)
        if is_query_get:
            refused = await self._check_get(request, params, lang)
            if refused is not None:
                status, text, code = refused
                await self._send(
                    send, negotiated, status, _error_body(text, code), {"Cache-Control": "no-store"}
                )
                return

        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message_: Message) -> None:
            nonlocal start
            if message_["type"] == "http.response.start":
                start = message_
            elif message_["type"] == "http.response.body":
                chunks.append(message_.get("body", b""))

        await self.app(scope, receive, capture)
        if start is None:
            return
        status = int(start["status"])
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])
        }
        body = b"".join(chunks)
        content_type = headers.get("content-type", "")
        if content_type.startswith("text/html") or status == 304:
            await self._raw(send, status, start.get("headers", []), body)
            return
        if not content_type.startswith(JSON):
            # strawberry's HTTPException: a text/plain reason → a GraphQL error body
            text = reason_message(body.decode("utf-8", "replace"), lang)
            data: dict[str, Any] | None = _error_body(text, _CODES.get(status, "BAD_REQUEST"))
        elif b'"errors"' in body:
            data = json.loads(body)
        else:
            data = None  # a plain success: its bytes go out unchanged
        extra = {
            k: v
            for k, v in headers.items()
            if k in {"www-authenticate", "retry-after", "connection"}
        }
        if data is not None:
            request_error = status == 200 and _is_request_error(data) and not _persisted_miss(data)
            if request_error:
                _code_request_errors(data)
            if negotiated.media_type == GRAPHQL_RESPONSE:
                if request_error:
                    status = 400  # nothing was executed: no data entry, a 4xx
            elif status == 400 and negotiated.explicit:
                status = 200  # application/json asked for by name: request errors are 200
            if status >= 400:
                data.pop("data", None)
            if status == 405:
                extra["allow"] = "POST" if is_query_get else "GET, POST"
        info = scope.get(SCOPE_KEY)
        anonymous = getattr(info, "method", None) == "anonymous"
        authenticated = info is not None and not anonymous
        if not authenticated and info is None:
            authenticated = _header(scope, b"authorization") is not None or "hongfan_session=" in (
                _header(scope, b"cookie") or ""
            )
        cacheable = (
            is_query_get
            and status == 200
            and not authenticated
            and (data is None or not data.get("errors"))
        )
        if cacheable:
            encoded = body if data is None else _encode(data)
            etag = etag_of(encoded + negotiated.media_type.encode())
            extra.update(
                {
                    "Cache-Control": f"public, max-age={self.cache_max_age}",
                    "ETag": etag,
                    "Vary": VARY,
                }
            )
            if etag_matches(_header(scope, b"if-none-match"), etag):
                await self._raw(send, 304, _encode_headers(extra), b"")
                return
        elif authenticated:
            extra.update({"Cache-Control": "private, no-store", "Vary": VARY})
        else:
            extra.update({"Cache-Control": "no-store", "Vary": VARY})
        if data is None:
            await self._send_bytes(send, negotiated, status, body, extra)
        else:
            await self._send(send, negotiated, status, data, extra)

    async def _check_get(
        self, request: Request, params: dict[str, list[str]], lang: str
    ) -> tuple[int, str, str] | None:
        """Refusals of a GET query before it runs: its parameters, and CSRF for a cookie."""
        for name in ("variables", "extensions"):
            raw = params.get(name, [""])[0]
            if raw:
                try:
                    value = json.loads(raw)
                except ValueError:
                    return 400, message("http.json", lang), "BAD_REQUEST"
                if has_lone_surrogate(value):
                    return 400, message("request.surrogate", lang), "BAD_REQUEST"
                problem = parameter_problem(name, value, lang)
                if problem is not None:
                    return 400, problem, "BAD_REQUEST"
        try:
            info = await authenticate_info(request)
        except AuthenticationFailed:
            return None  # the guard behind answers 401 with its own body
        if info.method == "session":
            sent = request.headers.get("x-csrf-token", "")
            expected = info.csrf_token or ""
            if not (sent and expected and hmac.compare_digest(sent.encode(), expected.encode())):
                return 403, message(csrf_refusal(request), lang), "CSRF"
        return None

    async def _send(
        self,
        send: Send,
        negotiated: Negotiated,
        status: int,
        data: dict[str, Any],
        extra: dict[str, str],
    ) -> None:
        await self._send_bytes(send, negotiated, status, _encode(data), extra)

    async def _send_bytes(
        self, send: Send, negotiated: Negotiated, status: int, body: bytes, extra: dict[str, str]
    ) -> None:
        headers = {**extra, "content-type": f"{negotiated.media_type}; charset=utf-8"}
        await self._raw(send, status, _encode_headers(headers), body)

    @staticmethod
    async def _raw(send: Send, status: int, headers: Any, body: bytes) -> None:
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _code_request_errors(data: dict[str, Any]) -> None:
    """``extensions.code`` on GraphQL's own parse and validation errors (Apollo's names)."""
    for error in data.get("errors") or ():
        if isinstance(error, dict) and not (error.get("extensions") or {}).get("code"):
            parse = str(error.get("message", "")).startswith("Syntax Error")
            code = "GRAPHQL_PARSE_FAILED" if parse else "GRAPHQL_VALIDATION_FAILED"
            error["extensions"] = {**(error.get("extensions") or {}), "code": code}


def _persisted_miss(data: dict[str, Any]) -> bool:
    """Apollo's persisted-query link falls back on this error only when it gets it as 200."""
    return any(
        isinstance(e, dict)
        and (e.get("extensions") or {}).get("code") == "PERSISTED_QUERY_NOT_FOUND"
        for e in data.get("errors") or ()
    )


def _encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def _encode_headers(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


__all__ = [
    "GRAPHQL_RESPONSE",
    "GraphQLOverHTTP",
    "Negotiated",
    "etag_of",
    "negotiate",
    "parameter_problem",
]
