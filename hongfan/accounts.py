"""Account operations: users, grants, passwords, API tokens and login sessions.

Every function takes an ``AsyncSession`` the caller opened and commits (except
:func:`login`, which commits recorded failures itself before raising) and
returns model objects. Open it with :data:`AUTH` (a system principal): the
account tables are not record types and have no row scope, so the grant rules
are applied here, in :func:`may_manage`, and nowhere else:

* a system principal (CLI, demo loader) may do anything;
* a superadmin may create and change any account;
* an org admin may manage org admins, editors and viewers bound to an
  organisation inside its own subtree, and partners bound to a company whose
  organisation is inside it — both the account's current binding and the new
  one must be inside; it can never grant superadmin, nor change its own role,
  binding or active state;
* nobody else may manage accounts (a user may still rename itself, change its
  own password and manage its own API tokens).

Secrets are never stored in clear: passwords as argon2 hashes
(:mod:`hongfan.passwords`), API tokens and session ids as SHA-256 hex digests.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hongfan import passwords
from hongfan.access import INCLUDE_DELETED
from hongfan.errors import Conflict, FieldError, Forbidden, HongfanError, Invalid, NotFound
from hongfan.principal import Principal, Role, system
from hongfan.settings import Settings
from models.accounts import ApiToken, AuthSession, LoginFailure, User, UserRole
from models.audit import AuditEntry
from models.base import utcnow
from models.messages import message
from models.organisations import Organisation
from models.practice import Company

AUTH = system("auth")
"""The principal to open account sessions with (lookups need no row scope)."""

TOKEN_PREFIX = "hf_"
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at / last_seen_at: at most one write a minute
MAX_TOKEN_DAYS = 3650
STAFF_ROLES = frozenset({Role.ORG_ADMIN, Role.EDITOR, Role.VIEWER})
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_UNSET: Any = object()


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


@dataclass(frozen=True)
class SessionPolicy:
    """How long login sessions live and how failed logins are throttled."""

    lifetime: timedelta = timedelta(hours=12)  # absolute, from login
    idle: timedelta = timedelta(hours=2)  # since the session was last seen
    window: timedelta = timedelta(minutes=15)
    max_failures_account: int = 5
    max_failures_ip: int = 20

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(
            lifetime=timedelta(hours=settings.session_hours),
            idle=timedelta(minutes=settings.session_idle_minutes),
            window=timedelta(minutes=settings.login_window_minutes),
            max_failures_account=settings.login_max_failures_account,
            max_failures_ip=settings.login_max_failures_ip,
        )


DEFAULT_POLICY = SessionPolicy()


# -- small helpers --------------------------------------------------------------------


def digest(secret: str) -> str:
    """SHA-256 hex of a token or session id: what the database keeps."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _lang(actor: Principal) -> str:
    return actor.language


def _error(kind: type[HongfanError], field: str, code: str, actor: Principal, **params: Any) -> HongfanError:
    return kind.of(field, code, _lang(actor), **params)


def _check_email(email: str, actor: Principal) -> str:
    normalised = normalise_email(email)
    if len(normalised) > 254 or not _EMAIL_RE.fullmatch(normalised):
        raise _error(Invalid, "email", "email.format", actor)
    return normalised


def _check_password(password: str, actor: Principal) -> None:
    if len(password) < passwords.MIN_LENGTH:
        raise _error(Invalid, "password", "password.too_short", actor, min=passwords.MIN_LENGTH)
    if len(password) > passwords.MAX_LENGTH:
        raise _error(Invalid, "password", "password.too_long", actor, max=passwords.MAX_LENGTH)


def _check_display_name(display_name: str | None, actor: Principal) -> str | None:
    if display_name is None:
        return None
    display_name = display_name.strip() or None
    if display_name is not None and len(display_name) > 100:
        raise _error(Invalid, "display_name", "too_long", actor, max=100)
    return display_name


def _role(value: Role | UserRole | str, actor: Principal) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise _error(Invalid, "role", "invalid_choice", actor, choices=choices) from None


