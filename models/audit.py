"""The audit log: every write, and every read of an unmasked sensitive field (审计日志)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow

# Every action an audit entry is written with (the admin's audit page offers each as a
# filter and names it in both languages: admin_ui/i18n.py "action.<name>").
AUDIT_ACTIONS: tuple[str, ...] = (
    "create",
    "update",
    "delete",
    "restore",
    "bulk_update",
    "bulk_delete",
    "bulk_restore",
    "export",
    "export_person",
    "anonymise",
    "read_sensitive",
    "lookup_sensitive",
    "probe_unique",
    "set_password",
    "token_issue",
    "token_revoke",
)


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor: str = Field(max_length=200, index=True)
    # one of AUDIT_ACTIONS
    action: str = Field(max_length=20, index=True)
    entity: str = Field(max_length=50, index=True)
    record_id: int = Field(index=True)
    # {field: [before, after]} for writes; {"fields": [...]} for sensitive reads
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    request_id: str | None = Field(default=None, max_length=64, index=True)
    # The organisation the record belongs to, so org admins see their subtree's log.
    organisation_id: int | None = Field(default=None, index=True)
