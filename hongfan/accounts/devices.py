"""Trusted devices: a browser that signed in to an account before is not slowed down by others.

OWASP's answer to lock-out abuse ("device cookies"): after a successful sign-in the
browser gets ``hongfan_device`` = ``<random id>.<HMAC of the account and the id>`` under
``HONGFAN_SECRET_KEY``. An attempt on that account carrying it is throttled only by the
device's own failures (:mod:`.throttling`), never by the account's or the address's; a
cookie signed for another account, or forged, is just ignored. The database keeps a digest
of the id as the device's throttle key, never the id itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

DEVICE_COOKIE = "hongfan_device"
DEVICE_DAYS = 180


def _signature(email: str, device_id: str, secret: str) -> str:
    mac = hmac.new(secret.encode(), f"device:{email}:{device_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def device_id(cookie: str | None, email: str, secret: str) -> str | None:
    """The device's id when ``cookie`` was issued to this browser for ``email``; else None."""
    if not cookie or not secret or "." not in cookie or len(cookie) > 200:
        return None
    raw, _, signature = cookie.rpartition(".")
    expected = _signature(email, raw, secret)
    if not raw or not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    return raw


def device_key(raw_id: str) -> str:
    """The throttle key of a device (a digest: the id itself never reaches the database)."""
    return "device:" + hashlib.sha256(raw_id.encode()).hexdigest()[:40]


def device_cookie(email: str, secret: str, current: str | None = None) -> str:
    """The cookie to set after ``email`` signed in: the current one when it is already this
    account's, else a new id."""
    if device_id(current, email, secret) is not None and current is not None:
        return current
    raw = secrets.token_urlsafe(18)
    return f"{raw}.{_signature(email, raw, secret)}"
