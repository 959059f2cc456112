"""Training courses, their sessions and enrolments (培训)."""

from __future__ import annotations

import enum
from datetime import date

from models.base import EntityMeta, Record, ToMany, ToOne, col, entity, labelled
from models.common import (
    choice,
    dated,
    long_text,
    mobile_phone,
    organisation_link,
    person_name,
    published_flag,
    record_name,
    reference,
    to_organisation,
)


@labelled(
    {
        "instructor_training": ("家庭健康指导员培训", "Family health instructor training"),
        "youth_peer_education": ("青春健康同伴教育", "Youth peer education"),
        "parenting": ("父母课堂", "Parenting class"),
        "skills": ("幸福学堂技能班", "Skills class"),
        "health_lecture": ("健康讲座", "Health lecture"),
    }
)
class CourseCategory(enum.StrEnum):
    INSTRUCTOR_TRAINING = "instructor_training"
    YOUTH_PEER_EDUCATION = "youth_peer_education"
    PARENTING = "parenting"
    SKILLS = "skills"
    HEALTH_LECTURE = "health_lecture"


@labelled(
    {
        "enrolled": ("已报名", "Enrolled"),
        "attended": ("已参训", "Attended"),
        "qualified": ("已合格", "Qualified"),
        "dropped": ("已退出", "Dropped"),
    }
)
class EnrolmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    ATTENDED = "attended"
    QUALIFIED = "qualified"
    DROPPED = "dropped"


@entity(
    EntityMeta(
        type_name="Course",
        plural="courses",
        label_zh="培训课程",
        label_en="Course",
        description="A training programme, e.g. family health instructor training (培训课程)",
        public=True,
        relations=(
            to_organisation(
                "The organiser (主办组织)",
                reverse=("courses", "Courses it organises (培训课程)"),
            ),
            ToOne(
                "site", "ServiceSite", "site_id", "The venue, when it is a service site (举办阵地)"
            ),
            ToMany("sessions", "CourseSession", "course_id", "Dated sessions (课次)"),
            ToMany("enrolments", "Enrolment", "course_id", "People taking the course (报名学员)"),
        ),
        record_checks=("start_end_dates",),
        natural_key=("organisation_id", "title"),
        aliases=("课程", "培训"),
        sample={
            "title": "家庭健康指导员培训{n}",
            "category": "parenting",
            "start_date": date(2022, 10, 14),
        },
    )
)
class Course(Record, table=True):
    __tablename__ = "course"

    title: str = record_name("Title (课程名称)", zh="课程名称", en="Title", max_length=200)
    category: CourseCategory = choice(
        CourseCategory, "Category (课程类别)", zh="类别", en="Category"
    )
    organisation_id: int = organisation_link(
        "The organiser (主办组织)", zh="主办组织", en="Organiser"
    )
    site_id: int | None = reference(
        "service_site",
        "The venue, when it is a service site (举办阵地)",
        zh="举办阵地",
        en="Venue site",
        optional=True,
    )
    start_date: date = dated("First day (开始日期)", zh="开始日期", en="Start date", optional=False)
    end_date: date | None = dated("Last day (结束日期)", zh="结束日期", en="End date")
    capacity: int | None = col(
        "Places available (名额)",
        zh="名额",
        en="Capacity",
        default=None,
        ge=0,
        checks=("non_negative",),
    )
    description: str | None = long_text(
        "What the course covers (课程简介)", zh="课程简介", en="Description"
    )
    published: bool = published_flag()


@entity(
    EntityMeta(
        type_name="CourseSession",
        plural="courseSessions",
        label_zh="课次",
        label_en="Course session",
        description="A dated session of a course (课次)",
        relations=(
            ToOne("course", "Course", "course_id", "The course (所属课程)", on_delete="cascade"),
            to_organisation(
                "The course's organiser (主办组织)",
            ),
        ),
        scope_parent=("course_id", "Course"),
        natural_key=("course_id", "session_date", "topic"),
        aliases=("sessions",),
        sample={"session_date": date(2022, 10, 14), "topic": "第{n}讲", "lecturer": "讲师甲"},
    )
)
class CourseSession(Record, table=True):
    __tablename__ = "course_session"

    course_id: int = reference("course", "The course (所属课程)", zh="所属课程", en="Course")
    organisation_id: int = organisation_link(
        "The course's organiser, copied from the course (主办组织)", zh="主办组织", copied=True
    )
    session_date: date = dated("Date (日期)", zh="日期", en="Date", optional=False)
    topic: str | None = col(
        "Topic (主题)", zh="主题", en="Topic", searchable=True, default=None, max_length=200
    )
    venue: str | None = col(
        "Venue (地点)", zh="地点", en="Venue", searchable=True, default=None, max_length=200
    )
    lecturer: str | None = col(
        "Lecturer (授课人)",
        zh="授课人",
        en="Lecturer",
        searchable=True,
        default=None,
        max_length=100,
        index=True,
    )


@entity(
    EntityMeta(
        type_name="Enrolment",
        plural="enrolments",
        label_zh="报名学员",
        label_en="Enrolment",
        description=(
            "A person taking a course; qualified instructor-training enrolments are the "
            "roster of family health instructors (报名学员)"
        ),
        relations=(
            ToOne("course", "Course", "course_id", "The course (所属课程)", on_delete="cascade"),
            to_organisation(
                "The person's home community (所在社区)",
                reverse=("enrolments", "Course enrolments of people living here (报名学员)"),
            ),
        ),
        natural_key=("course_id", "organisation_id", "name"),
        namesakes=True,  # two people of one name may enrol together
        aliases=("报名", "enrollments", "enrollment", "学员"),
        sample={"name": "学员{n}", "phone": "13900139000"},
    )
)
class Enrolment(Record, table=True):
    __tablename__ = "enrolment"

    course_id: int = reference("course", "The course (所属课程)", zh="所属课程", en="Course")
    organisation_id: int = organisation_link(
        "The person's home community (所在社区)", zh="所在社区", en="Home organisation"
    )
    name: str = person_name()
    phone: str | None = mobile_phone(filterable=False)
    status: EnrolmentStatus = choice(
        EnrolmentStatus, "Progress (状态)", zh="状态", en="Status", default=EnrolmentStatus.ENROLLED
    )
    score: int | None = col(
        "Assessment score, 0–100 (考核成绩)",
        zh="考核成绩",
        en="Score",
        default=None,
        checks=("score",),
        index=True,
    )
    certificate_number: str | None = col(
        "Certificate number when qualified (证书编号)",
        zh="证书编号",
        en="Certificate number",
        default=None,
        max_length=50,
        unique=True,
    )
