"""Published rows tallied apart, and the instructor roster keyed by the course's flag (#16.1).

A signed-in caller reads its own scope plus every published row of the public types, so
its figures need the published rows outside its scope: ``tally`` gains
``published_rows``/<table> (organisations, sites, courses, companies) and
``published_site_kind``/<kind>, and ``instructor_roster`` a ``course_published`` column in
its key; ``ix_tally_figure`` finds one figure's rows across organisations. The roster is derived data: it is made anew with the new key, the triggers are
replaced and both tables recomputed from the records (frozen SQL:
``migrations/frozen/tallies_0018.py``). The downgrade restores 0008's triggers and roster.

Revision ID: 0018_published_tallies
Revises: 0015_keyset_indexes
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

from migrations.frozen.tallies_0018 import DROP_TRIGGERS, FILL, TRIGGERS

revision: str = "0018_published_tallies"
down_revision: str | Sequence[str] | None = "0015_keyset_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _roster(published: bool) -> None:
    key = ["organisation_id", "name", "course_organisation_id"]
    columns: list[Any] = [
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("course_organisation_id", sa.Integer(), nullable=False),
    ]
    if published:
        columns.append(sa.Column("course_published", sa.Boolean(), nullable=False))
        key.append("course_published")
    op.drop_table("instructor_roster")
    op.create_table(
        "instructor_roster",
        *columns,
        sa.Column("n", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(*key, name=op.f("pk_instructor_roster")),
    )


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(sa.text(statement))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(DROP_TRIGGERS[dialect])
    _roster(published=True)
    op.create_index("ix_tally_figure", "tally", ["figure", "organisation_id"])
    _run(TRIGGERS[dialect])
    _run(FILL)


def downgrade() -> None:
    spec = importlib.util.spec_from_file_location(
        "tallies_0008", Path(__file__).with_name("0008_tallies.py")
    )
    assert spec is not None and spec.loader is not None
    before = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(before)
    dialect = op.get_bind().dialect.name
    _run(DROP_TRIGGERS[dialect])
    op.drop_index("ix_tally_figure", table_name="tally")
    _roster(published=False)
    _run(before.TRIGGERS[dialect])
    _run(before.FILL)
