"""Accounts: create, change, set passwords, list, and the principal a user acts as."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hongfan import passwords, policy
from hongfan.accounts.common import (
    _UNSET,
    _audit,
    _check_display_name,
    _check_email,
    _check_password,
    _error,
    _lang,
    _role,
    normalise_email,
)
from hongfan.accounts.grants import (
    _managed_user,
    _may_manage_any,
    _new_binding,
    _organisation_path,
    may_manage,
)
from hongfan.errors import Conflict, FieldError, Forbidden, Invalid
from hongfan.principal import Principal, Role
from models.accounts import ApiToken, AuthSession, User, UserRole
from models.base import utcnow
from models.messages import message
from models.organisations import Organisation
from models.practice import Company

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
    _audit(
        session,
        actor,
        "create",
        "User",
        user.id,
        {
            "email": [None, email],
            "role": [None, target_role.value],
            "organisation_id": [None, organisation_id],
            "company_id": [None, company_id],
            "display_name": [None, display_name],
        },
    )
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
    privileged = policy.manages_every_account(actor)
    rebinds = any(v is not _UNSET for v in (role, organisation_id, company_id))
    changes_access = rebinds or is_active is not _UNSET
    if is_self and changes_access and not privileged:
        raise _error(Forbidden, "role", "user.self_change", actor)
    user = await _managed_user(session, actor, user_id, self_allowed=is_self and not changes_access)
    if user.version != version:
        error = FieldError(
            "version",
            "conflict.version",
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
    new_name = (
        _check_display_name(display_name, actor)
        if display_name is not _UNSET
        else user.display_name
    )

    if rebinds:
        binding = await _new_binding(session, actor, new_role, new_org, new_company)
        if not may_manage(actor, binding):
            raise _error(Forbidden, "role", "role.forbidden", actor)
    losing = (
        policy.administers_network(Role(user.role.value))
        and user.is_active
        and (not policy.administers_network(new_role) or not new_active)
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
    if rebinds_now(changes):
        # What the account could do has changed: every session and token it had ends for
        # good (reactivating it later does not bring them back).
        await revoke_credentials(session, user.id)  # type: ignore[arg-type]
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


ACCESS_FIELDS = frozenset({"role", "organisation_id", "company_id", "is_active"})


def rebinds_now(changes: Mapping[str, object]) -> bool:
    """True when a change to an account changes what it may do (its sessions and tokens end)."""
    return not ACCESS_FIELDS.isdisjoint(changes)


async def revoke_credentials(session: AsyncSession, user_id: int) -> None:
    """End every live login session and revoke every live API token of the user."""
    now = utcnow()
    await session.execute(
        sa.update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now)
    )
    await session.execute(
        sa.update(ApiToken)
        .where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=now)
    )


def _network_administrator_roles() -> list[UserRole]:
    return [UserRole(r.value) for r in policy.NETWORK_ADMINISTRATORS]


async def _other_active_superadmins(session: AsyncSession, user_id: int | None) -> int:
    statement = sa.select(sa.func.count(col(User.id))).where(
        col(User.role).in_(_network_administrator_roles()),
        col(User.is_active).is_(True),
        col(User.id) != user_id,
    )
    return int((await session.execute(statement)).scalar_one())


async def set_password(
    session: AsyncSession, actor: Principal, user_id: int, new_password: str
) -> User:
    """Set a new password (the user itself or a manager); every login session and API token
    of the user ends."""
    user = await _managed_user(session, actor, user_id, self_allowed=True)
    _check_password(new_password, actor)
    user.password_hash = await asyncio.to_thread(passwords.hash_password, new_password)
    user.updated_at = utcnow()
    await revoke_credentials(session, user.id)  # type: ignore[arg-type]
    await session.flush()
    _audit(session, actor, "set_password", "User", user.id, {})
    return user


_UNREAD: Any = object()


async def principal_for(
    session: AsyncSession, user: User, *, language: str = "zh", organisation_path: Any = _UNREAD
) -> Principal:
    """The principal a request authenticated as ``user`` runs under (``organisation_path``:
    the path of the user's organisation when the caller read it already)."""
    path = None if organisation_path is _UNREAD else organisation_path
    if user.organisation_id is not None and organisation_path is _UNREAD:
        path = await _organisation_path(session, user.organisation_id, include_deleted=True)
    return user_principal(
        user.id or 0,
        user.email,
        user.role.value,
        user.organisation_id,
        path,
        user.company_id,
        language=language,
    )


def user_principal(
    user_id: int,
    email: str,
    role: str,
    organisation_id: int | None,
    organisation_path: str | None,
    company_id: int | None,
    *,
    language: str = "zh",
) -> Principal:
    """The principal of an account, from its columns (``role``: a ``UserRole`` value) and
    the path of its organisation (deleted or not)."""
    return Principal(
        kind="user",
        actor=f"user:{user_id}:{email}"[:200],
        role=Role(role),
        user_id=user_id,
        organisation_id=organisation_id,
        organisation_path=organisation_path,
        company_id=company_id,
        language=language,
    )


async def list_users(session: AsyncSession, actor: Principal, *, limit: int = 500) -> list[User]:
    """The accounts ``actor`` may manage (and its own), by e-mail address."""
    statement = sa.select(User).order_by(col(User.email)).limit(limit)
    if policy.manages_every_account(actor):
        return list((await session.execute(statement)).scalars().all())
    subtree = policy.account_subtree(actor)
    if subtree is not None:
        in_subtree = sa.select(col(Organisation.id)).where(
            col(Organisation.path).like(subtree + "%")
        )
        companies = sa.select(col(Company.id)).where(col(Company.organisation_id).in_(in_subtree))
        statement = statement.where(
            sa.or_(
                col(User.organisation_id).in_(in_subtree),
                col(User.company_id).in_(companies),
                col(User.id) == actor.user_id,
            ),
            col(User.role).not_in(_network_administrator_roles()),
        )
        return list((await session.execute(statement)).scalars().all())
    return list(
        (await session.execute(statement.where(col(User.id) == actor.user_id))).scalars().all()
    )