def _audit(session: AsyncSession, actor: Principal, action: str, entity: str, record_id: int | None, changes: dict[str, Any]) -> None:
    session.add(
        AuditEntry(
            actor=actor.actor[:200],
            action=action,
            entity=entity,
            record_id=record_id or 0,
            changes=changes,
            request_id=session.info.get("request_id"),
        )
    )


# -- grants ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Binding:
    """Where an account sits: its role and the organisation path that governs it.

    ``path`` is the bound organisation's path for staff roles and the path of the
    company's organisation for partners; None for superadmins (and dangling ids).
    """

    role: Role
    organisation_id: int | None
    company_id: int | None
    path: str | None


def may_manage(actor: Principal, binding: Binding) -> bool:
    """True when ``actor`` may create, change or hand tokens to an account bound so."""
    if actor.is_system or actor.role is Role.SUPERADMIN:
        return True
    if actor.role is not Role.ORG_ADMIN or not actor.organisation_path:
        return False
    if binding.role is Role.SUPERADMIN or binding.path is None:
        return False
    return binding.path.startswith(actor.organisation_path)


def _may_manage_any(actor: Principal) -> bool:
    return actor.is_system or actor.role in (Role.SUPERADMIN, Role.ORG_ADMIN)


async def _organisation_path(session: AsyncSession, organisation_id: int, *, include_deleted: bool) -> str | None:
    statement = sa.select(col(Organisation.path)).where(col(Organisation.id) == organisation_id)
    if include_deleted:
        statement = statement.execution_options(**{INCLUDE_DELETED: True})
    return (await session.execute(statement)).scalar_one_or_none()


async def _company_path(session: AsyncSession, company_id: int, *, include_deleted: bool) -> str | None:
    statement = (
        sa.select(col(Organisation.path))
        .join(Company, col(Company.organisation_id) == col(Organisation.id))
        .where(col(Company.id) == company_id)
    )
    if include_deleted:
        statement = statement.execution_options(**{INCLUDE_DELETED: True})
    return (await session.execute(statement)).scalar_one_or_none()


async def current_binding(session: AsyncSession, user: User) -> Binding:
    """The binding ``user`` has now (deleted organisations still count)."""
    role = Role(user.role.value)
    path = None
    if role in STAFF_ROLES and user.organisation_id is not None:
        path = await _organisation_path(session, user.organisation_id, include_deleted=True)
    elif role is Role.PARTNER and user.company_id is not None:
        path = await _company_path(session, user.company_id, include_deleted=True)
    return Binding(role, user.organisation_id, user.company_id, path)


async def _new_binding(
    session: AsyncSession, actor: Principal, role: Role, organisation_id: int | None, company_id: int | None
) -> Binding:
    """Check a role's requirements and that its organisation or company exists."""
    path = None
    if role in STAFF_ROLES:
        if organisation_id is None:
            raise _error(Invalid, "organisation_id", "role.organisation_required", actor)
        if company_id is not None:
            raise _error(Invalid, "company_id", "role.no_company", actor)
        path = await _organisation_path(session, organisation_id, include_deleted=False)
        if path is None:
            raise _error(Invalid, "organisation_id", "invalid_reference", actor)
    elif role is Role.PARTNER:
        if company_id is None:
            raise _error(Invalid, "company_id", "role.company_required", actor)
        if organisation_id is not None:
            raise _error(Invalid, "organisation_id", "role.no_organisation", actor)
        path = await _company_path(session, company_id, include_deleted=False)
        if path is None:
            raise _error(Invalid, "company_id", "invalid_reference", actor)
    else:  # superadmin
        if organisation_id is not None:
            raise _error(Invalid, "organisation_id", "role.no_organisation", actor)
        if company_id is not None:
            raise _error(Invalid, "company_id", "role.no_company", actor)
    return Binding(role, organisation_id, company_id, path)


async def _user(session: AsyncSession, user_id: int, actor: Principal) -> User:
    user = (await session.execute(sa.select(User).where(col(User.id) == user_id))).scalar_one_or_none()
    if user is None:
        raise _error(NotFound, "id", "not_found", actor)
    return user


