"""Tallies: the statistics' figures per organisation, kept by the database with the data.

Every write to a counted table — through ``hongfan.crud``, an import, the demo loader, a
test's ``session.add`` or an ``UPDATE`` typed into ``psql`` — changes ``tally`` in the same
transaction, by triggers, so the figures are exact whatever path wrote the row. Reading a
figure for a caller is then a sum over the few tally rows of the organisations the caller
may see (``hongfan.statistics``), instead of an aggregate over a million students.

``tally`` (organisation_id, figure, bucket) → n, amount:

* ``rows``/<table>: live rows of the table held by the organisation (the totals);
* ``site_kind``/<kind>: live service sites of each kind;
* ``internship_status``/<status>: live internships in each status;
* ``grant_amount``/<year>: live grants paid in the year (n) and their sum in fen (amount);
* ``grant_students``/<year>: distinct students with a live grant in the year;
* ``published_rows``/<table> and ``published_site_kind``/<kind>: the same as ``rows`` and
  ``site_kind`` for the live *published* rows of the public types (organisations, sites,
  courses, companies) — what a caller reads beyond its own scope (``hongfan.policy``'s
  ``public`` rows), so the figures of a district editor or of the public stay tallies too.

``instructor_roster`` (organisation_id, name, course_organisation_id, course_published) → n:
qualified live enrolments in live family-health-instructor courses, per home community,
person (by name), the course's organiser and whether the course is published. Keeping the
organiser and the flag lets a caller count only the courses they may see (its scope, and
published courses elsewhere), exactly as the row scope would.

Rows of soft-deleted records count nowhere; a row moving between organisations, years,
kinds or statuses moves its contribution. The ``grant_students`` trigger adds a student
only when no other live grant of theirs in that organisation and year exists, and removes
them with their last one; triggers run once per row as the row changes (``AFTER`` on
SQLite, ``BEFORE`` on PostgreSQL, whose ``AFTER`` row triggers would all run at the end of
a many-row statement and miscount a student whose grants move together).

The same SQL builds the triggers for ``create_all`` (tests) and, frozen, in migration
``0008_tallies`` (the published figures and the roster's flag: ``0018_published_tallies``;
the roll-up: ``0019_tally_rollup``); :func:`rebuild` recomputes everything from the data (bulk loads that
bypass triggers, ``hongfan db retally``). Every figure is also rolled up over each
organisation's subtree by the same triggers (``models.rollup``), which is what callers read.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import event
from sqlmodel import SQLModel

from models.rollup import (
    contribution,
    figure_columns,
    move_statements,
    path_of,
    rebuild_statements,
)

tally_table = sa.Table(
    "tally",
    SQLModel.metadata,
    *figure_columns(),
    # one figure's rows across organisations: the published rows outside a caller's subtree
    sa.Index("ix_tally_figure", "figure", "organisation_id"),
)

roster_table = sa.Table(
    "instructor_roster",
    SQLModel.metadata,
    sa.Column("organisation_id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(50), primary_key=True),
    sa.Column("course_organisation_id", sa.Integer(), primary_key=True),
    sa.Column("course_published", sa.Boolean(), primary_key=True),
    sa.Column("n", sa.BigInteger(), nullable=False, server_default="0"),
)

INSTRUCTOR_TRAINING = "instructor_training"
QUALIFIED = "qualified"


@dataclass(frozen=True)
class Figure:
    name: str
    bucket: str  # SQL over the row, R standing for OLD or NEW
    amount: str = "0"
    when: str = ""  # a further condition over the row (R), besides being live


@dataclass(frozen=True)
class Counted:
    table: str
    organisation: str  # the column naming the organisation whose tally the row is in
    figures: tuple[Figure, ...]
    watched: tuple[str, ...]  # an UPDATE of these can move the row's contribution


PUBLISHED = "R.published"


def _published(table: str) -> Figure:
    return Figure("published_rows", f"'{table}'", when=PUBLISHED)


COUNTED: tuple[Counted, ...] = (
    Counted(
        "organisation",
        "id",
        (Figure("rows", "'organisation'"), _published("organisation")),
        ("deleted_at", "published"),
    ),
    Counted(
        "service_site",
        "organisation_id",
        (
            Figure("rows", "'service_site'"),
            Figure("site_kind", "R.kind"),
            _published("service_site"),
            Figure("published_site_kind", "R.kind", when=PUBLISHED),
        ),
        ("deleted_at", "organisation_id", "kind", "published"),
    ),
    Counted(
        "course",
        "organisation_id",
        (Figure("rows", "'course'"), _published("course")),
        ("deleted_at", "organisation_id", "published"),
    ),
    Counted(
        "scholarship_student",
        "organisation_id",
        (Figure("rows", "'scholarship_student'"),),
        ("deleted_at", "organisation_id"),
    ),
    Counted(
        "company",
        "organisation_id",
        (Figure("rows", "'company'"), _published("company")),
        ("deleted_at", "organisation_id", "published"),
    ),
    Counted(
        "internship",
        "organisation_id",
        (Figure("rows", "'internship'"), Figure("internship_status", "R.status")),
        ("deleted_at", "organisation_id", "status"),
    ),
    Counted(
        "scholarship_grant",
        "organisation_id",
        (Figure("grant_amount", "CAST(R.year AS VARCHAR(64))", "R.amount"),),
        ("deleted_at", "organisation_id", "year", "amount", "student_id"),
    ),
)

_TALLY_UPSERT = (
    " ON CONFLICT (organisation_id, figure, bucket) DO UPDATE"
    " SET n = tally.n + excluded.n, amount = tally.amount + excluded.amount"
)
_ROSTER_UPSERT = (
    " ON CONFLICT (organisation_id, name, course_organisation_id, course_published) DO UPDATE"
    " SET n = instructor_roster.n + excluded.n"
)


def _row_statements(counted: Counted, row: str, sign: int, dialect: str) -> list[str]:
    """SQL adding (sign 1) or removing (-1) one row's contribution; ``row`` is OLD or NEW.

    Each tally statement has its twin in the roll-up (``models.rollup``): the same
    contribution added to every organisation on the holding organisation's path."""
    path = (
        f"{row}.path"
        if counted.table == "organisation"
        else path_of(f"{row}.{counted.organisation}")
    )
    contributions: list[tuple[str, str, str, str]] = []  # figure, bucket, amount, where
    for figure in counted.figures:
        amount = (
            "0" if figure.amount == "0" else f"{sign} * {figure.amount.replace('R.', row + '.')}"
        )
        when = f" AND {figure.when.replace('R.', row + '.')}" if figure.when else ""
        contributions.append(
            (
                figure.name,
                figure.bucket.replace("R.", row + "."),
                amount,
                f"{row}.deleted_at IS NULL{when}",
            )
        )
    if counted.table == "scholarship_grant":
        contributions.append(
            (
                "grant_students",
                f"CAST({row}.year AS VARCHAR(64))",
                "0",
                f"{row}.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM scholarship_grant g"
                f" WHERE g.student_id = {row}.student_id AND g.year = {row}.year"
                f" AND g.organisation_id = {row}.organisation_id AND g.deleted_at IS NULL"
                f" AND g.id <> {row}.id)",
            )
        )
    statements = []
    for name, bucket, amount, where in contributions:
        statements.append(
            "INSERT INTO tally (organisation_id, figure, bucket, n, amount)"
            f" SELECT {row}.{counted.organisation}, '{name}', {bucket}, {sign}, {amount}"
            f" WHERE {where}" + _TALLY_UPSERT
        )
        statements.append(contribution(path, name, bucket, str(sign), amount, where, dialect))
    return statements


