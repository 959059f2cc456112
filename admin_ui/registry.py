"""The admin's short per-type declarations: which columns a list shows and filters by.

Everything else — labels, inputs, validation, relations, masking — comes from the
record definitions in ``models`` and the policy in ``hongfan.policy``.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from models.base import ENTITIES, Record, column_meta, name_column
from models.rules import python_type


@dataclass(frozen=True)
class AdminView:
    type_name: str
    slug: str  # URL segment, e.g. "scholarship-students"
    list_columns: tuple[str, ...]
    filters: tuple[str, ...] = ()  # choice, yes/no, year and date columns
    title_column: str = "name"
    importable: bool = False
    subtitle_column: str | None = None  # shown after the title, e.g. a grant's amount
    # What tells two records with the same title apart in a picker (organisation path,
    # university, masked ID tail …), in this order.
    picker_details: tuple[str, ...] = ("organisation_id",)

    @property
    def model(self) -> type[Record]:
        return ENTITIES[self.type_name]


VIEWS: tuple[AdminView, ...] = (
    AdminView(
        "Organisation",
        "organisations",
        ("name", "kind", "level", "parent_id", "contact_name", "published"),
        filters=("kind", "level", "published"),
        importable=True,
        picker_details=("level",),
    ),
    AdminView(
        "ServiceSite",
        "service-sites",
        ("name", "kind", "organisation_id", "recognition", "opened_on", "published"),
        filters=("kind", "recognition", "published", "opened_on"),
        importable=True,
    ),
    AdminView(
        "Course",
        "courses",
        ("title", "category", "organisation_id", "start_date", "end_date", "capacity", "published"),
        filters=("category", "published", "start_date"),
        title_column="title",
        importable=True,
        picker_details=("organisation_id", "start_date"),
    ),
    AdminView(
        "CourseSession",
        "course-sessions",
        ("session_date", "course_id", "topic", "venue", "lecturer"),
        filters=("session_date",),
        title_column="session_date",
        subtitle_column="topic",
        picker_details=("course_id",),
    ),
    AdminView(
        "Enrolment",
        "enrolments",
        ("name", "course_id", "organisation_id", "phone", "status", "score", "certificate_number"),
        filters=("status",),
        importable=True,
        picker_details=("organisation_id", "course_id", "phone"),
    ),
    AdminView(
        "ScholarshipStudent",
        "scholarship-students",
        (
            "name",
            "gender",
            "id_number",
            "organisation_id",
            "university",
            "major",
            "graduation_year",
            "employment_outcome",
        ),
        filters=(
            "gender",
            "family_category",
            "employment_outcome",
            "enrolment_year",
            "graduation_year",
        ),
        importable=True,
        picker_details=("organisation_id", "university", "id_number"),
    ),
    AdminView(
        "Grant",
        "grants",
        ("year", "student_id", "amount", "funding_source", "organisation_id"),
        filters=("year",),
        title_column="year",
        subtitle_column="amount",
        picker_details=("student_id",),
    ),
    AdminView(
        "Company",
        "companies",
        (
            "name",
            "credit_code",
            "organisation_id",
            "industry",
            "plaque_date",
            "intern_capacity",
            "published",
        ),
        filters=("published", "plaque_date"),
        importable=True,
        picker_details=("organisation_id", "credit_code"),
    ),
    AdminView(
        "Internship",
        "internships",
        ("student_id", "company_id", "position", "status", "start_date", "end_date"),
        filters=("status", "start_date"),
        title_column="position",
        subtitle_column="status",
        picker_details=("student_id", "company_id"),
    ),
)


def derived_view(model: type[Record]) -> AdminView:
    """The view of a type declared without one: everything from its model declaration.

    Listed: its first columns (long texts left out); filters: its choice, yes/no and date
    columns; titled by its name column; importable when it has a natural key.
    """
    meta = model.__entity__
    table = model.__table__  # type: ignore[attr-defined]
    columns = [
        c
        for c in table.columns
        if column_meta(model, c.name).writable
        and "pinyin_of" not in c.info
        and not (getattr(c.type, "length", None) or 0) >= 1000
    ]
    title = name_column(model) or columns[0].name
    kinds = {c.name: python_type(model, c.name) for c in columns}
    filters = tuple(
        name
        for name, kind in kinds.items()
        if kind in (bool, date) or (isinstance(kind, type) and issubclass(kind, enum.Enum))
    )
    slug = re.sub(r"(?<!^)(?=[A-Z])", "-", meta.plural).lower()
    return AdminView(
        meta.type_name,
        slug,
        tuple([title] + [c.name for c in columns if c.name != title][:6]),
        filters=filters,
        title_column=title,
        importable=bool(meta.natural_key),
        picker_details=("organisation_id",) if "organisation_id" in table.c else (),
    )


# A record type declared without a view above gets the derived one (Activity, Volunteer …).
VIEWS = VIEWS + tuple(
    derived_view(model)
    for name, model in ENTITIES.items()
    if name not in {view.type_name for view in VIEWS}
)

BY_SLUG = {view.slug: view for view in VIEWS}
BY_TYPE = {view.type_name: view for view in VIEWS}
