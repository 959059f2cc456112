"""Authorship as a user reference: created_by / updated_by hold a user's id, not text with an e-mail.

"user:3:li@example.org" becomes 3; what the system wrote ("system:demo", import jobs) becomes
null. Records then name their authors as each caller may see people (#12.1).

Revision ID: 0010_authorship
Revises: 0009_activities_volunteers
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from migrations.frozen.triggers_0010 import triggers_set_aside

revision: str = "0010_authorship"
down_revision: str | Sequence[str] | None = "0009_activities_volunteers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "organisation",
    "company",
    "scholarship_student",
    "service_site",
    "course",
    "internship",
    "scholarship_grant",
    "course_session",
    "enrolment",
    "volunteer",
    "activity",
    "volunteer_service",
)
COLUMNS = ("created_by", "updated_by")
_USER = re.compile(r"^user:(\d+)(?::|$)")


def _user_id(text: str | None) -> str | None:
    found = _USER.match(text or "")
    return found.group(1) if found else None


def upgrade() -> None:
    with triggers_set_aside(op.get_bind()):
        bind = op.get_bind()
        for table in TABLES:
            for column in COLUMNS:
                t = sa.table(table, sa.column(column, sa.String()))
                values = bind.execute(sa.select(t.c[column]).distinct()).scalars().all()
                for value in values:
                    if value is None:
                        continue
                    bind.execute(
                        t.update().where(t.c[column] == value).values({column: _user_id(value)})
                    )
            with op.batch_alter_table(table) as batch:
                for column in COLUMNS:
                    batch.alter_column(
                        column,
                        existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
                        type_=sa.Integer(),
                        existing_nullable=True,
                        postgresql_using=f"{column}::integer",
                    )


def downgrade() -> None:
    with triggers_set_aside(op.get_bind()):
        for table in TABLES:
            with op.batch_alter_table(table) as batch:
                for column in COLUMNS:
                    batch.alter_column(
                        column,
                        existing_type=sa.Integer(),
                        type_=sqlmodel.sql.sqltypes.AutoString(length=200),
                        existing_nullable=True,
                        postgresql_using=f"{column}::text",
                    )
            t = sa.table(table, *(sa.column(c, sa.String()) for c in COLUMNS))
            for column in COLUMNS:
                op.execute(
                    t.update()
                    .where(t.c[column].is_not(None))
                    .values({column: "user:" + t.c[column]})
                )
