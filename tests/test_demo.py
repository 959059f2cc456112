"""The demo loader builds a realistic, valid, deterministic and idempotent network."""

from __future__ import annotations

import re
import shutil
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel
from sqlmodel import col as sql_col

from hongfan.db import Database
from hongfan.demo import ROOT_NAME, load_demo
from hongfan.demo.data import divisions
from hongfan.principal import system
from models import (
    Company,
    Course,
    CourseCategory,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    Grant,
    Internship,
    Organisation,
    OrganisationLevel,
    Recognition,
    ScholarshipStudent,
    ServiceSite,
    SiteKind,
)
from models.activities import Activity
from models.base import Record
from models.validators import check_credit_code, check_mobile, check_national_id, national_id_gender
from models.volunteers import Volunteer, VolunteerService
from tests.conftest import create_engine, settings_for

DISTRICTS = {"思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"}
REGION = {
    "思明区": "350203",
    "湖里区": "350206",
    "集美区": "350211",
    "海沧区": "350205",
    "同安区": "350212",
    "翔安区": "350213",
}
LANDLINE = re.compile(r"0\d{2,3}-\d{7,8}")
MODELS: tuple[type[Record], ...] = (
    Organisation,
    ServiceSite,
    Course,
    CourseSession,
    Enrolment,
    ScholarshipStudent,
    Grant,
    Company,
    Internship,
    Activity,
    Volunteer,
    VolunteerService,
)


async def _rows(session: AsyncSession, model: type[Any]) -> list[Any]:
    return list((await session.execute(sa.select(model).order_by(sql_col(model.id)))).scalars())


async def _table_counts(db: Database) -> dict[str, int]:
    async with db.session(system("test")) as session:
        return {
            str(model.__tablename__): (
                await session.execute(sa.select(sa.func.count(sql_col(model.id))))
            ).scalar_one()
            for model in MODELS
        }


def _phone_ok(value: str | None) -> bool:
    return value is not None and (
        LANDLINE.fullmatch(value) is not None or check_mobile(value) is None
    )


