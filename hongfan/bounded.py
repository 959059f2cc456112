"""Bounded HTTP request bodies and the shape of a GraphQL-over-HTTP request (issue #9).

``/graphql`` reads its body here before anything else: a ``Content-Length`` past the
limit is refused without reading a byte, and a body sent without one (chunked) is read
only until it passes the limit. The JSON is then checked to be what the GraphQL over
HTTP specification asks for — an object whose ``query`` is a string (or absent when
``extensions.persistedQuery`` names a persisted query by its hash) and whose
``variables``, ``operationName`` and ``extensions`` are an object, a string and an object
(or null) — and no deeper than :data:`MAX_JSON_DEPTH`, so that neither strawberry nor the
fast lane (``graph.fastlane``) ever meets another shape.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Message, Receive, Scope

# Nesting of the JSON body: objects and lists inside each other. A filter of the
# deepest allowed nesting (HONGFAN_FILTER_MAX_DEPTH) needs two levels per step.
MAX_JSON_DEPTH = 64


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: the HTTP status and a message code with its parameters."""

    status: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def read_body(scope: Scope, receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The whole body, or None when it is larger than ``limit`` bytes; and a ``receive``
    that hands the body on unchanged to the application behind.

    A declared ``Content-Length`` past the limit is refused before any byte is read; a
    body without one is read only up to the first chunk that passes the limit.
    """
    declared = _declared_length(scope)
    if declared is not None and declared > limit:
        return None, receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return b"", receive
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None, receive
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def is_json(scope: Scope) -> bool:
    """Whether strawberry reads this request's body as JSON (it looks for the media type)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return b"application/json" in value.lower()
    return False


def _too_deep(value: Any, limit: int) -> bool:
    """True when objects and lists nest more than ``limit`` levels (without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


# A UTF-16 surrogate on its own ("\ud800" in JSON) is no character: it cannot be encoded
# as UTF-8, so the database driver (or the answer's encoder) fails on it, a 500 deep inside.
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(value: Any) -> bool:
    """True when a string anywhere in ``value`` (JSON data, keys included) holds a lone
    UTF-16 surrogate; JSON can spell one (``"\\ud800"``), UTF-8 text cannot."""
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


_MEMBERS: tuple[tuple[str, type, str], ...] = (
    ("variables", dict, "request.member_object"),
    ("operationName", str, "request.member_string"),
    ("extensions", dict, "request.member_object"),
)


def _persisted(data: dict[str, Any]) -> bool:
    """A persisted query by hash alone (Apollo's protocol): no ``query``, its hash in
    ``extensions.persistedQuery`` (graph.http_persisted looks it up, or answers why not)."""
    extensions = data.get("extensions")
    return isinstance(extensions, dict) and "persistedQuery" in extensions


def check_graphql_json(body: bytes) -> Refusal | None:
    """None when ``body`` is a well-formed GraphQL request; otherwise why it is not (400)."""
    try:
        data = json.loads(body)
    except RecursionError:  # nested past the parser's own limit
        return Refusal(400, "request.too_deep", {"max": MAX_JSON_DEPTH})
    except ValueError:  # UnicodeDecodeError included
        return Refusal(400, "request.json")
    if isinstance(data, list):  # a batch, as Apollo's BatchHttpLink sends (docs/frontend.md)
        return Refusal(400, "http.batch")
    if not isinstance(data, dict):
        return Refusal(400, "request.not_object")
    query = data.get("query")
    if not isinstance(query, str) and not (query is None and _persisted(data)):
        return Refusal(400, "request.query")
    for name, kind, code in _MEMBERS:
        value = data.get(name)
        if value is not None and not isinstance(value, kind):
            return Refusal(400, code, {"name": name})
    if _too_deep(data, MAX_JSON_DEPTH):
        return Refusal(400, "request.too_deep", {"max": MAX_JSON_DEPTH})
    if has_lone_surrogate(data):
        return Refusal(400, "request.surrogate")
    return None


__all__ = [
    "MAX_JSON_DEPTH",
    "Refusal",
    "check_graphql_json",
    "has_lone_surrogate",
    "is_json",
    "read_body",
]
