"""Identities: users, API tokens, login sessions and failed logins (账号).

These tables are not record types: they are not in ``ENTITIES``, so they have no
GraphQL type and no row scope of their own; only :mod:`hongfan.accounts` reads
and writes them, and it applies the grant rules itself. Secrets are never
stored in clear: passwords as argon2 hashes, tokens and session ids as SHA-256.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, enum_column, labelled, utcnow


@labelled(
    {
        "superadmin": ("超级管理员", "Superadmin"),
        "org_admin": ("组织管理员", "Organisation admin"),
        "editor": ("编辑", "Editor"),
        "viewer": ("查看者", "Viewer"),
        "partner": ("合作企业", "Partner"),
    }
)
class UserRole(enum.StrEnum):
    """The stored role; the same values as ``hongfan.principal.Role`` (models import nothing from hongfan)."""

    SUPERADMIN = "superadmin"
    ORG_ADMIN = "org_admin"
    EDITOR = "editor"
    VIEWER = "viewer"
    PARTNER = "partner"


class User(SQLModel, table=True):
    """A person who signs in to the admin UI or acts through API tokens (用户)."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    # Always stored lower-cased (hongfan.accounts.normalise_email); unique.
    email: str = Field(max_length=254, unique=True)
    display_name: str | None = Field(default=None, max_length=100)
    password_hash: str = Field(max_length=255)
    role: UserRole = Field(sa_type=enum_column(UserRole), index=True)
    # Staff roles are bound to an organisation (their subtree); partners to a company.
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    company_id: int | None = Field(default=None, foreign_key="company.id", index=True)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1, nullable=False)


class ApiToken(SQLModel, table=True):
    """A bearer token acting as its user; only the SHA-256 of the token is kept (API 令牌)."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)  # sha256 hex of the token
    prefix: str = Field(max_length=16)  # the token's first characters, to recognise it in lists
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The token whose bearer created this one (legacy: tokens no longer mint tokens);
    # revoking a token revokes the tokens it created, and theirs.
    parent_token_id: int | None = Field(default=None, foreign_key="api_token.id", index=True)


class AuthSession(SQLModel, table=True):
    """A browser login; the cookie carries the random id, the table its SHA-256 (登录会话)."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    user_agent: str | None = Field(default=None, max_length=300)
    ip: str | None = Field(default=None, max_length=64)


class LoginFailure(SQLModel, table=True):
    """One failed login, counted per account and per address for rate limiting (登录失败)."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)  # "email:a@b.cn" or "ip:1.2.3.4"
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


__all__ = ["ApiToken", "AuthSession", "LoginFailure", "User", "UserRole"]