def _enrolment_statements(row: str, sign: int) -> list[str]:
    return [
        "INSERT INTO instructor_roster"
        " (organisation_id, name, course_organisation_id, course_published, n)"
        f" SELECT {row}.organisation_id, {row}.name, c.organisation_id, c.published, {sign}"
        " FROM course c"
        f" WHERE c.id = {row}.course_id AND c.deleted_at IS NULL AND c.category = '{INSTRUCTOR_TRAINING}'"
        f" AND {row}.deleted_at IS NULL AND {row}.status = '{QUALIFIED}'" + _ROSTER_UPSERT
    ]


def _course_roster_statements(row: str, sign: int) -> list[str]:
    return [
        "INSERT INTO instructor_roster"
        " (organisation_id, name, course_organisation_id, course_published, n)"
        f" SELECT e.organisation_id, e.name, {row}.organisation_id, {row}.published,"
        f" {sign} * COUNT(*) FROM enrolment e"
        f" WHERE e.course_id = {row}.id AND e.deleted_at IS NULL AND e.status = '{QUALIFIED}'"
        f" AND {row}.deleted_at IS NULL AND {row}.category = '{INSTRUCTOR_TRAINING}'"
        " GROUP BY e.organisation_id, e.name" + _ROSTER_UPSERT
    ]


