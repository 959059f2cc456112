"""Tiny typed builders for test data, written through the real write path."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import crud
from hongfan.principal import Principal, Role
from models import (
    Company,
    Course,
    Enrolment,
    Grant,
    Internship,
    Organisation,
    ScholarshipStudent,
    ServiceSite,
)
from models.validators import make_credit_code, make_national_id

_sequence = itertools.count(1)


def staff(
    role: Role,
    org: Organisation,
    *,
    actor: str | None = None,
    user_id: int | None = None,
    language: str = "zh",
) -> Principal:
    """A signed-in staff member with ``role``, bound to ``org`` (its subtree), as the audit
    log names it by ``actor`` (default ``t:<role>``)."""
    return Principal(
        kind="user",
        actor=actor or f"t:{role}",
        role=role,
        user_id=user_id,
        organisation_id=org.id,
        organisation_path=org.path,
        language=language,
    )


async def organisation(
    session: AsyncSession, name: str, parent: Organisation | None = None, **fields: Any
) -> Organisation:
    # the level below the parent's unless given (a district under the city, a street under
    # a district, …): an organisation sits below its parent (hongfan.write_steps.check_levels)
    below = {"city": "district", "district": "street", "street": "community"}
    level = fields.pop(
        "level", below.get(str(parent.level), None) if parent is not None else "city"
    )
    data = {
        "name": name,
        "level": level,
        "parent_id": parent.id if parent else None,
        "published": True,
        **fields,
    }
    return await crud.create(session, Organisation, data)  # type: ignore[return-value]


async def site(
    session: AsyncSession, host: Organisation, name: str = "向日葵亲子小屋", **fields: Any
) -> ServiceSite:
    data = {
        "name": name,
        "kind": "sunflower_hut",
        "organisation_id": host.id,
        "published": True,
        **fields,
    }
    return await crud.create(session, ServiceSite, data)  # type: ignore[return-value]


def national_id(gender: str = "female") -> str:
    n = next(_sequence)
    return make_national_id("350206", date(2002, 1, 1 + n % 28), n % 1000, gender)


async def student(
    session: AsyncSession, home: Organisation, name: str = "测试学生", **fields: Any
) -> ScholarshipStudent:
    gender = fields.pop("gender", "female")
    data = {
        "name": name,
        "gender": gender,
        "id_number": fields.pop("id_number", None) or national_id(gender),
        "phone": "13800138000",
        "family_category": "registered_poor",
        "organisation_id": home.id,
        "university": "厦门大学",
        "major": "护理学",
        "enrolment_year": 2021,
        "graduation_year": 2025,
        **fields,
    }
    return await crud.create(session, ScholarshipStudent, data)  # type: ignore[return-value]


async def grant(
    session: AsyncSession, of: ScholarshipStudent, amount: str = "2000.00", year: int = 2022
) -> Grant:
    data = {
        "student_id": of.id,
        "year": year,
        "amount": Decimal(amount),
        "funding_source": "金秋助学专项",
    }
    return await crud.create(session, Grant, data)  # type: ignore[return-value]


async def company(
    session: AsyncSession, district: Organisation, name: str = "示例爱心企业有限公司"
) -> Company:
    n = next(_sequence)
    code = make_credit_code(f"91350212MA{n:07d}")
    data = {
        "name": f"{name}{n}",
        "credit_code": code,
        "organisation_id": district.id,
        "published": True,
    }
    return await crud.create(session, Company, data)  # type: ignore[return-value]


async def internship(
    session: AsyncSession, of: ScholarshipStudent, at: Company, **fields: Any
) -> Internship:
    data = {
        "student_id": of.id,
        "company_id": at.id,
        "position": "行政助理",
        "status": "ongoing",
        **fields,
    }
    return await crud.create(session, Internship, data)  # type: ignore[return-value]


async def course(
    session: AsyncSession, organiser: Organisation, title: str = "家庭健康指导员培训", **fields: Any
) -> Course:
    data = {
        "title": title,
        "category": "instructor_training",
        "organisation_id": organiser.id,
        "start_date": date(2022, 10, 14),
        "end_date": date(2022, 10, 16),
        "published": True,
        **fields,
    }
    return await crud.create(session, Course, data)  # type: ignore[return-value]


async def enrolment(
    session: AsyncSession, of: Course, home: Organisation, name: str = "学员", **fields: Any
) -> Enrolment:
    data = {
        "course_id": of.id,
        "organisation_id": home.id,
        "name": name,
        "phone": "13900139000",
        **fields,
    }
    return await crud.create(session, Enrolment, data)  # type: ignore[return-value]
