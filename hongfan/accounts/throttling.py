"""Failed sign-ins: slow guessing down without letting anyone lock a colleague out.

Following the OWASP Authentication and Credential Stuffing cheat sheets
(docs/sign-in-throttling.md says why each choice):

* **the address** an attempt comes from may fail ``max_ip`` times within the window.
  Past that, the accounts it failed against from there are refused (429) until its oldest
  failure leaves the window; any other account from that address — a colleague behind the
  same office NAT — only waits 1, 2, 4 … seconds after the address's latest failure (at
  most ``max_delay``) and then signs in with the right password. A guesser spraying many
  accounts from one address gets about one try a minute; nobody is locked out;
* **the account** is never locked. Its first ``free_account`` failures within the window
  cost nothing; after that each further attempt must wait 1, 2, 4 … seconds after the
  previous failure, at most ``max_delay`` (60 s by default). Someone guessing from many
  addresses gets about one try a minute; the owner, at worst, waits a minute;
* **a trusted device** — a browser the account has signed in from before, which holds a
  ``hongfan_device`` cookie signed for that account (:mod:`.devices`) — skips both: its own
  failures get the same growing delays under its own key, so an attacker hammering the
  account or sharing the owner's office address does not slow the owner down at all.

Every count is in the database (``login_failure``), so all processes share it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.accounts import LoginFailure
from models.base import utcnow
from models.messages import message

# -- errors of the login path ---------------------------------------------------------


class LoginFailed(Exception):
    """Wrong e-mail address or password (the same for both: no account oracle)."""

    code = "login.failed"

    def message(self, lang: str) -> str:
        return message(self.code, lang)


class LoginRateLimited(Exception):
    """Too many recent failures; try again after ``retry_after`` seconds."""

    code = "login.rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = max(1, retry_after)

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    def message(self, lang: str) -> str:
        if self.retry_after < 120:
            return message("login.slow_down", lang, seconds=self.retry_after)
        return message(self.code, lang, minutes=self.minutes)


# -- the rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    """How failed sign-ins are slowed down (from the ``HONGFAN_LOGIN_*`` settings)."""

    window: timedelta = timedelta(minutes=15)
    free_account: int = 5  # failures on one account (or one device) before delays start
    max_ip: int = 20  # failures from one address within the window before it is refused
    max_delay: timedelta = timedelta(seconds=60)  # the longest an account ever waits


def delay_after(failures: int, throttle: Throttle) -> timedelta:
    """How long after its last failure an account (or device) with ``failures`` must wait."""
    if failures < throttle.free_account:
        return timedelta(0)
    exponent = min(failures - throttle.free_account, 30)
    return min(throttle.max_delay, timedelta(seconds=2**exponent))


def throttle_keys(email: str, ip: str | None) -> tuple[str, str | None]:
    """The keys failures are counted under: the (normalised) account and the client address."""
    return f"email:{email}", (f"ip:{ip[:64]}" if ip else None)


def pair_key(email: str, ip: str | None) -> str | None:
    """The key of the failures of one address against one account (a digest: short, no e-mail)."""
    if not ip:
        return None
    return "pair:" + hashlib.sha256(f"{ip[:64]}\n{email}".encode()).hexdigest()[:40]


async def _recent(
    session: AsyncSession, key: str, window: timedelta, now: datetime
) -> tuple[int, datetime | None]:
    """The number of ``key``'s failures within the window, and the latest one."""
    statement = sa.select(sa.func.count(), sa.func.max(col(LoginFailure.at))).where(
        col(LoginFailure.key) == key, col(LoginFailure.at) > now - window
    )
    count, latest = (await session.execute(statement)).one()
    return int(count), latest


async def _address_wait(
    session: AsyncSession, key: str, pair: str | None, throttle: Throttle, now: datetime
) -> int | None:
    """Seconds this attempt must wait because of its address's ``max_ip`` failures in the window.

    An account the address has failed against (``pair``) waits until the address's oldest
    failure leaves the window; any other account only the growing delay after its latest.
    """
    failures, latest = await _recent(session, key, throttle.window, now)
    if failures < throttle.max_ip or latest is None:
        return None
    tried, _ = await _recent(session, pair, throttle.window, now) if pair else (1, None)
    if not tried:
        exponent = min(failures - throttle.max_ip, 30)
        delay = min(throttle.max_delay, timedelta(seconds=2**exponent))
        remaining = (latest + delay - now).total_seconds()
        return math.ceil(remaining) if remaining > 0 else None
    statement = (
        sa.select(col(LoginFailure.at))
        .where(col(LoginFailure.key) == key, col(LoginFailure.at) > now - throttle.window)
        .order_by(col(LoginFailure.at).desc())
        .offset(max(0, throttle.max_ip - 1))
        .limit(1)
    )
    at = (await session.execute(statement)).scalar_one_or_none()
    if at is None:
        return None
    return math.ceil((at + throttle.window - now).total_seconds())


async def _growing_wait(
    session: AsyncSession, key: str, throttle: Throttle, now: datetime
) -> int | None:
    """Seconds the account or device still has to wait since its last failure, if any."""
    failures, latest = await _recent(session, key, throttle.window, now)
    delay = delay_after(failures, throttle)
    if latest is None or not delay:
        return None
    remaining = (latest + delay - now).total_seconds()
    return math.ceil(remaining) if remaining > 0 else None


async def check_throttle(
    session: AsyncSession,
    account_key: str,
    ip_key: str | None,
    *,
    throttle: Throttle,
    device_key: str | None = None,
    pair: str | None = None,
) -> datetime:
    """Raise :class:`LoginRateLimited` when this attempt has to wait; else the time of the check.

    With a trusted device only the device's own failures count; otherwise the address's
    and the account's.
    """
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # Attempts on one account queue up, so parallel guesses cannot all slip under
        # the limit (SQLite writers are serialised by BEGIN IMMEDIATE already).
        await connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": account_key}
        )
    now = utcnow()
    if device_key is not None:
        waits = [await _growing_wait(session, device_key, throttle, now)]
    else:
        waits = [await _growing_wait(session, account_key, throttle, now)]
        if ip_key:
            waits.append(await _address_wait(session, ip_key, pair, throttle, now))
    blocked = [w for w in waits if w is not None]
    if blocked:
        raise LoginRateLimited(max(blocked))
    return now


async def record_failure(
    session: AsyncSession, keys: tuple[str | None, ...], now: datetime, *, keep: timedelta
) -> None:
    """Record one failure under each key and **commit**, so the count survives the caller's rollback."""
    for key in keys:
        if key:
            session.add(LoginFailure(key=key, at=now))
    # Forget failures nobody counts any more.
    await session.execute(sa.delete(LoginFailure).where(col(LoginFailure.at) <= now - keep))
    await session.commit()


async def clear_failures(session: AsyncSession, *keys: str | None) -> None:
    """A successful sign-in forgets the account's (and its device's) failures."""
    wanted = [key for key in keys if key]
    if wanted:
        await session.execute(sa.delete(LoginFailure).where(col(LoginFailure.key).in_(wanted)))
