"""A small two-district world and one caller per role, for the access tests.

District A (湖里区) and district B (思明区) each hold one of every record type;
the callers are bound to district A (staff) or to A's company (partner).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from hongfan.db import Database
from hongfan.principal import ANONYMOUS, SYSTEM, Principal, Role
from models import ENTITIES, Record
from tests import factories


@dataclass
class World:
    records: dict[str, dict[str, Record]] = field(default_factory=dict)  # type → side ("A"/"B"/...) → record
    orgs: dict[str, Record] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)

    def all_of(self, type_name: str) -> list[Record]:
        return list(self.records[type_name].values())


ROLES = ["superadmin", "org_admin", "editor", "viewer", "partner", "anonymous"]


async def build_world(database: Database) -> World:
    world = World()
    for type_name in ENTITIES:
        world.records[type_name] = {}
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        world.orgs["city"] = city
        world.records["Organisation"]["city"] = city
        for side, district_name in (("A", "湖里区"), ("B", "思明区")):
            district = await factories.organisation(s, district_name, city)
            community = await factories.organisation(s, f"{district_name}示例社区", district, level="community")
            hidden = await factories.organisation(s, f"{district_name}未发布组织", district, published=False)
            world.orgs[side] = district
            world.orgs[f"{side}-community"] = community
            world.records["Organisation"][side] = district
            world.records["Organisation"][f"{side}-community"] = community
            world.records["Organisation"][f"{side}-hidden"] = hidden
            world.records["ServiceSite"][side] = await factories.site(s, community, f"{district_name}向日葵亲子小屋")
            world.records["ServiceSite"][f"{side}-hidden"] = await factories.site(
                s, community, f"{district_name}未发布阵地", published=False
            )
            course = await factories.course(s, district, f"{district_name}家庭健康指导员培训")
            world.records["Course"][side] = course
            from hongfan import crud
            from models import CourseSession

            world.records["CourseSession"][side] = await crud.create(
                s, CourseSession, {"course_id": course.id, "session_date": "2022-10-14", "lecturer": "讲师甲"}
            )
            hidden_course = await factories.course(s, district, f"{district_name}未发布课程", published=False)
            world.records["Course"][f"{side}-hidden"] = hidden_course
            world.records["CourseSession"][f"{side}-hidden"] = await crud.create(
                s, CourseSession, {"course_id": hidden_course.id, "session_date": "2022-10-15", "lecturer": "讲师乙"}
            )
            world.records["Enrolment"][side] = await factories.enrolment(s, course, community, f"{district_name}学员")
            student = await factories.student(s, community, f"{district_name}学生")
            world.records["ScholarshipStudent"][side] = student
            world.records["Grant"][side] = await factories.grant(s, student)
            company = await factories.company(s, district)
            world.records["Company"][side] = company
            world.records["Internship"][side] = await factories.internship(s, student, company)
        # A district-B student interning at company A: the partner may see this student's
        # allowed fields (an intern of theirs), though the staff of district A may not.
        crossover = await factories.student(s, world.orgs["B-community"], "跨区见习学生")
        world.records["ScholarshipStudent"]["B-intern-at-A"] = crossover
        world.records["Grant"]["B-intern-at-A"] = await factories.grant(s, crossover, "900.00")
        world.records["Internship"]["B-intern-at-A"] = await factories.internship(
            s, crossover, world.records["Company"]["A"]
        )
    district_a = world.orgs["A"]
    staff = {"org_admin": Role.ORG_ADMIN, "editor": Role.EDITOR, "viewer": Role.VIEWER}
    world.principals["superadmin"] = Principal(kind="user", actor="user:superadmin", role=Role.SUPERADMIN)
    for name, role in staff.items():
        world.principals[name] = Principal(
            kind="user",
            actor=f"user:{name}",
            role=role,
            organisation_id=district_a.id,
            organisation_path=district_a.path,  # type: ignore[attr-defined]
        )
    world.principals["partner"] = Principal(
        kind="user", actor="user:partner", role=Role.PARTNER, company_id=world.records["Company"]["A"].id
    )
    world.principals["anonymous"] = dataclasses.replace(ANONYMOUS)
    return world


def in_subtree(record: Record, world: World, side: str) -> bool:
    """True when ``record`` belongs to district ``side``'s subtree (by its organisation)."""
    path: str = world.orgs[side].path  # type: ignore[attr-defined]
    if record.__entity__.scope == "path":
        return str(record.path).startswith(path)  # type: ignore[attr-defined]
    organisation_id = record.organisation_id  # type: ignore[attr-defined]
    for org in world.records["Organisation"].values():
        if org.id == organisation_id:
            return str(org.path).startswith(path)  # type: ignore[attr-defined]
    raise AssertionError(f"no organisation {organisation_id}")


def published(record: Record) -> bool:
    return bool(getattr(record, "published", False))


def data(record: Record) -> dict[str, Any]:
    return {c.name: getattr(record, c.name) for c in record.__table__.columns}  # type: ignore[attr-defined]
