"""Persisted operations and partner allow-lists on /graphql (issue #14.4).

Between authentication (``hongfan.app.GuardedGraphQL``) and strawberry, for GET and POST:

* **Apollo's automatic persisted queries**: a request whose ``extensions.persistedQuery``
  is ``{"version": 1, "sha256Hash": H}`` and has no ``query`` runs the document stored
  under H; an unknown H answers ``PERSISTED_QUERY_NOT_FOUND`` (status 200, so Apollo's
  link sends the text next); a request with both is checked (``PERSISTED_QUERY_HASH_MISMATCH``
  when H is not the SHA-256 of the text) and its document stored for every process
  (:class:`hongfan.persisted.PersistedStore`, bounded; an anonymous caller adds at most
  so many new documents an hour from one address, :class:`hongfan.persisted.AddressQuota`);
* **allow-lists**: a token created with ``--operations FILE.graphql`` runs only the
  operations of that file, recognised by their canonical text (:mod:`hongfan.operations`)
  whether sent as text or by hash; anything else is 403 ``OPERATION_NOT_ALLOWED`` and
  nothing runs (nothing is stored either).

The request goes on with its document filled in, so strawberry and the fast lane see an
ordinary request.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hongfan.auth import SCOPE_KEY, request_language
from hongfan.bounded import is_json
from hongfan.operations import canonical_sha256, sha256_hex
from hongfan.persisted import AddressQuota, PersistedStore
from models.messages import message

_HASH = re.compile(r"^[0-9a-fA-F]{64}$")
NO_STORE = {"Cache-Control": "no-store"}


def _error(status: int, text: str, code: str) -> JSONResponse:
    body = {"errors": [{"message": text, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers=NO_STORE)


class PersistedOperations:
    """The ASGI layer of the module docstring, in front of strawberry's view."""

    def __init__(
        self, app: ASGIApp, store: PersistedStore, anonymous_quota: AddressQuota | None = None
    ) -> None:
        self.app = app
        self.store = store
        self.anonymous_quota = anonymous_quota

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope.get("method")
        if scope["type"] != "http" or method not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        lang = request_language(Request(scope))
        restricted = await self._allow_list(scope)
        request: Any = None
        if method == "POST":
            if is_json(scope):
                body, receive = await _whole_body(receive)
                try:
                    request = json.loads(body)
                except ValueError:
                    request = None
        else:
            pairs = parse_qsl(
                scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
            )
            request = dict(pairs)  # the last of repeated names, as strawberry reads them
            if len(request) != len(pairs):  # repeated names: what runs is what was checked
                scope = {**scope, "query_string": urlencode(request).encode("latin-1")}
            try:
                if "extensions" in request:
                    request["extensions"] = json.loads(request["extensions"])
            except ValueError:
                request = None
        if not isinstance(request, dict):
            if restricted is not None:  # nothing to recognise: nothing runs
                await _not_allowed(restricted, lang)(scope, receive, send)
                return
            await self.app(scope, receive, send)  # strawberry says what is wrong with it
            return
        query = request.get("query")
        extensions = request.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        if query is None and persisted is None and restricted is None:
            await self.app(scope, receive, send)  # GraphiQL's page, or "no query" from strawberry
            return
        sha: str | None = None
        if persisted is not None:
            sha = _hash_of(persisted)
            if sha is None:
                await _error(400, message("persisted.format", lang), "BAD_REQUEST")(
                    scope, receive, send
                )
                return
            if isinstance(query, str):
                if sha256_hex(query) != sha:
                    text = message("persisted.mismatch", lang)
                    await _error(400, text, "PERSISTED_QUERY_HASH_MISMATCH")(scope, receive, send)
                    return
            elif query is None:
                query = await self.store.get(sha)
                if query is None:
                    text = message("persisted.not_found", lang)
                    await _error(200, text, "PERSISTED_QUERY_NOT_FOUND")(scope, receive, send)
                    return
                sha = None  # stored already
        if restricted is not None and not _allowed(restricted, query, request.get("operationName")):
            await _not_allowed(restricted, lang)(scope, receive, send)
            return
        if sha is not None and isinstance(query, str):
            await self.store.put(sha, query, self._quota(scope))
        if request.get("query") != query:
            request["query"] = query
            scope, receive = _with_request(scope, receive, request)
        await self.app(scope, receive, send)

    def _quota(self, scope: Scope) -> Any:
        """For an anonymous caller, what spends its address's quota of new documents."""
        info = scope.get(SCOPE_KEY)
        principal = getattr(info, "principal", None)
        quota = self.anonymous_quota
        if quota is None or (principal is not None and not principal.is_anonymous):
            return None
        client = scope.get("client")
        address = str(client[0]) if client else ""
        return lambda: quota.take(address)

    async def _allow_list(self, scope: Scope) -> dict[str, str] | None:
        """The operations the caller's token is bound to; None when it is bound to none."""
        info = scope.get(SCOPE_KEY)
        token_id = getattr(getattr(info, "principal", None), "token_id", None)
        if token_id is None:
            return None
        return await self.store.allowed(token_id)


def _allowed(allow_list: dict[str, str], query: Any, operation_name: Any) -> bool:
    if not isinstance(query, str) or not isinstance(operation_name, str | None):
        return False
    return canonical_sha256(query, operation_name) in allow_list


def _not_allowed(allow_list: dict[str, str], lang: str) -> JSONResponse:
    separator = ", " if lang == "en" else "、"
    names = separator.join(sorted(allow_list.values()))
    return _error(403, message("operation.not_allowed", lang, names=names), "OPERATION_NOT_ALLOWED")


def _hash_of(persisted: Any) -> str | None:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        return None
    sha = persisted.get("sha256Hash")
    if not isinstance(sha, str) or not _HASH.match(sha):
        return None
    return sha.lower()


async def _whole_body(receive: Receive) -> tuple[bytes, Receive]:
    """The body (bounded upstream by GuardedGraphQL), and a ``receive`` that replays it."""
    chunks: list[bytes] = []
    while True:
        message_ = await receive()
        if message_["type"] != "http.request":
            break
        chunks.append(message_.get("body", b""))
        if not message_.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, _replay(body, receive)


def _replay(body: bytes, receive: Receive) -> Receive:
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_request(scope: Scope, receive: Receive, request: dict[str, Any]) -> tuple[Scope, Receive]:
    """The scope and body of the same request with its ``query`` filled in."""
    if scope.get("method") == "GET":
        params = {
            k: (json.dumps(v, separators=(",", ":")) if isinstance(v, dict | list) else v)
            for k, v in request.items()
            if v is not None
        }
        return {**scope, "query_string": urlencode(params).encode("latin-1")}, receive
    body = json.dumps(request, ensure_ascii=False).encode()
    headers = [(k, v) for k, v in scope.get("headers", ()) if k != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    return {**scope, "headers": headers}, _replay(body, receive)


__all__ = ["PersistedOperations"]