@dataclass(frozen=True)
class _Trigger:
    table: str
    watched: tuple[str, ...]
    old: list[str]
    new: list[str]
    moved: tuple[str, ...] = ()  # run on UPDATE only, after ``old`` and ``new``


def _triggers(dialect: str) -> list[_Trigger]:
    triggers = []
    for counted in COUNTED:
        old = _row_statements(counted, "OLD", -1, dialect)
        new = _row_statements(counted, "NEW", 1, dialect)
        watched = counted.watched
        moved: tuple[str, ...] = ()
        if counted.table == "course":
            old += _course_roster_statements("OLD", -1)
            new += _course_roster_statements("NEW", 1)
            watched = (*watched, "category")
        if counted.table == "organisation":  # a move: its tally follows it in the roll-up
            watched = (*watched, "path")
            moved = tuple(move_statements(dialect))
        triggers.append(_Trigger(counted.table, watched, old, new, moved))
    triggers.append(
        _Trigger(
            "enrolment",
            ("deleted_at", "organisation_id", "name", "status", "course_id"),
            _enrolment_statements("OLD", -1),
            _enrolment_statements("NEW", 1),
        )
    )
    return triggers


def trigger_ddl(dialect: str) -> list[str]:
    """Statements creating (or re-creating) every tally trigger on ``dialect``."""
    ddl: list[str] = []
    for t in _triggers(dialect):
        name = f"tally_{t.table}"
        if dialect == "postgresql":
            changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in t.watched)
            moved = (
                "  IF TG_OP = 'UPDATE' THEN\n    " + ";\n    ".join(t.moved) + ";\n  END IF;\n"
                if t.moved
                else ""
            )
            body = (
                "BEGIN\n"
                "  IF TG_OP <> 'INSERT' THEN\n    " + ";\n    ".join(t.old) + ";\n  END IF;\n"
                "  IF TG_OP <> 'DELETE' THEN\n    "
                + ";\n    ".join(t.new)
                + ";\n  END IF;\n"
                + moved
                + "  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n"
                "  RETURN NEW;\n"
                "END"
            )
            ddl += [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $tally$\n{body}\n$tally$",
                f"DROP TRIGGER IF EXISTS {name}_write ON {t.table}",
                f"DROP TRIGGER IF EXISTS {name}_change ON {t.table}",
                f"CREATE TRIGGER {name}_write BEFORE INSERT OR DELETE ON {t.table}"
                f" FOR EACH ROW EXECUTE FUNCTION {name}()",
                f"CREATE TRIGGER {name}_change BEFORE UPDATE OF {', '.join(t.watched)} ON {t.table}"
                f" FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {name}()",
            ]
        else:
            changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in t.watched)
            ddl += [
                f"DROP TRIGGER IF EXISTS {name}_insert",
                f"DROP TRIGGER IF EXISTS {name}_delete",
                f"DROP TRIGGER IF EXISTS {name}_change",
                f"CREATE TRIGGER {name}_insert AFTER INSERT ON {t.table} BEGIN {'; '.join(t.new)}; END",
                f"CREATE TRIGGER {name}_delete AFTER DELETE ON {t.table} BEGIN {'; '.join(t.old)}; END",
                f"CREATE TRIGGER {name}_change AFTER UPDATE OF {', '.join(t.watched)} ON {t.table}"
                f" WHEN {changed} BEGIN {'; '.join(t.old + t.new + list(t.moved))}; END",
            ]
    return ddl


