"""Seal personal data at rest: ID numbers, phones and family category become AES-GCM
ciphertext behind an HMAC blind index; ID numbers stay unique through that index (#12.4).

Existing rows are converted in batches with the keyring the command was given.

Revision ID: 0012_sealed
Revises: 0011_token_lineage
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from migrations.frozen.sealed_0012 import INDEX_CHARS, Ring, ring_from
from migrations.frozen.triggers_0010 import triggers_set_aside

revision: str = "0012_sealed"
down_revision: str | Sequence[str] | None = "0011_token_lineage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = {
    "scholarship_student": (("id_number", 18), ("phone", 20), ("family_category", 32)),
    "enrolment": (("phone", 20),),
    "volunteer": (("phone", 20),),
}
BATCH = 500


def _convert(ring: Ring, table: str, columns: tuple[str, ...], sealing: bool) -> None:
    bind = op.get_bind()
    t = sa.table(
        table, sa.column("id", sa.Integer()), *(sa.column(c, sa.String()) for c in columns)
    )
    last = 0
    while True:
        rows = bind.execute(sa.select(t).where(t.c.id > last).order_by(t.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            values = {}
            for c in columns:
                value = getattr(row, c)
                if value is not None:
                    values[c] = ring.seal(c, str(value)) if sealing else ring.unseal(c, str(value))
            if values:
                bind.execute(t.update().where(t.c.id == row.id).values(**values))
        last = rows[-1].id


def upgrade() -> None:
    with triggers_set_aside(op.get_bind()):
        ring = ring_from(op.get_context().config)
        with op.batch_alter_table("scholarship_student") as batch:
            batch.drop_constraint("uq_scholarship_student_id_number", type_="unique")
            batch.drop_index("ix_scholarship_student_family_category")
        for table, columns in SEALED.items():
            with op.batch_alter_table(table) as batch:
                for column, length in columns:
                    batch.alter_column(
                        column,
                        existing_type=sqlmodel.sql.sqltypes.AutoString(length=length),
                        type_=sa.String(255),
                        existing_nullable=column != "id_number" and column != "family_category",
                    )
            _convert(ring, table, tuple(c for c, _ in columns), sealing=True)
        op.create_index(
            "uq_scholarship_student_id_number",
            "scholarship_student",
            [sa.text(f"substr(id_number, 1, {INDEX_CHARS})")],
            unique=True,
        )


def downgrade() -> None:
    with triggers_set_aside(op.get_bind()):
        ring = ring_from(op.get_context().config)
        op.drop_index("uq_scholarship_student_id_number", table_name="scholarship_student")
        for table, columns in SEALED.items():
            _convert(ring, table, tuple(c for c, _ in columns), sealing=False)
            with op.batch_alter_table(table) as batch:
                for column, length in columns:
                    batch.alter_column(
                        column,
                        existing_type=sa.String(255),
                        type_=sqlmodel.sql.sqltypes.AutoString(length=length),
                        existing_nullable=column != "id_number" and column != "family_category",
                    )
        with op.batch_alter_table("scholarship_student") as batch:
            batch.create_index(
                "ix_scholarship_student_family_category", ["family_category"], unique=False
            )
            batch.create_unique_constraint("uq_scholarship_student_id_number", ["id_number"])