async def _managed_user(session: AsyncSession, actor: Principal, user_id: int, *, self_allowed: bool) -> User:
    """The user, when ``actor`` may manage it (or is it, if ``self_allowed``); else not found."""
    user = await _user(session, user_id, actor)
    if self_allowed and actor.user_id is not None and actor.user_id == user.id:
        return user
    if not may_manage(actor, await current_binding(session, user)):
        # Out of reach looks the same as missing: an org admin learns nothing beyond its subtree.
        raise _error(NotFound, "id", "not_found", actor)
    return user


# -- users ----------------------------------------------------------------------------


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    statement = sa.select(User).where(col(User.email) == normalise_email(email))
    return (await session.execute(statement)).scalar_one_or_none()


async def create_user(
    session: AsyncSession,
    actor: Principal,
    email: str,
    role: Role | str,
    *,
    organisation_id: int | None = None,
    company_id: int | None = None,
    password: str | None = None,
    display_name: str | None = None,
) -> tuple[User, str | None]:
    """Create an account; returns it and the generated password when none was given."""
    if not _may_manage_any(actor):
        raise _error(Forbidden, "role", "forbidden", actor)
    email = _check_email(email, actor)
    target_role = _role(role, actor)
    display_name = _check_display_name(display_name, actor)
    generated = None
    if password is None:
        password = generated = passwords.generate_password()
    _check_password(password, actor)
    binding = await _new_binding(session, actor, target_role, organisation_id, company_id)
    if not may_manage(actor, binding):
        raise _error(Forbidden, "role", "role.forbidden", actor)
    if await get_user_by_email(session, email) is not None:
        raise _error(Invalid, "email", "email.taken", actor)
    password_hash = await asyncio.to_thread(passwords.hash_password, password)
    user = User(
        email=email,
        display_name=display_name,
        password_hash=password_hash,
        role=UserRole(target_role.value),
        organisation_id=organisation_id,
        company_id=company_id,
    )
    session.add(user)
    await session.flush()
    _audit(session, actor, "create", "User", user.id, {
        "email": [None, email],
        "role": [None, target_role.value],
        "organisation_id": [None, organisation_id],
        "company_id": [None, company_id],
        "display_name": [None, display_name],
    })
    return user, generated


async def update_user(
    session: AsyncSession,
    actor: Principal,
    user_id: int,
    version: int,
    *,
    role: Role | str = _UNSET,
    organisation_id: int | None = _UNSET,
    company_id: int | None = _UNSET,
    is_active: bool = _UNSET,
    display_name: str | None = _UNSET,
) -> User:
    """Change an account; only the keyword arguments given are changed.

    The grant rules hold for the account's current binding and for the new one.
    ``version`` is the one the caller read; a different current version is a
    :class:`~hongfan.errors.Conflict` and nothing is written.
    """
    is_self = actor.user_id is not None and actor.user_id == user_id
    privileged = actor.is_system or actor.role is Role.SUPERADMIN
    rebinds = any(v is not _UNSET for v in (role, organisation_id, company_id))
    changes_access = rebinds or is_active is not _UNSET
    if is_self and changes_access and not privileged:
        raise _error(Forbidden, "role", "user.self_change", actor)
    user = await _managed_user(session, actor, user_id, self_allowed=is_self and not changes_access)
    if user.version != version:
        error = FieldError(
            "version", "conflict.version",
            message("conflict.version", _lang(actor), current=user.version, given=version),
        )
        raise Conflict([error], current=user)

    before = {
        "role": user.role.value,
        "organisation_id": user.organisation_id,
        "company_id": user.company_id,
        "is_active": user.is_active,
        "display_name": user.display_name,
    }
    new_role = _role(role, actor) if role is not _UNSET else Role(user.role.value)
    new_org = organisation_id if organisation_id is not _UNSET else user.organisation_id
    new_company = company_id if company_id is not _UNSET else user.company_id
    new_active = bool(is_active) if is_active is not _UNSET else user.is_active
    new_name = _check_display_name(display_name, actor) if display_name is not _UNSET else user.display_name

    if rebinds:
        binding = await _new_binding(session, actor, new_role, new_org, new_company)
        if not may_manage(actor, binding):
            raise _error(Forbidden, "role", "role.forbidden", actor)
    losing = user.role is UserRole.SUPERADMIN and user.is_active and (
        new_role is not Role.SUPERADMIN or not new_active
    )
    if losing and await _other_active_superadmins(session, user.id) == 0:
        raise _error(Invalid, "role", "user.last_superadmin", actor)

    after = {
        "role": new_role.value,
        "organisation_id": new_org,
        "company_id": new_company,
        "is_active": new_active,
        "display_name": new_name,
    }
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changes:
        return user
    user.role = UserRole(new_role.value)
    user.organisation_id = new_org
    user.company_id = new_company
    user.is_active = new_active
    user.display_name = new_name
    user.updated_at = utcnow()
    user.version += 1
    await session.flush()
    _audit(session, actor, "update", "User", user.id, changes)
    return user


