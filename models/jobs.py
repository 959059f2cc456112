"""Background jobs of spreadsheet imports and exports (后台任务).

A job is a row here plus files in the jobs directory (the upload, the error file, the
export). Any app process can show a job's progress and hand out its files; the
process that runs it writes its state. Not a record type: no GraphQL, no admin list.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow


class TransferJob(SQLModel, table=True):
    __tablename__ = "transfer_job"

    id: str = Field(primary_key=True, max_length=32)  # random hex: also the job's URL
    kind: str = Field(max_length=16)  # import / export
    type_name: str = Field(max_length=50)
    # check → (checked) → commit for imports; export for exports
    phase: str = Field(max_length=16)
    # queued / running / done / failed
    state: str = Field(max_length=16, index=True)
    actor: str = Field(max_length=200)
    user_id: int | None = Field(default=None, index=True)
    language: str = Field(default="zh", max_length=5)
    filename: str = Field(default="", max_length=255)
    total: int = Field(default=0)  # rows in the file, or to export
    checked: int = Field(default=0)  # rows checked so far
    written: int = Field(default=0)  # rows written (or exported) so far
    # counts, the header row, the first errors, warnings and changes; an error code on failure
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
