"""Failed sign-ins: the login errors and the failure counts that slow guessing down."""

from __future__ import annotations

import math
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
    """Too many failures for the account or the address; try again after ``retry_after`` seconds."""

    code = "login.rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = max(1, retry_after)

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    def message(self, lang: str) -> str:
        return message(self.code, lang, minutes=self.minutes)


# -- failure counts -------------------------------------------------------------------


async def _blocked_for(
    session: AsyncSession, key: str, limit: int, window: timedelta, now: datetime
) -> int | None:
    """Seconds until ``key`` may try again, when it has ``limit`` failures in the window."""
    statement = (
        sa.select(col(LoginFailure.at))
        .where(col(LoginFailure.key) == key, col(LoginFailure.at) > now - window)
        .order_by(col(LoginFailure.at).desc())
        .offset(max(0, limit - 1))
        .limit(1)
    )
    at = (await session.execute(statement)).scalar_one_or_none()
    if at is None:
        return None
    return math.ceil((at + window - now).total_seconds())


def throttle_keys(email: str, ip: str | None) -> tuple[str, str | None]:
    """The keys failures are counted under: the (normalised) account and the client address."""
    return f"email:{email}", (f"ip:{ip[:64]}" if ip else None)


async def check_throttle(
    session: AsyncSession,
    account_key: str,
    ip_key: str | None,
    *,
    window: timedelta,
    max_account: int,
    max_ip: int,
) -> datetime:
    """Raise :class:`LoginRateLimited` when the account or the address has too many recent failures.

    Returns the time the check was made at (after waiting for the account's turn).
    """
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # Attempts on one account queue up, so parallel guesses cannot all slip under
        # the limit (SQLite writers are serialised by BEGIN IMMEDIATE already).
        await connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": account_key}
        )
    now = utcnow()
    waits = [await _blocked_for(session, account_key, max_account, window, now)]
    if ip_key:
        waits.append(await _blocked_for(session, ip_key, max_ip, window, now))
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


async def clear_failures(session: AsyncSession, account_key: str) -> None:
    """A successful sign-in forgets the account's failures."""
    await session.execute(sa.delete(LoginFailure).where(col(LoginFailure.key) == account_key))
