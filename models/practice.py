"""Practice-base companies and the internships they host (实践基地)."""

from __future__ import annotations

import enum
from datetime import date

from models import keyset
from models.base import EntityMeta, Record, ToMany, ToOne, col, entity, labelled
from models.common import (
    choice,
    contact_name,
    contact_phone,
    dated,
    organisation_link,
    published_flag,
    record_name,
    reference,
    street_address,
    to_organisation,
)
from models.validators import make_credit_code


@labelled(
    {
        "recommended": ("已推荐", "Recommended"),
        "accepted": ("已接收", "Accepted"),
        "ongoing": ("见习中", "Ongoing"),
        "completed": ("已完成", "Completed"),
        "withdrawn": ("已退出", "Withdrawn"),
    }
)
class InternshipStatus(enum.StrEnum):
    RECOMMENDED = "recommended"
    ACCEPTED = "accepted"
    ONGOING = "ongoing"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


@entity(
    EntityMeta(
        type_name="Company",
        plural="companies",
        label_zh="实践基地企业",
        label_en="Company",
        description="A practice-base enterprise hosting scholarship interns (大学生社会实践基地企业)",
        public=True,
        relations=(
            to_organisation(
                "The district organisation (所属区)",
                reverse=("companies", "Practice-base companies in it (实践基地企业)"),
            ),
            ToMany("internships", "Internship", "company_id", "Interns placed here (见习)"),
        ),
        unique=(("credit_code",),),
        natural_key=("credit_code",),
        aliases=("企业", "实践基地"),
        sample={
            "name": "示例爱心企业有限公司{n}",
            "credit_code": lambda n: make_credit_code(f"91350212MA{n:07d}"),
        },
    )
)
class Company(Record, table=True):
    __tablename__ = "company"

    name: str = record_name("Name (企业名称)", zh="企业名称", max_length=200)
    credit_code: str = col(
        "Unified social credit code, GB 32100 (统一社会信用代码)",
        zh="统一社会信用代码",
        en="Credit code",
        max_length=18,
        unique=True,
        checks=("credit_code",),
    )
    organisation_id: int = organisation_link("The district organisation it belongs to (所属区)")
    industry: str | None = col(
        "Industry (行业)",
        zh="行业",
        en="Industry",
        searchable=True,
        default=None,
        max_length=100,
        index=True,
    )
    plaque_date: date | None = dated(
        "When it was awarded the practice-base plaque (授牌日期)", zh="授牌日期", en="Plaque date"
    )
    address: str | None = street_address()
    contact_name: str | None = contact_name()
    contact_phone: str | None = contact_phone()
    intern_capacity: int | None = col(
        "How many interns it can take (见习岗位数)",
        zh="见习岗位数",
        en="Intern capacity",
        default=None,
        checks=("non_negative",),
        index=True,
    )
    published: bool = published_flag()


@entity(
    EntityMeta(
        type_name="Internship",
        plural="internships",
        label_zh="见习",
        label_en="Internship",
        description="A scholarship student placed with a practice-base company (见习)",
        relations=(
            ToOne(
                "student",
                "ScholarshipStudent",
                "student_id",
                "The intern (见习学生)",
                on_delete="cascade",
            ),
            ToOne("company", "Company", "company_id", "The host company (见习企业)"),
            to_organisation(
                "The student's home organisation (所在组织)",
            ),
        ),
        scope_parent=("student_id", "ScholarshipStudent"),
        record_checks=("start_end_dates",),
        natural_key=("student_id", "company_id"),
        namesakes=True,  # a student may come back to the same company another summer
        sample={"position": "行政助理", "status": "ongoing"},
    )
)
class Internship(Record, table=True):
    __tablename__ = "internship"

    student_id: int = reference(
        "scholarship_student", "The intern (见习学生)", zh="见习学生", en="Student"
    )
    company_id: int = reference(
        "company", "The host company (见习企业)", zh="见习企业", en="Company"
    )
    organisation_id: int = organisation_link(
        "The student's home organisation, copied from the student (所在组织)",
        zh="所在组织",
        copied=True,
    )
    position: str | None = col(
        "Position (见习岗位)",
        zh="见习岗位",
        en="Position",
        searchable=True,
        default=None,
        max_length=100,
        index=True,
    )
    start_date: date | None = dated("First day (开始日期)", zh="开始日期", en="Start date")
    end_date: date | None = dated("Last day (结束日期)", zh="结束日期", en="End date")
    status: InternshipStatus = choice(
        InternshipStatus,
        "Placement status (见习状态)",
        zh="状态",
        en="Status",
        default=InternshipStatus.RECOMMENDED,
    )
    evaluation: str | None = col(
        "The company's evaluation of the intern (企业评价)",
        zh="企业评价",
        en="Evaluation",
        default=None,
        max_length=2000,
        orderable=False,
    )


# Internships are listed, sorted and paged like students and grants (#16.2).
keyset.attach(Internship)