def drop_trigger_ddl(dialect: str) -> list[str]:
    """Statements removing every tally trigger (bulk loads; the migration's downgrade)."""
    ddl: list[str] = []
    for t in _triggers(dialect):
        name = f"tally_{t.table}"
        if dialect == "postgresql":
            ddl += [
                f"DROP TRIGGER IF EXISTS {name}_write ON {t.table}",
                f"DROP TRIGGER IF EXISTS {name}_change ON {t.table}",
                f"DROP FUNCTION IF EXISTS {name}()",
            ]
        else:
            ddl += [
                f"DROP TRIGGER IF EXISTS {name}_{kind}" for kind in ("insert", "delete", "change")
            ]
    return ddl


def rebuild(dialect: str) -> list[str]:
    """Statements recomputing ``tally``, ``instructor_roster`` and ``tally_rollup`` from the
    records on ``dialect`` (bulk loads that bypass the triggers, ``hongfan db retally``)."""
    statements = ["DELETE FROM tally", "DELETE FROM instructor_roster"]
    for counted in COUNTED:
        for figure in counted.figures:
            bucket = figure.bucket.replace("R.", "")
            amount = "0" if figure.amount == "0" else f"SUM({figure.amount.replace('R.', '')})"
            when = f" AND {figure.when.replace('R.', '')}" if figure.when else ""
            statements.append(
                "INSERT INTO tally (organisation_id, figure, bucket, n, amount)"
                f" SELECT {counted.organisation}, '{figure.name}', {bucket}, COUNT(*), {amount}"
                f" FROM {counted.table} WHERE deleted_at IS NULL{when}"
                f" GROUP BY {counted.organisation}"
                + (f", {bucket}" if not bucket.startswith("'") else "")
            )
    statements.append(
        "INSERT INTO tally (organisation_id, figure, bucket, n, amount)"
        " SELECT organisation_id, 'grant_students', CAST(year AS VARCHAR(64)), COUNT(DISTINCT student_id), 0"
        " FROM scholarship_grant WHERE deleted_at IS NULL GROUP BY organisation_id, CAST(year AS VARCHAR(64))"
    )
    statements.append(
        "INSERT INTO instructor_roster"
        " (organisation_id, name, course_organisation_id, course_published, n)"
        " SELECT e.organisation_id, e.name, c.organisation_id, c.published, COUNT(*)"
        " FROM enrolment e JOIN course c ON c.id = e.course_id"
        f" WHERE e.deleted_at IS NULL AND e.status = '{QUALIFIED}'"
        f" AND c.deleted_at IS NULL AND c.category = '{INSTRUCTOR_TRAINING}'"
        " GROUP BY e.organisation_id, e.name, c.organisation_id, c.published"
    )
    return statements + rebuild_statements(dialect)


@event.listens_for(SQLModel.metadata, "after_create")
def _create_triggers(target: sa.MetaData, connection: sa.Connection, **kw: object) -> None:
    if "tally" not in {t.name for t in kw.get("tables", target.sorted_tables)}:  # type: ignore[attr-defined]
        return
    for statement in trigger_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


__all__ = ["COUNTED", "drop_trigger_ddl", "rebuild", "roster_table", "tally_table", "trigger_ddl"]
