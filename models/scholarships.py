"""Golden Autumn scholarship students and their grants (金秋助学)."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from models import keyset
from models.base import EntityMeta, Money, Record, ToMany, ToOne, col, entity, labelled
from models.common import (
    Gender,
    calendar_year,
    choice,
    mobile_phone,
    organisation_link,
    person_gender,
    person_name,
    reference,
    to_organisation,
)
from models.sealed import Sealed, index_of
from models.validators import make_national_id


@labelled(
    {
        "registered_poor": ("建档立卡贫困家庭", "Registered poor family"),
        "only_child_low_income": ("独生子女低保家庭", "Only-child low-income family"),
    }
)
class FamilyCategory(enum.StrEnum):
    REGISTERED_POOR = "registered_poor"
    ONLY_CHILD_LOW_INCOME = "only_child_low_income"


@labelled(
    {
        "studying": ("在读", "Studying"),
        "stayed_in_xiamen": ("留厦就业", "Stayed in Xiamen"),
        "returned_to_xiamen": ("回厦就业", "Returned to Xiamen"),
        "elsewhere": ("外地就业", "Employed elsewhere"),
        "further_study": ("继续深造", "Further study"),
        "unknown": ("未知", "Unknown"),
    }
)
class EmploymentOutcome(enum.StrEnum):
    STUDYING = "studying"
    STAYED_IN_XIAMEN = "stayed_in_xiamen"
    RETURNED_TO_XIAMEN = "returned_to_xiamen"
    ELSEWHERE = "elsewhere"
    FURTHER_STUDY = "further_study"
    UNKNOWN = "unknown"


@entity(
    EntityMeta(
        type_name="ScholarshipStudent",
        plural="scholarshipStudents",
        label_zh="金秋助学学生",
        label_en="Scholarship student",
        description=(
            "A Golden Autumn scholarship student from a registered poor family or an "
            "only-child low-income family (金秋助学学生)"
        ),
        relations=(
            to_organisation(
                "Home organisation (户籍所在组织)",
                reverse=(
                    "scholarshipStudents",
                    "Scholarship students whose home is here (金秋助学学生)",
                ),
            ),
            ToMany("grants", "Grant", "student_id", "Money paid to the student (助学金发放)"),
            ToMany(
                "internships", "Internship", "student_id", "Placements with practice bases (见习)"
            ),
        ),
        record_checks=("graduation_after_enrolment", "id_number_matches_gender"),
        unique=(("id_number",),),
        natural_key=("id_number",),
        aliases=("students", "student", "学生", "金秋助学"),
        sample={
            "name": "学生{n}",
            "gender": "female",
            "id_number": lambda n: make_national_id(
                "350206", date(2002, 1, 1 + n % 28), n % 1000, "female"
            ),
            "phone": "13800138000",
            "family_category": "registered_poor",
            "university": "厦门大学",
            "major": "护理学",
            "enrolment_year": 2021,
            "graduation_year": 2025,
        },
    )
)
class ScholarshipStudent(Record, table=True):
    __tablename__ = "scholarship_student"

    name: str = person_name()
    gender: Gender = person_gender()
    # Sealed at rest (models.sealed): AES-GCM with a blind index for exact lookup; unique
    # through the index (uq_scholarship_student_id_number below).
    id_number: str = col(
        "National ID number, GB 11643 (身份证号)",
        zh="身份证号",
        en="ID number",
        sensitive=True,
        sa_type=Sealed("id_number"),
        checks=("national_id",),
    )
    phone: str | None = mobile_phone()
    family_category: FamilyCategory = col(
        "Why the family qualifies (家庭类别)",
        zh="家庭类别",
        en="Family category",
        sensitive=True,
        sa_type=Sealed("family_category", FamilyCategory),
    )
    organisation_id: int = organisation_link(
        "Home organisation, usually a community or village (户籍所在组织)",
        zh="所在组织",
        en="Home organisation",
    )
    university: str = col(
        "University (就读高校)",
        zh="就读高校",
        en="University",
        searchable=True,
        max_length=100,
        index=True,
    )
    major: str | None = col(
        "Major (专业)",
        zh="专业",
        en="Major",
        searchable=True,
        default=None,
        max_length=100,
        index=True,
    )
    enrolment_year: int = calendar_year(
        "Year of university entry (入学年份)", zh="入学年份", en="Enrolment year"
    )
    graduation_year: int = calendar_year(
        "Expected graduation year (预计毕业年份)", zh="毕业年份", en="Graduation year"
    )
    employment_outcome: EmploymentOutcome = choice(
        EmploymentOutcome,
        "Where the student went after graduating (就业去向)",
        zh="就业去向",
        en="Employment outcome",
        default=EmploymentOutcome.STUDYING,
    )


@entity(
    EntityMeta(
        type_name="Grant",
        plural="grants",
        label_zh="助学金发放",
        label_en="Grant",
        description="Money paid to a scholarship student (助学金发放)",
        relations=(
            ToOne(
                "student",
                "ScholarshipStudent",
                "student_id",
                "The student (受助学生)",
                on_delete="cascade",
            ),
            to_organisation(
                "The student's home organisation (所在组织)",
            ),
        ),
        scope_parent=("student_id", "ScholarshipStudent"),
        natural_key=("student_id", "year", "funding_source"),
        aliases=("助学金",),
        sample={"year": 2022, "amount": "2000.00", "funding_source": "金秋助学专项{n}"},
    )
)
class Grant(Record, table=True):
    __tablename__ = "scholarship_grant"

    student_id: int = reference(
        "scholarship_student", "The student (受助学生)", zh="受助学生", en="Student"
    )
    organisation_id: int = organisation_link(
        "The student's home organisation, copied from the student (所在组织)",
        zh="所在组织",
        copied=True,
    )
    year: int = calendar_year("Year paid (发放年度)", zh="发放年度", en="Year")
    amount: Decimal = col(
        "Amount in yuan, exact to the fen (金额（元）)",
        zh="金额（元）",
        en="Amount (yuan)",
        sa_type=Money,
        index=True,
        checks=("money",),
    )
    funding_source: str | None = col(
        "Where the money came from (资金来源)",
        zh="资金来源",
        en="Funding source",
        searchable=True,
        default=None,
        max_length=100,
        index=True,
    )


# Uniqueness of ID numbers over their blind index: the database never sees the number.
sa.Index(
    "uq_scholarship_student_id_number",
    index_of(ScholarshipStudent.__table__.c.id_number),  # type: ignore[attr-defined]
    unique=True,
)

# Lists of a million students and two million grants sort and page by any column (#16.2).
keyset.attach(ScholarshipStudent)
keyset.attach(Grant)