async def test_demo_network(database: Database) -> None:
    summary = await load_demo(database)
    assert summary.created
    # MODELS lists the record types in the summary's order.
    assert list(summary.counts.values()) == list((await _table_counts(database)).values())

    async with database.session(system("test")) as session:
        data = {model: await _rows(session, model) for model in MODELS}
    orgs: list[Organisation] = data[Organisation]
    by_id = {o.id: o for o in orgs}
    children: dict[int | None, list[Organisation]] = defaultdict(list)
    for o in orgs:
        children[o.parent_id].append(o)

    # The tree: one root 厦门市 with the six districts; paths are parent path + id + "/".
    roots = children[None]
    assert [r.name for r in roots] == [ROOT_NAME]
    root = roots[0]
    assert root.level is OrganisationLevel.CITY and root.path == f"/{root.id}/"
    districts = [o for o in children[root.id] if o.level is OrganisationLevel.DISTRICT]
    assert {d.name for d in districts} == DISTRICTS and len(districts) == 6
    for o in orgs:
        if o.parent_id is not None:
            assert o.path == f"{by_id[o.parent_id].path}{o.id}/", o.name
        assert o.published and o.created_by is None and o.updated_by is None  # the system wrote
        assert o.contact_phone is None or _phone_ok(o.contact_phone), o.contact_phone
    # The official divisions: every street, town, community and village, with its code.
    official = {d.code: d for d in divisions()}
    coded = [o for o in orgs if o.code is not None]
    assert len(coded) == len(official) == 610
    assert Counter(o.level for o in coded) == {
        OrganisationLevel.CITY: 1,
        OrganisationLevel.DISTRICT: 6,
        OrganisationLevel.STREET: 51,
        OrganisationLevel.COMMUNITY: 552,
    }
    for o in coded:
        division = official[o.code]
        parent = by_id.get(o.parent_id)
        assert (parent.code if parent else None) == division.parent_code, o.name
        assert (o.official_name or o.name) == division.official_name
    # 高林社区 is where the official list puts it (not under 殿前街道), its official name beside it.
    node = root
    for name in ("湖里区", "金山街道", "高林社区"):
        node = next(c for c in children[node.id] if c.name == name)
    assert node.level is OrganisationLevel.COMMUNITY
    assert (node.official_name, node.code) == ("高林社区居委会", "350206005013")
    assert not any(
        o.name == "高林社区"
        for o in children[
            next(c.id for c in children[districts[0].parent_id] if c.name == "湖里区")
        ]
    )
    district_of = {
        o.id: by_id[int(o.path.split("/")[2])].name for o in orgs if o.path.count("/") > 3
    }
    communities = [o for o in orgs if o.level is OrganisationLevel.COMMUNITY]

    # Service sites.
    sites: list[ServiceSite] = data[ServiceSite]
    kinds = Counter(s.kind for s in sites)
    assert kinds[SiteKind.SUNFLOWER_HUT] == 23
    assert kinds[SiteKind.WARM_HEART_HOME] == 11
    assert kinds[SiteKind.EUGENICS_BASE] == 8
    assert kinds[SiteKind.EARLY_CHILDHOOD_POINT] == 36
    # The places the report names are real places of the official list.
    hut_places = {by_id[s.organisation_id].name for s in sites if s.kind is SiteKind.SUNFLOWER_HUT}
    assert {"香溪社区", "大帽山社区", "美山村", "高林社区", "禾山社区", "凤祥社区"} <= hut_places
    assert all(
        by_id[s.organisation_id].code or by_id[s.organisation_id].level is None for s in sites
    )
    assert all(s.published and s.organisation_id in by_id for s in sites)
    heshan = next(
        s
        for s in sites
        if s.kind is SiteKind.FAMILY_HEALTH_CENTRE and by_id[s.organisation_id].name == "禾山社区"
    )
    assert heshan.recognition is Recognition.NATIONAL and str(heshan.opened_on) == "2022-07-22"
    for d in districts:
        assert any(
            s.kind is SiteKind.FAMILY_HEALTH_CENTRE
            and by_id[s.organisation_id].path.startswith(d.path)
            for s in sites
        ), d.name

    # Courses and sessions.
    courses = {c.id: c for c in data[Course]}
    assert all(c.published and c.end_date >= c.start_date for c in courses.values())
    sessions_per_course = Counter(s.course_id for s in data[CourseSession])
    assert all(2 <= sessions_per_course[c] <= 5 for c in courses)
    for s in data[CourseSession]:
        course = courses[s.course_id]
        assert s.organisation_id == course.organisation_id
        assert course.start_date <= s.session_date <= course.end_date

    # Enrolments: the instructor roster per community, with a few gaps to flag.
    enrolments: list[Enrolment] = data[Enrolment]
    assert all(by_id[e.organisation_id].level is OrganisationLevel.COMMUNITY for e in enrolments)
    assert all(e.phone is None or check_mobile(e.phone) is None for e in enrolments)
    instructor_courses = {
        c.id for c in courses.values() if c.category is CourseCategory.INSTRUCTOR_TRAINING
    }
    qualified = [
        e
        for e in enrolments
        if e.course_id in instructor_courses and e.status is EnrolmentStatus.QUALIFIED
    ]
    assert all(e.certificate_number and 60 <= (e.score or 0) <= 100 for e in qualified)
    assert len({e.certificate_number for e in qualified}) == len(qualified)
    roster: Counter[int | None] = Counter(e.organisation_id for e in qualified)
    short = [c for c in communities if roster[c.id] < 2]
    assert 1 <= len(short) <= len(communities) // 4
    assert {e.status for e in enrolments if e.course_id not in instructor_courses} >= {
        EnrolmentStatus.ATTENDED,
        EnrolmentStatus.ENROLLED,
    }

    # Scholarship students: synthetic, valid and unique.
    students: list[ScholarshipStudent] = data[ScholarshipStudent]
    assert 250 <= len(students) <= 350
    assert len({s.id_number for s in students}) == len(students)
    for s in students:
        assert check_national_id(s.id_number) is None, s.id_number
        assert national_id_gender(s.id_number) == s.gender.value
        assert s.id_number[:6] == REGION[district_of[s.organisation_id]]
        assert s.phone is not None and check_mobile(s.phone) is None
        assert by_id[s.organisation_id].level is OrganisationLevel.COMMUNITY
        assert 2 <= len(s.name) <= 4
        assert s.graduation_year == s.enrolment_year + 4
    student_by_id = {s.id: s for s in students}

    grants: list[Grant] = data[Grant]
    assert {g.student_id for g in grants if g.year == 2022} == set(student_by_id)
    for g in grants:
        assert g.organisation_id == student_by_id[g.student_id].organisation_id
        assert isinstance(g.amount, Decimal) and g.amount.as_tuple().exponent == -2 and g.amount > 0

    # Companies and internships.
    companies: list[Company] = data[Company]
    assert len({c.credit_code for c in companies}) == len(companies)
    assert all(
        check_credit_code(c.credit_code) is None and _phone_ok(c.contact_phone) for c in companies
    )
    assert all(
        c.published and by_id[c.organisation_id].level is OrganisationLevel.DISTRICT
        for c in companies
    )
    per_district = Counter(by_id[c.organisation_id].name for c in companies)
    assert per_district["同安区"] >= 6 and per_district["翔安区"] >= 8
    company_ids = {c.id for c in companies}
    internships: list[Internship] = data[Internship]
    assert 40 <= len(internships) <= 80
    for i in internships:
        assert i.organisation_id == student_by_id[i.student_id].organisation_id
        assert i.company_id in company_ids
        if i.start_date is None:
            assert i.end_date is None
        else:
            assert i.end_date is not None and i.end_date >= i.start_date

    # Loading again writes nothing.
    before = await _table_counts(database)
    again = await load_demo(database)
    assert not again.created
    assert again.counts == summary.counts
    assert await _table_counts(database) == before


