"""Who may manage which account: bindings and :func:`may_manage` (the grant rules of the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hongfan import access, policy
from hongfan.access import INCLUDE_DELETED
from hongfan.accounts.common import _error
from hongfan.errors import Invalid, NotFound
from hongfan.principal import Principal, Role
from models.accounts import User
from models.organisations import Organisation
from models.practice import Company

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
    return policy.may_manage_user(actor, binding.role, binding.path)


def _may_manage_any(actor: Principal) -> bool:
    return access.administers(actor)


async def _organisation_path(
    session: AsyncSession, organisation_id: int, *, include_deleted: bool
) -> str | None:
    statement = sa.select(col(Organisation.path)).where(col(Organisation.id) == organisation_id)
    if include_deleted:
        statement = statement.execution_options(**{INCLUDE_DELETED: True})
    return (await session.execute(statement)).scalar_one_or_none()


async def _company_path(
    session: AsyncSession, company_id: int, *, include_deleted: bool
) -> str | None:
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
    bound = policy.bound_to(role)
    if bound == "organisation" and user.organisation_id is not None:
        path = await _organisation_path(session, user.organisation_id, include_deleted=True)
    elif bound == "company" and user.company_id is not None:
        path = await _company_path(session, user.company_id, include_deleted=True)
    return Binding(role, user.organisation_id, user.company_id, path)


async def _new_binding(
    session: AsyncSession,
    actor: Principal,
    role: Role,
    organisation_id: int | None,
    company_id: int | None,
) -> Binding:
    """Check a role's requirements and that its organisation or company exists."""
    path = None
    bound = policy.bound_to(role)
    if bound == "organisation":
        if organisation_id is None:
            raise _error(Invalid, "organisation_id", "role.organisation_required", actor)
        if company_id is not None:
            raise _error(Invalid, "company_id", "role.no_company", actor)
        path = await _organisation_path(session, organisation_id, include_deleted=False)
        if path is None:
            raise _error(Invalid, "organisation_id", "invalid_reference", actor)
    elif bound == "company":
        if company_id is None:
            raise _error(Invalid, "company_id", "role.company_required", actor)
        if organisation_id is not None:
            raise _error(Invalid, "organisation_id", "role.no_organisation", actor)
        path = await _company_path(session, company_id, include_deleted=False)
        if path is None:
            raise _error(Invalid, "company_id", "invalid_reference", actor)
    else:  # bound to nothing: a network administrator
        if organisation_id is not None:
            raise _error(Invalid, "organisation_id", "role.no_organisation", actor)
        if company_id is not None:
            raise _error(Invalid, "company_id", "role.no_company", actor)
    return Binding(role, organisation_id, company_id, path)


async def _user(session: AsyncSession, user_id: int, actor: Principal) -> User:
    user = (
        await session.execute(sa.select(User).where(col(User.id) == user_id))
    ).scalar_one_or_none()
    if user is None:
        raise _error(NotFound, "id", "not_found", actor)
    return user


async def _managed_user(
    session: AsyncSession, actor: Principal, user_id: int, *, self_allowed: bool
) -> User:
    """The user, when ``actor`` may manage it (or is it, if ``self_allowed``); else not found."""
    user = await _user(session, user_id, actor)
    if self_allowed and actor.user_id is not None and actor.user_id == user.id:
        return user
    if not may_manage(actor, await current_binding(session, user)):
        # Out of reach looks the same as missing: an org admin learns nothing beyond its subtree.
        raise _error(NotFound, "id", "not_found", actor)
    return user
