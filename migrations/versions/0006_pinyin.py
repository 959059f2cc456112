"""Pinyin sort keys and search text beside the names people sort and search by.

For each column declared ``pinyin=`` in the models, ``<column>_pinyin`` (the sort key,
compared byte-wise: ``COLLATE "C"`` on PostgreSQL) and ``<column>_pinyin_search``
(toneless spelling and initials, with a grams index on PostgreSQL), filled for the
rows already there with the functions of ``models.pinyin`` as they were then (a frozen
copy in ``migrations/frozen/pinyin_0006.py``), in batches.

Revision ID: 0006_pinyin
Revises: 0005_transfer_jobs
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.frozen.pinyin_0006 import search_text, sort_key

revision: str = "0006_pinyin"
down_revision: str | Sequence[str] | None = "0005_transfer_jobs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, how it is read): written out here, never taken from the live models.
PINYIN_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("organisation", "name", "text"),
    ("service_site", "name", "text"),
    ("course", "title", "text"),
    ("enrolment", "name", "person"),
    ("scholarship_student", "name", "person"),
    ("company", "name", "text"),
)
BATCH = 2_000


def _sort_type() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    for table, column, _kind in PINYIN_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column(f"{column}_pinyin", _sort_type(), nullable=True))
            batch.add_column(sa.Column(f"{column}_pinyin_search", sa.Text(), nullable=True))
    for table, column, kind in PINYIN_COLUMNS:
        _backfill(bind, table, column, kind)
        op.create_index(f"ix_{table}_{column}_pinyin", table, [f"{column}_pinyin"])
        if postgresql:
            op.execute(
                f"CREATE INDEX ix_{table}_{column}_pinyin_search_grams ON {table} "
                f"USING gin (hongfan_grams({column}_pinyin_search))"
            )


def _backfill(bind: sa.Connection, table: str, column: str, kind: str) -> None:
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.Text))
    target = sa.table(
        table,
        sa.column("id", sa.Integer),
        sa.column(f"{column}_pinyin", sa.Text),
        sa.column(f"{column}_pinyin_search", sa.Text),
    )
    last = 0
    while True:
        batch = bind.execute(
            sa.select(rows.c.id, rows.c[column])
            .where(rows.c.id > last)
            .order_by(rows.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        bind.execute(
            sa.update(target).where(target.c.id == sa.bindparam("pk")),
            [
                {
                    "pk": pk,
                    f"{column}_pinyin": sort_key(value, kind),  # type: ignore[arg-type]
                    f"{column}_pinyin_search": search_text(value, kind),  # type: ignore[arg-type]
                }
                for pk, value in batch
            ],
        )
        last = batch[-1][0]


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, column, _kind in PINYIN_COLUMNS:
        if postgresql:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_{column}_pinyin_search_grams")
        op.drop_index(f"ix_{table}_{column}_pinyin", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column(f"{column}_pinyin_search")
            batch.drop_column(f"{column}_pinyin")
