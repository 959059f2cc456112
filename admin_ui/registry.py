"""The admin's short per-type declarations: which columns a list shows and filters by.

Everything else — labels, inputs, validation, relations, masking — comes from the
record definitions in ``models`` and the policy in ``hongfan.policy``.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.base import ENTITIES, Record


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
        "Organisation", "organisations",
        ("name", "kind", "level", "parent_id", "contact_name", "published"),
        filters=("kind", "level", "published"), importable=True, picker_details=("level",),
    ),
    AdminView(
        "ServiceSite", "service-sites",
        ("name", "kind", "organisation_id", "recognition", "opened_on", "published"),
        filters=("kind", "recognition", "published", "opened_on"), importable=True,
    ),
    AdminView(
        "Course", "courses",
        ("title", "category", "organisation_id", "start_date", "end_date", "capacity", "published"),
        filters=("category", "published", "start_date"), title_column="title", importable=True,
        picker_details=("organisation_id", "start_date"),
    ),
    AdminView(
        "CourseSession", "course-sessions",
        ("session_date", "course_id", "topic", "venue", "lecturer"),
        filters=("session_date",), title_column="session_date", subtitle_column="topic",
        picker_details=("course_id",),
    ),
    AdminView(
        "Enrolment", "enrolments",
        ("name", "course_id", "organisation_id", "phone", "status", "score", "certificate_number"),
        filters=("status",), importable=True, picker_details=("organisation_id", "course_id", "phone"),
    ),
    AdminView(
        "ScholarshipStudent", "scholarship-students",
        ("name", "gender", "id_number", "organisation_id", "university", "major", "graduation_year", "employment_outcome"),
        filters=("gender", "family_category", "employment_outcome", "enrolment_year", "graduation_year"),
        importable=True, picker_details=("organisation_id", "university", "id_number"),
    ),
    AdminView(
        "Grant", "grants",
        ("year", "student_id", "amount", "funding_source", "organisation_id"),
        filters=("year",), title_column="year", subtitle_column="amount", picker_details=("student_id",),
    ),
    AdminView(
        "Company", "companies",
        ("name", "credit_code", "organisation_id", "industry", "plaque_date", "intern_capacity", "published"),
        filters=("published", "plaque_date"), importable=True, picker_details=("organisation_id", "credit_code"),
    ),
    AdminView(
        "Internship", "internships",
        ("student_id", "company_id", "position", "status", "start_date", "end_date"),
        filters=("status", "start_date"), title_column="position", subtitle_column="status",
        picker_details=("student_id", "company_id"),
    ),
)

BY_SLUG = {view.slug: view for view in VIEWS}
BY_TYPE = {view.type_name: view for view in VIEWS}
