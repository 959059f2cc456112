"""Login sessions: sign in (checking the throttle), sign out, look up and slide the idle timeout."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hongfan import passwords
from hongfan.accounts.common import digest, normalise_email, touch_due
from hongfan.accounts.devices import device_id, device_key
from hongfan.accounts.throttling import (
    LoginFailed,
    Throttle,
    check_throttle,
    clear_failures,
    pair_key,
    record_failure,
    throttle_keys,
)
from hongfan.accounts.users import get_user_by_email, principal_for
from hongfan.principal import Principal
from hongfan.settings import Settings
from models.accounts import AuthSession, User
from models.base import utcnow


@dataclass(frozen=True)
class SessionPolicy:
    """How long login sessions live and how failed logins are throttled."""

    lifetime: timedelta = timedelta(hours=12)  # absolute, from login
    idle: timedelta = timedelta(hours=2)  # since the session was last seen
    throttle: Throttle = Throttle()
    # signs the trusted-device cookies (HONGFAN_SECRET_KEY); "" = no trusted devices
    secret: str = ""

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(
            lifetime=timedelta(hours=settings.session_hours),
            idle=timedelta(minutes=settings.session_idle_minutes),
            throttle=Throttle(
                window=timedelta(minutes=settings.login_window_minutes),
                free_account=settings.login_max_failures_account,
                max_ip=settings.login_max_failures_ip,
                max_delay=timedelta(seconds=settings.login_max_delay_seconds),
            ),
            secret=settings.secret_key,
        )


DEFAULT_POLICY = SessionPolicy()


async def login(
    session: AsyncSession,
    email: str,
    password: str,
    ip: str | None,
    user_agent: str | None,
    *,
    policy: SessionPolicy = DEFAULT_POLICY,
    device: str | None = None,
) -> tuple[AuthSession, str]:
    """Check the credentials and open a new login session; returns it and its raw id.

    Raises :class:`LoginRateLimited` before looking at the password when this attempt
    has to wait (:mod:`.throttling`: the address's failures, the account's growing
    delay, or — with ``device``, the browser's trusted-device cookie for this account —
    only the device's own). Raises :class:`LoginFailed` for an unknown e-mail address,
    a wrong password or an inactive account alike — after recording the failure and
    **committing** it, so the count survives the caller's rollback. Each success is a
    fresh session id (rotation).
    """
    email = normalise_email(email)[:254]
    account_key, ip_key = throttle_keys(email, ip)
    pair = pair_key(email, ip)
    trusted = device_id(device, email, policy.secret)
    trusted_key = device_key(trusted) if trusted is not None else None
    now = await check_throttle(
        session, account_key, ip_key, throttle=policy.throttle, device_key=trusted_key, pair=pair
    )

    user = await get_user_by_email(session, email) if email else None
    password = password[: passwords.MAX_LENGTH * 4]
    if user is None:
        ok = await asyncio.to_thread(passwords.verify_nothing, password)
    else:
        ok = await asyncio.to_thread(passwords.verify, user.password_hash, password)
    if user is None or not ok or not user.is_active:
        await record_failure(
            session,
            (account_key, ip_key, pair, trusted_key),
            utcnow(),  # the delay runs from when the guesser learns the answer
            keep=max(policy.throttle.window, timedelta(days=1)),
        )
        raise LoginFailed()

    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(passwords.hash_password, password)
    await clear_failures(session, account_key, pair, trusted_key)
    # Sweep this user's expired sessions while we are here. A revoked one stays until it
    # would have expired, so its cookie keeps being told "sign in again" (not anonymous).
    await session.execute(
        sa.delete(AuthSession).where(
            col(AuthSession.user_id) == user.id, col(AuthSession.expires_at) <= now
        )
    )
    user.last_login_at = now
    raw = secrets.token_urlsafe(32)
    auth_session = AuthSession(
        session_hash=digest(raw),
        user_id=user.id,  # type: ignore[arg-type]
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + policy.lifetime,
        last_seen_at=now,
        user_agent=user_agent[:300] if user_agent else None,
        ip=ip[:64] if ip else None,
    )
    session.add(auth_session)
    await session.flush()
    return auth_session, raw


async def logout(session: AsyncSession, raw_id: str) -> bool:
    """End the login session; True when a live one was ended."""
    now = utcnow()
    result = await session.execute(
        sa.update(AuthSession)
        .where(
            col(AuthSession.session_hash) == digest(raw_id), col(AuthSession.revoked_at).is_(None)
        )
        .values(revoked_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


class SessionEnded(Exception):
    """The cookie names a real login session that has ended: revoked (sign-out, the account
    deactivated or its access or password changed), expired or idle too long."""


async def lookup_session(
    session: AsyncSession,
    raw_id: str,
    *,
    policy: SessionPolicy = DEFAULT_POLICY,
    strict: bool = False,
) -> tuple[AuthSession, User] | None:
    """The live login session and its active user; None when unknown, revoked, expired or idle too long.

    With ``strict``, a session that exists but has ended raises :class:`SessionEnded`
    instead, so the caller can tell the person to sign in again.
    """
    if not raw_id or len(raw_id) > 200:
        return None
    statement = (
        sa.select(AuthSession, User)
        .join(User, col(User.id) == col(AuthSession.user_id))
        .where(col(AuthSession.session_hash) == digest(raw_id))
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    auth_session, user = row
    now = utcnow()
    ended = (
        auth_session.revoked_at is not None
        or auth_session.expires_at <= now
        or auth_session.last_seen_at + policy.idle <= now
        or not user.is_active
    )
    if ended:
        if strict:
            raise SessionEnded()
        return None
    return auth_session, user


async def touch_session(session: AsyncSession, auth_session: AuthSession) -> bool:
    """Slide the idle timeout (at most one write a minute); True when it wrote."""
    now = utcnow()
    if not touch_due(auth_session.last_seen_at, now):
        return False
    await session.execute(
        sa.update(AuthSession)
        .where(col(AuthSession.id) == auth_session.id)
        .values(last_seen_at=now)
    )
    auth_session.last_seen_at = now
    return True


async def session_principal(
    session: AsyncSession, raw_id: str, *, policy: SessionPolicy = DEFAULT_POLICY
) -> tuple[Principal, AuthSession] | None:
    """The principal of a live login session, sliding its idle timeout; None when it is not live."""
    found = await lookup_session(session, raw_id, policy=policy)
    if found is None:
        return None
    auth_session, user = found
    await touch_session(session, auth_session)
    return await principal_for(session, user), auth_session
