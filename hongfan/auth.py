"""Who is calling: turn an HTTP request into a Principal.

Every surface asks this module, so a session cookie and an API token lead to
the same Principal and the same policy.
"""

from __future__ import annotations

import dataclasses

from starlette.requests import HTTPConnection

from hongfan.principal import ANONYMOUS, Principal
from models.messages import negotiate_language


def request_language(connection: HTTPConnection) -> str:
    chosen = connection.query_params.get("lang") or connection.cookies.get("hongfan_lang")
    if chosen in {"zh", "en"}:
        return chosen
    return negotiate_language(connection.headers.get("accept-language"))


async def authenticate(connection: HTTPConnection) -> Principal:
    """The caller's principal, in the caller's language. No credentials → anonymous."""
    principal = ANONYMOUS
    return dataclasses.replace(principal, language=request_language(connection))