async def _other_active_superadmins(session: AsyncSession, user_id: int | None) -> int:
    statement = sa.select(sa.func.count(col(User.id))).where(
        col(User.role) == UserRole.SUPERADMIN, col(User.is_active).is_(True), col(User.id) != user_id
    )
    return int((await session.execute(statement)).scalar_one())


async def set_password(session: AsyncSession, actor: Principal, user_id: int, new_password: str) -> User:
    """Set a new password (the user itself or a manager); every login session of the user ends."""
    user = await _managed_user(session, actor, user_id, self_allowed=True)
    _check_password(new_password, actor)
    user.password_hash = await asyncio.to_thread(passwords.hash_password, new_password)
    now = utcnow()
    user.updated_at = now
    await session.execute(
        sa.update(AuthSession)
        .where(col(AuthSession.user_id) == user.id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    await session.flush()
    _audit(session, actor, "set_password", "User", user.id, {})
    return user


async def principal_for(session: AsyncSession, user: User, *, language: str = "zh") -> Principal:
    """The principal a request authenticated as ``user`` runs under."""
    path = None
    if user.organisation_id is not None:
        path = await _organisation_path(session, user.organisation_id, include_deleted=True)
    return Principal(
        kind="user",
        actor=f"user:{user.id}:{user.email}"[:200],
        role=Role(user.role.value),
        user_id=user.id,
        organisation_id=user.organisation_id,
        organisation_path=path,
        company_id=user.company_id,
        language=language,
    )


# -- API tokens -----------------------------------------------------------------------


async def issue_token(
    session: AsyncSession,
    actor: Principal,
    user_id: int,
    *,
    name: str = "api",
    expires_days: int | None = None,
) -> tuple[ApiToken, str]:
    """A new API token acting as the user; returns the row and the token, shown only now."""
    user = await _managed_user(session, actor, user_id, self_allowed=True)
    name = (name or "api").strip()[:100] or "api"
    if expires_days is not None and not 0 < expires_days <= MAX_TOKEN_DAYS:
        raise _error(Invalid, "expires_days", "token.expires_days", actor)
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,  # type: ignore[arg-type]
        name=name,
        token_hash=digest(plaintext),
        prefix=plaintext[:8],
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    await session.flush()
    _audit(session, actor, "token_issue", "ApiToken", token.id, {
        "user_id": [None, user.id], "name": [None, name], "expires_at": [None, _iso(token.expires_at)],
    })
    return token, plaintext


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def token_by_plaintext(session: AsyncSession, plaintext: str) -> ApiToken | None:
    statement = sa.select(ApiToken).where(col(ApiToken.token_hash) == digest(plaintext.strip()))
    return (await session.execute(statement)).scalar_one_or_none()


async def revoke_token(session: AsyncSession, actor: Principal, token_id: int) -> ApiToken:
    """Revoke a token (idempotent); its owner or a manager of its owner may."""
    token = (await session.execute(sa.select(ApiToken).where(col(ApiToken.id) == token_id))).scalar_one_or_none()
    if token is None:
        raise _error(NotFound, "id", "not_found", actor)
    await _managed_user(session, actor, token.user_id, self_allowed=True)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await session.flush()
        _audit(session, actor, "token_revoke", "ApiToken", token.id, {"revoked_at": [None, _iso(token.revoked_at)]})
    return token


async def list_tokens(session: AsyncSession, actor: Principal, user_id: int) -> list[ApiToken]:
    """The user's tokens, revoked and expired ones included, oldest first."""
    await _managed_user(session, actor, user_id, self_allowed=True)
    statement = sa.select(ApiToken).where(col(ApiToken.user_id) == user_id).order_by(col(ApiToken.id))
    return list((await session.execute(statement)).scalars())


async def lookup_token(session: AsyncSession, plaintext: str) -> tuple[ApiToken, User] | None:
    """The live token and its active user; None when unknown, expired, revoked or the user inactive."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    statement = (
        sa.select(ApiToken, User)
        .join(User, col(User.id) == col(ApiToken.user_id))
        .where(col(ApiToken.token_hash) == digest(plaintext))
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    token, user = row
    now = utcnow()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not user.is_active:
        return None
    return token, user


def token_still_grants_sql(first_placeholder: int) -> str:
    """SQL true while a token still authenticates as the principal it did before.

    The conditions of :func:`lookup_token` and :func:`principal_for`, for a caller that
    remembers a principal and must re-check it inside its own statement: placeholders
    ``$n``… from ``first_placeholder`` take, in order, the token's digest, the user id,
    role, organisation id, organisation path and company id (see
    :func:`token_still_grants_params`).
    """
    n = first_placeholder
    return (
        f"EXISTS (SELECT 1 FROM {ApiToken.__tablename__} AS t"
        f" JOIN {User.__tablename__} AS u ON u.id = t.user_id"
        f" LEFT JOIN {Organisation.__tablename__} AS o ON o.id = u.organisation_id"
        f" WHERE t.token_hash = ${n} AND t.revoked_at IS NULL"
        " AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.is_active"
        f" AND u.id = ${n + 1}::integer AND u.role = ${n + 2}::text"
        f" AND u.organisation_id IS NOT DISTINCT FROM ${n + 3}::integer"
        f" AND o.path IS NOT DISTINCT FROM ${n + 4}::text"
        f" AND u.company_id IS NOT DISTINCT FROM ${n + 5}::integer)"
    )


def token_still_grants_params(token_digest: str, principal: Principal) -> tuple[Any, ...]:
    role = principal.role.value if principal.role is not None else None
    return (
        token_digest, principal.user_id, role, principal.organisation_id,
        principal.organisation_path, principal.company_id,
    )


def touch_due(last: datetime | None, now: datetime | None = None) -> bool:
    return last is None or (now or utcnow()) - last >= TOUCH_EVERY


async def touch_token(session: AsyncSession, token: ApiToken) -> bool:
    """Record the token's use, at most once a minute; True when it wrote."""
    now = utcnow()
    if not touch_due(token.last_used_at, now):
        return False
    await session.execute(sa.update(ApiToken).where(col(ApiToken.id) == token.id).values(last_used_at=now))
    token.last_used_at = now
    return True


async def authenticate_token(session: AsyncSession, plaintext: str) -> Principal | None:
    """The principal a bearer token acts as; None when it does not authenticate."""
    found = await lookup_token(session, plaintext)
    if found is None:
        return None
    token, user = found
    await touch_token(session, token)
    return await principal_for(session, user)


# -- login sessions -------------------------------------------------------------------


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


async def login(
    session: AsyncSession,
    email: str,
    password: str,
    ip: str | None,
    user_agent: str | None,
    *,
    policy: SessionPolicy = DEFAULT_POLICY,
) -> tuple[AuthSession, str]:
    """Check the credentials and open a new login session; returns it and its raw id.

    Raises :class:`LoginRateLimited` before looking at the password when the
    account has ``max_failures_account`` failures, or the address
    ``max_failures_ip``, within the window. Raises :class:`LoginFailed` for an
    unknown e-mail address, a wrong password or an inactive account alike —
    after recording the failure and **committing** it, so the count survives
    the caller's rollback. Each success is a fresh session id (rotation).
    """
    email = normalise_email(email)[:254]
    account_key = f"email:{email}"
    ip_key = f"ip:{ip[:64]}" if ip else None
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        # Attempts on one account queue up, so parallel guesses cannot all slip under
        # the limit (SQLite writers are serialised by BEGIN IMMEDIATE already).
        await connection.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": account_key})
    now = utcnow()
    waits = [await _blocked_for(session, account_key, policy.max_failures_account, policy.window, now)]
    if ip_key:
        waits.append(await _blocked_for(session, ip_key, policy.max_failures_ip, policy.window, now))
    blocked = [w for w in waits if w is not None]
    if blocked:
        raise LoginRateLimited(max(blocked))

    user = await get_user_by_email(session, email) if email else None
    password = password[: passwords.MAX_LENGTH * 4]
    if user is None:
        ok = await asyncio.to_thread(passwords.verify_nothing, password)
    else:
        ok = await asyncio.to_thread(passwords.verify, user.password_hash, password)
    if user is None or not ok or not user.is_active:
        for key in (account_key, ip_key):
            if key:
                session.add(LoginFailure(key=key, at=now))
        # Forget failures nobody counts any more.
        await session.execute(sa.delete(LoginFailure).where(col(LoginFailure.at) <= now - max(policy.window, timedelta(days=1))))
        await session.commit()
        raise LoginFailed()

    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await asyncio.to_thread(passwords.hash_password, password)
    await session.execute(sa.delete(LoginFailure).where(col(LoginFailure.key) == account_key))
    # Sweep this user's dead sessions while we are here.
    await session.execute(
        sa.delete(AuthSession).where(
            col(AuthSession.user_id) == user.id,
            sa.or_(col(AuthSession.expires_at) <= now, col(AuthSession.revoked_at).is_not(None)),
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
        .where(col(AuthSession.session_hash) == digest(raw_id), col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def lookup_session(
    session: AsyncSession, raw_id: str, *, policy: SessionPolicy = DEFAULT_POLICY
) -> tuple[AuthSession, User] | None:
    """The live login session and its active user; None when unknown, revoked, expired or idle too long."""
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
    if auth_session.revoked_at is not None or auth_session.expires_at <= now:
        return None
    if auth_session.last_seen_at + policy.idle <= now or not user.is_active:
        return None
    return auth_session, user


async def touch_session(session: AsyncSession, auth_session: AuthSession) -> bool:
    """Slide the idle timeout (at most one write a minute); True when it wrote."""
    now = utcnow()
    if not touch_due(auth_session.last_seen_at, now):
        return False
    await session.execute(
        sa.update(AuthSession).where(col(AuthSession.id) == auth_session.id).values(last_seen_at=now)
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


__all__ = [
    "AUTH",
    "DEFAULT_POLICY",
    "TOKEN_PREFIX",
    "Binding",
    "LoginFailed",
    "LoginRateLimited",
    "SessionPolicy",
    "authenticate_token",
    "create_user",
    "current_binding",
    "digest",
    "get_user_by_email",
    "issue_token",
    "list_tokens",
    "login",
    "logout",
    "lookup_session",
    "lookup_token",
    "may_manage",
    "normalise_email",
    "principal_for",
    "revoke_token",
    "session_principal",
    "set_password",
    "token_by_plaintext",
    "touch_session",
    "touch_token",
    "update_user",
]


async def list_users(session: AsyncSession, actor: Principal, *, limit: int = 500) -> list[User]:
    """The accounts ``actor`` may manage (and its own), by e-mail address."""
    statement = sa.select(User).order_by(col(User.email)).limit(limit)
    if actor.is_system or actor.role is Role.SUPERADMIN:
        return list((await session.execute(statement)).scalars().all())
    if actor.role is Role.ORG_ADMIN and actor.organisation_path:
        in_subtree = sa.select(col(Organisation.id)).where(col(Organisation.path).like(actor.organisation_path + "%"))
        companies = sa.select(col(Company.id)).where(col(Company.organisation_id).in_(in_subtree))
        statement = statement.where(
            sa.or_(
                col(User.organisation_id).in_(in_subtree),
                col(User.company_id).in_(companies),
                col(User.id) == actor.user_id,
            ),
            col(User.role) != UserRole.SUPERADMIN,
        )
        return list((await session.execute(statement)).scalars().all())
    return list((await session.execute(statement.where(col(User.id) == actor.user_id))).scalars().all())
