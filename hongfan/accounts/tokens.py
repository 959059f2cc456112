"""API tokens: issue, list, revoke, look up; only their SHA-256 digest is stored."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hongfan import passwords, policy
from hongfan.access import INCLUDE_DELETED, REUSED
from hongfan.accounts.common import _audit, _error, _iso, digest, touch_due
from hongfan.accounts.grants import _managed_user
from hongfan.accounts.users import principal_for, user_principal
from hongfan.errors import Forbidden, Invalid, NotFound
from hongfan.operations import Operation, OperationsFileError, operations_of
from hongfan.persisted import bind_operations
from hongfan.principal import Principal
from models.accounts import ApiToken, User
from models.base import utcnow
from models.organisations import Organisation
from models.validators import check_text, remove_zero_width

TOKEN_PREFIX = "hf_"
MAX_TOKEN_DAYS = 3650


# -- API tokens -----------------------------------------------------------------------


async def issue_token(
    session: AsyncSession,
    actor: Principal,
    user_id: int,
    *,
    name: str = "api",
    expires_days: int | None = None,
    password: str | None = None,
    operations: str | None = None,
) -> tuple[ApiToken, str]:
    """A new API token acting as the user; returns the row and the token, shown only now.

    ``operations``, the text of a .graphql file, binds the token to the operations in it:
    it runs those and nothing else (a partner system's allow-list, #14.4).

    Over HTTP only a signed-in session may ask, with its password checked within
    :data:`REAUTH_WINDOW` (at sign-in, or ``password`` now) — except a superadmin issuing
    a token for someone else. A bearer token never mints another (#12.7).
    """
    user = await _managed_user(session, actor, user_id, self_allowed=True)
    await _check_may_mint(session, actor, user, password)
    name = remove_zero_width(name or "api").strip()[:100] or "api"
    problem = check_text(name)
    if problem is not None:  # the same rule as every record's text (#9.4)
        raise _error(Invalid, "name", problem, actor)
    if expires_days is not None and not 0 < expires_days <= MAX_TOKEN_DAYS:
        raise _error(Invalid, "expiresDays", "token.expires_days", actor, max=MAX_TOKEN_DAYS)
    bound: list[Operation] = []
    if operations is not None:
        try:
            bound = operations_of(operations)
        except OperationsFileError as error:
            raise _error(Invalid, "operations", error.code, actor, **error.params) from error
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + timedelta(days=expires_days) if expires_days else None
    if actor.token_id is not None:  # never outlive the token it was made with
        parent = (
            await session.execute(sa.select(ApiToken).where(col(ApiToken.id) == actor.token_id))
        ).scalar_one_or_none()
        if parent is not None and parent.expires_at is not None:
            expires_at = (
                parent.expires_at if expires_at is None else min(expires_at, parent.expires_at)
            )
    token = ApiToken(
        user_id=user.id,  # type: ignore[arg-type]
        name=name,
        token_hash=digest(plaintext),
        prefix=plaintext[:8],
        created_at=now,
        expires_at=expires_at,
        parent_token_id=actor.token_id,
    )
    session.add(token)
    await session.flush()
    if bound:
        await bind_operations(session, int(token.id or 0), bound)
    _audit(
        session,
        actor,
        "token_issue",
        "ApiToken",
        token.id,
        {
            "user_id": [None, user.id],
            "name": [None, name],
            "expires_at": [None, _iso(token.expires_at)],
            **({"operations": [None, [o.name for o in bound]]} if bound else {}),
        },
    )
    return token, plaintext


REAUTH_WINDOW = timedelta(minutes=15)


async def _check_may_mint(
    session: AsyncSession, actor: Principal, user: User, password: str | None
) -> None:
    if actor.is_system or actor.credential == "":
        return  # the process itself: the CLI, jobs
    if actor.credential != "session":
        raise _error(Forbidden, "password", "token.needs_session", actor)
    if actor.user_id != user.id:
        if not policy.may_issue_tokens_for_others(actor):
            raise _error(Forbidden, "userId", "token.for_others", actor)
        return  # a superadmin acting for another user
    if password:
        own = (
            await session.execute(sa.select(User).where(col(User.id) == actor.user_id))
        ).scalar_one_or_none()
        if own is None or not passwords.verify(own.password_hash, password):
            raise _error(Invalid, "password", "token.reauth_failed", actor)
        return
    checked = actor.password_checked_at
    if checked is None or utcnow() - checked > REAUTH_WINDOW:
        raise _error(
            Forbidden,
            "password",
            "token.reauth",
            actor,
            minutes=int(REAUTH_WINDOW.total_seconds() // 60),
        )


async def token_by_plaintext(session: AsyncSession, plaintext: str) -> ApiToken | None:
    statement = sa.select(ApiToken).where(col(ApiToken.token_hash) == digest(plaintext.strip()))
    return (await session.execute(statement)).scalar_one_or_none()


async def revoke_token(session: AsyncSession, actor: Principal, token_id: int) -> ApiToken:
    """Revoke a token (idempotent); its owner or a manager of its owner may."""
    token = (
        await session.execute(sa.select(ApiToken).where(col(ApiToken.id) == token_id))
    ).scalar_one_or_none()
    if token is None:
        raise _error(NotFound, "id", "not_found", actor)
    await _managed_user(session, actor, token.user_id, self_allowed=True)
    now = utcnow()
    # The token and every token created with it, and theirs (lineage, breadth first).
    lineage, frontier = [token], [token.id]
    while frontier:
        children = list(
            (
                await session.execute(
                    sa.select(ApiToken).where(col(ApiToken.parent_token_id).in_(frontier))
                )
            ).scalars()
        )
        lineage += children
        frontier = [c.id for c in children]
    for each in lineage:
        if each.revoked_at is None:
            each.revoked_at = now
            await session.flush()
            _audit(
                session,
                actor,
                "token_revoke",
                "ApiToken",
                each.id,
                {
                    "revoked_at": [None, _iso(each.revoked_at)],
                    **({"via": token.id} if each is not token else {}),
                },
            )
    return token


async def list_tokens(session: AsyncSession, actor: Principal, user_id: int) -> list[ApiToken]:
    """The user's tokens, revoked and expired ones included, oldest first."""
    await _managed_user(session, actor, user_id, self_allowed=True)
    statement = (
        sa.select(ApiToken).where(col(ApiToken.user_id) == user_id).order_by(col(ApiToken.id))
    )
    return list((await session.execute(statement)).scalars())


async def lookup_token(session: AsyncSession, plaintext: str) -> tuple[ApiToken, User] | None:
    """The live token and its active user; None when unknown, expired, revoked or the user inactive."""
    found = await _lookup(session, plaintext)
    return None if found is None else (found[0], found[1])


async def lookup_token_principal(
    session: AsyncSession, plaintext: str, *, language: str = "zh"
) -> tuple[ApiToken, Principal] | None:
    """The live token and the principal it acts as (:func:`lookup_token` and
    :func:`principal_for` alike), read in one statement: a request's credential costs one
    round trip (#16.6)."""
    found = await _lookup(session, plaintext)
    if found is None:
        return None
    token, user, path = found
    return token, await principal_for(session, user, language=language, organisation_path=path)


@functools.cache
def _lookup_statement() -> Any:
    """The token by its digest, with its user and their organisation's path: built once, the
    digest bound at execution (every request with a token runs it)."""
    return (
        sa.select(ApiToken, User, col(Organisation.path))
        .join(User, col(User.id) == col(ApiToken.user_id))
        .outerjoin(Organisation, col(Organisation.id) == col(User.organisation_id))
        .where(col(ApiToken.token_hash) == sa.bindparam("token_hash"))
        .execution_options(**{INCLUDE_DELETED: True, REUSED: True})
    )


async def _lookup(
    session: AsyncSession, plaintext: str
) -> tuple[ApiToken, User, str | None] | None:
    """The live token, its active user and the path of the user's organisation (deleted
    ones too, as :func:`principal_for` reads it)."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    row = (await session.execute(_lookup_statement(), {"token_hash": digest(plaintext)})).first()
    if row is None:
        return None
    token, user, path = row
    now = utcnow()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not user.is_active:
        return None
    return token, user, path


def _live_token_sql(digest_placeholder: int) -> str:
    """FROM … WHERE of :func:`lookup_token`'s conditions in SQL (PostgreSQL placeholders):
    the token whose digest is ``$digest_placeholder`` (``t``), live, with its active account
    (``u``) and the account's organisation (``o``, deleted or not, as principal_for reads it)."""
    return (
        f" FROM {ApiToken.__tablename__} AS t"
        f" JOIN {User.__tablename__} AS u ON u.id = t.user_id"
        f" LEFT JOIN {Organisation.__tablename__} AS o ON o.id = u.organisation_id"
        f" WHERE t.token_hash = ${digest_placeholder} AND t.revoked_at IS NULL"
        " AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.is_active"
    )


# lookup_token_principal as one plain statement ($1: the token's digest)
_LIVE_TOKEN_SQL = (
    "SELECT t.id, t.last_used_at, u.id, u.email, u.role::text, u.organisation_id, o.path,"
    " u.company_id" + _live_token_sql(1)
)


@dataclass(frozen=True)
class LiveToken:
    """A token that authenticates now: its id, when its use was last recorded, and the
    principal it acts as."""

    id: int
    last_used_at: datetime | None
    principal: Principal


async def lookup_live_token(
    connection: Any, plaintext: str, *, language: str = "zh"
) -> LiveToken | None:
    """:func:`lookup_token_principal` as one statement on a plain asyncpg connection
    (PostgreSQL): the same conditions, read every request (a revoked token, a deactivated
    or re-bound account is seen by the very next request), without the ORM's loading of
    two entities — most of a request's cost of authenticating (#16.6)."""
    if not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    row = await connection.fetchrow(_LIVE_TOKEN_SQL, digest(plaintext))
    if row is None:
        return None
    token_id, used_at, user_id, email, role, organisation_id, path, company_id = row
    principal = user_principal(
        user_id, email, role, organisation_id, path, company_id, language=language
    )
    return LiveToken(int(token_id), used_at, principal)


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
        f"EXISTS (SELECT 1{_live_token_sql(n)}"
        f" AND u.id = ${n + 1}::integer AND u.role = ${n + 2}::text"
        f" AND u.organisation_id IS NOT DISTINCT FROM ${n + 3}::integer"
        f" AND o.path IS NOT DISTINCT FROM ${n + 4}::text"
        f" AND u.company_id IS NOT DISTINCT FROM ${n + 5}::integer)"
    )


def token_still_grants_params(token_digest: str, principal: Principal) -> tuple[Any, ...]:
    role = principal.role.value if principal.role is not None else None
    return (
        token_digest,
        principal.user_id,
        role,
        principal.organisation_id,
        principal.organisation_path,
        principal.company_id,
    )


async def touch_token(session: AsyncSession, token: ApiToken) -> bool:
    """Record the token's use, at most once a minute; True when it wrote."""
    now = utcnow()
    if not touch_due(token.last_used_at, now):
        return False
    await session.execute(
        sa.update(ApiToken).where(col(ApiToken.id) == token.id).values(last_used_at=now)
    )
    token.last_used_at = now
    return True


async def touch_token_id(session: AsyncSession, token_id: int) -> None:
    """Record a token's use now (the caller decided it is due: :func:`touch_due`)."""
    await session.execute(
        sa.update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=utcnow())
    )


async def authenticate_token(session: AsyncSession, plaintext: str) -> Principal | None:
    """The principal a bearer token acts as; None when it does not authenticate."""
    found = await lookup_token(session, plaintext)
    if found is None:
        return None
    token, user = found
    await touch_token(session, token)
    return await principal_for(session, user)
