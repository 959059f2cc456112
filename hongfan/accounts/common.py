"""Shared pieces of the account operations: the auth principal, digests, field checks, audit rows."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import passwords, policy
from hongfan.errors import HongfanError, Invalid
from hongfan.principal import Principal, Role, system
from models.accounts import UserRole
from models.audit import AuditEntry
from models.base import utcnow
from models.validators import check_text, remove_zero_width

AUTH = system("auth")
"""The principal to open account sessions with (lookups need no row scope)."""

TOUCH_EVERY = timedelta(minutes=1)  # last_used_at / last_seen_at: at most one write a minute
STAFF_ROLES = policy.ORGANISATION_ROLES  # bound to an organisation (hongfan.policy.bound_to)
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_UNSET: Any = object()


def digest(secret: str) -> str:
    """SHA-256 hex of a token or session id: what the database keeps."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _lang(actor: Principal) -> str:
    return actor.language


def _error(
    kind: type[HongfanError], field: str, code: str, actor: Principal, **params: Any
) -> HongfanError:
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
    display_name = remove_zero_width(display_name).strip() or None
    if display_name is not None and len(display_name) > 100:
        raise _error(Invalid, "display_name", "too_long", actor, max=100)
    problem = check_text(display_name) if display_name is not None else None
    if problem is not None:  # the same rule as every record's text (#9.4)
        raise _error(Invalid, "display_name", problem, actor)
    return display_name


def _role(value: Role | UserRole | str, actor: Principal) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise _error(Invalid, "role", "invalid_choice", actor, choices=choices) from None


def _audit(
    session: AsyncSession,
    actor: Principal,
    action: str,
    entity: str,
    record_id: int | None,
    changes: dict[str, Any],
) -> None:
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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def touch_due(last: datetime | None, now: datetime | None = None) -> bool:
    return last is None or (now or utcnow()) - last >= TOUCH_EVERY
