"""Tally roll-up: every tally figure summed over each organisation's whole subtree (#16.1).

``tally`` holds a figure per organisation; a caller's figure is the sum over the
organisations it may see — at 1M students a quarter of a million tally rows for the whole
network, tens of thousands for a district. ``tally_rollup`` (organisation_id, figure,
bucket) → n, amount holds that sum already made for every organisation's subtree, and
``organisation_id`` 0 for the whole network, so a caller's figures are a handful of rows
however large its scope.

It is kept by the same triggers as ``tally`` (``models.tallies``), in the same transaction:
each change to an organisation's tally is added to the organisation and to every ancestor
on its materialised path (``/1/7/12/`` → 0, 1, 7, 12), and an organisation whose path
changes (a move; a new organisation's path set after its id is known) moves its own tally
from the ancestors of the old path to those of the new one. The subtree of ``/1/7/`` here
is exactly ``access.subtree_ids``'s (the paths starting with it, soft-deleted
organisations included), so ``rollup(7)`` equals the sum of the tally over those ids.

Rows of the whole network (0) and of a district are written by every create and delete
below them: such writes queue behind each other on those rows until they commit, as they
already did on their community's tally rows.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

NETWORK = 0  # the roll-up row of the whole network: every organisation's tally


def figure_columns() -> list[sa.Column[Any]]:
    """(organisation_id, figure, bucket) → n, amount: the columns of ``tally`` and of its
    roll-up alike (new Column objects each call: a column belongs to one table)."""
    return [
        sa.Column("organisation_id", sa.Integer(), primary_key=True),
        sa.Column("figure", sa.String(32), primary_key=True),
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("amount", sa.BigInteger(), nullable=False, server_default="0"),
    ]


rollup_table = sa.Table("tally_rollup", SQLModel.metadata, *figure_columns())

UPSERT = (
    " ON CONFLICT (organisation_id, figure, bucket) DO UPDATE"
    " SET n = tally_rollup.n + excluded.n, amount = tally_rollup.amount + excluded.amount"
)

# An organisation's own row in its tally (figures of the organisation table itself): its
# triggers add and remove it by path; a move must not move it a second time.
_OWN_ROW = "(t.bucket = 'organisation' AND t.figure IN ('rows', 'published_rows'))"


def ancestors(path: str, dialect: str) -> str:
    """SQL for a table ``a(id)``: 0 and every id on the materialised path ``path`` (an SQL
    expression; NULL or '/' give 0 alone). ``/1/7/12/`` → 0, 1, 7, 12."""
    if dialect == "postgresql":
        ids = (
            "SELECT CAST(p AS INTEGER) FROM"
            f" unnest(string_to_array(trim(both '/' from {path}), '/')) AS p"
        )
    else:  # SQLite: the path as a JSON array of its ids
        ids = (
            "SELECT CAST(value AS INTEGER) FROM"
            f" json_each('[' || replace(trim({path}, '/'), '/', ',') || ']')"
        )
    return f"(SELECT {NETWORK} AS id UNION ALL {ids}) a"


def path_of(organisation_id: str) -> str:
    """SQL for the path of the organisation whose id is the expression ``organisation_id``."""
    return f"(SELECT o.path FROM organisation o WHERE o.id = {organisation_id})"


def contribution(
    path: str, figure: str, bucket: str, n: str, amount: str, where: str, dialect: str
) -> str:
    """The roll-up statement for one tally contribution (the same figure, bucket, n, amount
    and condition as the tally's own statement) to every organisation on ``path``."""
    return (
        "INSERT INTO tally_rollup (organisation_id, figure, bucket, n, amount)"
        f" SELECT a.id, '{figure}', {bucket}, {n}, {amount} FROM {ancestors(path, dialect)}"
        f" WHERE {where}" + UPSERT
    )


def move_statements(dialect: str) -> list[str]:
    """An organisation whose path changed: its tally (rows of other tables held by it)
    leaves the ancestors of ``OLD.path`` for those of ``NEW.path``. For UPDATE triggers."""
    changed = (
        "OLD.path IS DISTINCT FROM NEW.path"
        if dialect == "postgresql"
        else "OLD.path IS NOT NEW.path"
    )
    return [
        "INSERT INTO tally_rollup (organisation_id, figure, bucket, n, amount)"
        f" SELECT a.id, t.figure, t.bucket, {sign} * t.n, {sign} * t.amount"
        f" FROM tally t, {ancestors(f'{row}.path', dialect)}"
        f" WHERE t.organisation_id = OLD.id AND {changed} AND NOT {_OWN_ROW}" + UPSERT
        for row, sign in (("OLD", -1), ("NEW", 1))
    ]


def rebuild_statements(dialect: str) -> list[str]:
    """Recompute the roll-up from ``tally`` (after ``tally`` itself is recomputed)."""
    if dialect == "postgresql":
        on_path = "CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from o.path), '/')) AS p"
        ancestor = "CAST(p AS INTEGER)"
    else:
        on_path = ", json_each('[' || replace(trim(o.path, '/'), '/', ',') || ']') AS p"
        ancestor = "CAST(p.value AS INTEGER)"
    return [
        "DELETE FROM tally_rollup",
        "INSERT INTO tally_rollup (organisation_id, figure, bucket, n, amount)"
        f" SELECT {NETWORK}, figure, bucket, SUM(n), SUM(amount) FROM tally GROUP BY figure, bucket",
        "INSERT INTO tally_rollup (organisation_id, figure, bucket, n, amount)"
        f" SELECT {ancestor}, t.figure, t.bucket, SUM(t.n), SUM(t.amount)"
        f" FROM tally t JOIN organisation o ON o.id = t.organisation_id {on_path}"
        f" GROUP BY {ancestor}, t.figure, t.bucket",
    ]


__all__ = [
    "NETWORK",
    "ancestors",
    "contribution",
    "figure_columns",
    "move_statements",
    "path_of",
    "rebuild_statements",
    "rollup_table",
]
