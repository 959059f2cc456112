"""Persisted GraphQL operations and the operations a partner token may run (issue #14).

``persisted_operation`` holds documents by the SHA-256 of their text (Apollo's automatic
persisted queries), shared by every process; ``api_token_operation`` binds a token to
the operations of the file it was created with (its allow-list), each by the SHA-256 of
the operation's canonical text (:mod:`hongfan.operations`). A token without rows there
runs anything its role may.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class PersistedOperation(SQLModel, table=True):
    """A GraphQL document known by the SHA-256 (hex) of its exact text (持久化查询)."""

    __tablename__ = "persisted_operation"

    sha256: str = Field(max_length=64, primary_key=True)
    document: str = Field(sa_type=sa.Text, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class TokenOperation(SQLModel, table=True):
    """One operation an API token is bound to (令牌允许的操作)."""

    __tablename__ = "api_token_operation"
    __table_args__ = (sa.UniqueConstraint("token_id", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="api_token.id", index=True)
    name: str = Field(max_length=200)  # the operation's name, for listings and messages
    sha256: str = Field(max_length=64)  # of its canonical text (hongfan.operations)
