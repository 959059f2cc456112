"""Tally roll-up: every figure summed over each organisation's subtree (#16.1).

``tally_rollup`` (organisation_id, figure, bucket) → n, amount holds, for every
organisation and for 0 (the whole network), the sum of ``tally`` over its subtree, so a
caller's statistics are a few rows however many students its scope holds. The tally
triggers are replaced by ones that keep the roll-up too (frozen SQL:
``migrations/frozen/tallies_0019.py``), and the roll-up is computed from ``tally``. The
downgrade drops it and restores 0018's triggers.

Revision ID: 0019_tally_rollup
Revises: 0018_published_tallies
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.frozen import tallies_0018, tallies_0019

revision: str = "0019_tally_rollup"
down_revision: str | Sequence[str] | None = "0018_published_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(sa.text(statement))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(tallies_0018.DROP_TRIGGERS[dialect])
    op.create_table(
        "tally_rollup",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("figure", sa.String(length=32), nullable=False),
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("n", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("amount", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint(
            "organisation_id", "figure", "bucket", name=op.f("pk_tally_rollup")
        ),
    )
    _run(tallies_0019.TRIGGERS[dialect])
    _run(tallies_0019.FILL[dialect])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _run(tallies_0019.DROP_TRIGGERS[dialect])
    op.drop_table("tally_rollup")
    _run(tallies_0018.TRIGGERS[dialect])
