"""One HMAC signature for every value the server hands out and must know again unaltered.

The session cookie, the trusted-device cookie and an admin list's page positions are all
``<raw>.<signature>``: HMAC-SHA256 under the app's secret key (``HONGFAN_SECRET_KEY``),
base64url without padding. ``purpose`` keeps them apart: what is signed is
``<purpose>:<raw>`` (the bare raw value for the session cookie, whose ids never hold a
colon), so a value signed for one use never verifies for another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def signature(raw: str, secret: str, purpose: str = "") -> str:
    """The base64url HMAC-SHA256 of ``raw`` for ``purpose`` under ``secret`` (43 characters)."""
    message = f"{purpose}:{raw}" if purpose else raw
    mac = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def sign(raw: str, secret: str, purpose: str = "") -> str:
    """``raw`` with its signature: ``<raw>.<signature>``."""
    return f"{raw}.{signature(raw, secret, purpose)}"


def unsign(value: str | None, secret: str, purpose: str = "", *, limit: int = 0) -> str | None:
    """The raw part of a signed ``value``; None when it is missing, longer than ``limit``
    characters (0: any length), not signed for ``purpose`` under ``secret``, or altered."""
    if not value or not secret or "." not in value or (limit and len(value) > limit):
        return None
    raw, _, sent = value.rpartition(".")
    expected = signature(raw, secret, purpose)
    if not raw or not hmac.compare_digest(sent.encode(), expected.encode()):
        return None
    return raw