async def _file_rows(path: Path) -> list[tuple[Any, ...]]:
    settings = settings_for(f"sqlite+aiosqlite:///{path}")
    db = Database(settings, create_engine(settings))
    try:
        async with db.session(system("test")) as session:
            rows: list[tuple[Any, ...]] = []
            for model in MODELS:
                table = model.__table__  # type: ignore[attr-defined]
                result = await session.execute(sa.select(table).order_by(table.c.id))
                skip = {"created_at", "updated_at"}
                rows += [
                    tuple(v for k, v in row._mapping.items() if k not in skip) for row in result
                ]
            return rows
    finally:
        await db.dispose()


async def _fingerprint(tmp_path: Path, name: str, seed: int) -> list[tuple[Any, ...]]:
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / name}")
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    db = Database(settings, engine)
    try:
        await load_demo(db, seed=seed)
    finally:
        await db.dispose()
    return await _file_rows(tmp_path / name)


async def test_demo_is_deterministic(tmp_path: Path, demo_file: Path) -> None:
    """The run's demo file (tests/conftest.py: create_all, then load_demo with the default
    seed 2022) equals a second load with that seed, and differs from a load with another."""
    shutil.copyfile(demo_file, tmp_path / "a.db")
    first = await _file_rows(tmp_path / "a.db")
    assert first == await _fingerprint(tmp_path, "b.db", 2022)
    assert first != await _fingerprint(tmp_path, "c.db", 7)


async def test_demo_accounts(database: Database) -> None:
    from hongfan import accounts
    from hongfan.demo import DEMO_PASSWORD, DEMO_USERS, PARTNER_EMAIL
    from hongfan.principal import Role
    from models import User

    summary = await load_demo(database)
    assert len(summary.logins) == len(DEMO_USERS) == 5
    assert all(DEMO_PASSWORD in line for line in summary.logins)
    assert summary.partner_token is not None and summary.token_lines[-1] == summary.partner_token

    async with database.transaction(accounts.AUTH) as session:
        users = {u.email: u for u in (await session.execute(sa.select(User))).scalars()}
        assert {u.role.value for u in users.values()} == {r.value for r in Role}
        orgs = {o.id: o.name for o in await _rows(session, Organisation)}
        assert orgs[users["huli.admin@demo.hongfan"].organisation_id] == "湖里区"
        assert orgs[users["huli.editor@demo.hongfan"].organisation_id] == "湖里区"
        assert orgs[users["siming.viewer@demo.hongfan"].organisation_id] == "思明区"
        partner = users[PARTNER_EMAIL]
        company = (
            await session.execute(sa.select(Company).where(Company.id == partner.company_id))
        ).scalar_one()
        assert orgs[company.organisation_id] == "同安区"
        principal = await accounts.authenticate_token(session, summary.partner_token)
        assert principal is not None and principal.company_id == company.id
        interns = await session.execute(
            sa.select(sa.func.count())
            .select_from(Internship)
            .where(Internship.company_id == company.id)
        )
        assert interns.scalar_one() > 0
        _auth_session, _raw = await accounts.login(
            session, "admin@demo.hongfan", DEMO_PASSWORD, None, None
        )

    # Again: nothing new, no token to show, and a hint how to make one.
    again = await load_demo(database)
    assert again.partner_token is None and len(again.logins) == 5
    assert "hongfan token create partner@demo.hongfan" in "\n".join(again.token_lines)
    async with database.session(accounts.AUTH) as session:
        assert (
            await session.execute(sa.select(sa.func.count()).select_from(User))
        ).scalar_one() == 5
