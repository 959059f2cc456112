"""Saved list views of the admin UI: a user's named columns, filters and sort per list (列表视图)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class SavedView(SQLModel, table=True):
    """One user's named view of one admin list; at most one per list is their default.

    ``params`` holds what the list's URL would carry (filters, sort, ``cols``), never a
    search text: searches may be ID numbers or phones, which are kept out of storage.
    """

    __tablename__ = "admin_saved_view"
    __table_args__ = (sa.UniqueConstraint("user_id", "list_slug", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    list_slug: str = Field(max_length=64)
    name: str = Field(max_length=50)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    is_default: bool = Field(default=False, nullable=False)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
