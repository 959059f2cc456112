"""Trusted devices: a browser that signed in to an account before is not slowed down by others.

OWASP's answer to lock-out abuse ("device cookies"): after a successful sign-in the
browser gets ``hongfan_device`` = ``<random id>.<HMAC of the account and the id>`` under
``HONGFAN_SECRET_KEY``. An attempt on that account carrying it is throttled only by the
device's own failures (:mod:`.throttling`), never by the account's or the address's; a
cookie signed for another account, or forged, is just ignored. The database keeps a digest
of the id as the device's throttle key, never the id itself.
"""

from __future__ import annotations

import hashlib
import secrets

from hongfan import signing

DEVICE_COOKIE = "hongfan_device"
DEVICE_DAYS = 180


def _purpose(email: str) -> str:
    return f"device:{email}"  # what is signed: device:<email>:<id>


def device_id(cookie: str | None, email: str, secret: str) -> str | None:
    """The device's id when ``cookie`` was issued to this browser for ``email``; else None."""
    return signing.unsign(cookie, secret, _purpose(email), limit=200)


def device_key(raw_id: str) -> str:
    """The throttle key of a device (a digest: the id itself never reaches the database)."""
    return "device:" + hashlib.sha256(raw_id.encode()).hexdigest()[:40]


def device_cookie(email: str, secret: str, current: str | None = None) -> str:
    """The cookie to set after ``email`` signed in: the current one when it is already this
    account's, else a new id."""
    if device_id(current, email, secret) is not None and current is not None:
        return current
    raw = secrets.token_urlsafe(18)
    return signing.sign(raw, secret, _purpose(email))
