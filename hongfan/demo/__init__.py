"""Demo data: the Xiamen association network on the city's official divisions, from the seed report.

``load_demo`` fills an empty database with the city association, its 6 districts, 51
streets and towns and 552 communities and villages from the official division list
(:mod:`hongfan.demo.data`: short names, official committee names and statistical
codes), the sites, courses and companies the report names on the real places, and
synthetic scholarship students with grants and internships (:mod:`hongfan.demo.people`).

* Deterministic: every choice comes from ``random.Random(seed)`` and a fixed reference
  date (:data:`AS_OF`), never from the clock.
* Idempotent: when the root organisation 厦门市 already exists (even soft-deleted)
  nothing is written; the summary says so and counts the rows.
* Valid and synthetic: see :mod:`hongfan.demo.people`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col as sql_col

from hongfan import accounts
from hongfan.access import INCLUDE_DELETED
from hongfan.db import Database
from hongfan.demo.network import ACTOR, AS_OF, AUTHOR, ROOT_NAME
from hongfan.demo.people import DemoLoader
from hongfan.demo.records import load_records
from hongfan.principal import Role, system
from models.activities import Activity
from models.base import Record
from models.organisations import Organisation, OrganisationLevel
from models.practice import Company, Internship
from models.scholarships import Grant, ScholarshipStudent
from models.sites import ServiceSite
from models.training import Course, CourseSession, Enrolment
from models.volunteers import Volunteer, VolunteerService

# Serialises concurrent loaders on PostgreSQL (SQLite writers already queue).
_PG_LOCK_KEY = 0x686F6E6766616E  # "hongfan"


@dataclass(frozen=True)
class DemoSummary:
    """What ``load_demo`` found or wrote: live rows per record type."""

    created: bool
    organisations: int
    service_sites: int
    courses: int
    course_sessions: int
    enrolments: int
    scholarship_students: int
    grants: int
    companies: int
    internships: int
    activities: int
    volunteers: int
    volunteer_services: int
    # One line per demo account: e-mail, password (when it can be shown), role and scope.
    logins: tuple[str, ...] = ()
    # The partner's API token, only in the run that created it (it cannot be shown again).
    partner_token: str | None = None
    partner_email: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Row counts by record type, in a fixed order."""
        return {name: getattr(self, name) for name in _COUNTED}

    @property
    def token_lines(self) -> list[str]:
        """How to call the API as the partner; the token itself alone on the last line."""
        if self.partner_email is None:
            return []
        if self.partner_token is None:
            return [
                f"Partner API token for {self.partner_email}: created by an earlier run and not shown again;",
                f"  make a new one with: hongfan token create {self.partner_email}",
            ]
        return [
            f"Partner API token for {self.partner_email} (Authorization: Bearer <token>), shown only now:",
            self.partner_token,
        ]

    def __str__(self) -> str:
        head = "demo data loaded" if self.created else "demo data already present; nothing written"
        return head + ": " + ", ".join(f"{k}={v}" for k, v in self.counts.items())


_COUNTED: dict[str, type[Record]] = {
    "organisations": Organisation,
    "service_sites": ServiceSite,
    "courses": Course,
    "course_sessions": CourseSession,
    "enrolments": Enrolment,
    "scholarship_students": ScholarshipStudent,
    "grants": Grant,
    "companies": Company,
    "internships": Internship,
    "activities": Activity,
    "volunteers": Volunteer,
    "volunteer_services": VolunteerService,
}


async def _count(session: AsyncSession, *, created: bool) -> DemoSummary:
    counts: dict[str, int] = {}
    for name, model in _COUNTED.items():
        result = await session.execute(sa.select(sa.func.count(sql_col(model.id))))
        counts[name] = int(result.scalar_one())
    return DemoSummary(created=created, **counts)  # type: ignore[arg-type]


# -- demo accounts ---------------------------------------------------------------------

DEMO_PASSWORD = "hongfan-demo-2024"
PARTNER_EMAIL = "partner@demo.hongfan"
# (e-mail, role, district it is bound to, display name); the partner gets a 同安 company.
DEMO_USERS: tuple[tuple[str, Role, str | None, str], ...] = (
    ("admin@demo.hongfan", Role.SUPERADMIN, None, "演示超级管理员"),
    ("huli.admin@demo.hongfan", Role.ORG_ADMIN, "湖里区", "湖里区计生协管理员（演示）"),
    ("huli.editor@demo.hongfan", Role.EDITOR, "湖里区", "湖里区计生协编辑（演示）"),
    ("siming.viewer@demo.hongfan", Role.VIEWER, "思明区", "思明区计生协查看者（演示）"),
    (PARTNER_EMAIL, Role.PARTNER, None, "实践基地企业（演示）"),
)


async def _district(session: AsyncSession, name: str) -> Organisation | None:
    result = await session.execute(
        sa.select(Organisation)
        .where(
            sql_col(Organisation.name) == name,
            sql_col(Organisation.level) == OrganisationLevel.DISTRICT,
        )
        .order_by(sql_col(Organisation.id))
    )
    return result.scalars().first()


async def _partner_company(session: AsyncSession) -> Company | None:
    """The first 同安 company (by id) that has interns."""
    tongan = await _district(session, "同安区")
    if tongan is None:
        return None
    result = await session.execute(
        sa.select(Company)
        .join(Internship, sql_col(Internship.company_id) == sql_col(Company.id))
        .where(sql_col(Company.organisation_id) == tongan.id)
        .order_by(sql_col(Company.id))
        .limit(1)
    )
    return result.scalars().first()


async def _demo_users(
    session: AsyncSession, password: str | None
) -> tuple[list[str], str | None, bool]:
    """Create the demo accounts that are missing; (login lines, new partner token, partner exists)."""
    actor = system(ACTOR)
    lines: list[str] = []
    token: str | None = None
    partner_exists = False
    for email, role, district_name, display_name in DEMO_USERS:
        binding: dict[str, int | None] = {}
        scope = "all"
        if district_name is not None:
            district = await _district(session, district_name)
            if district is None:
                continue
            binding["organisation_id"] = district.id
            scope = district_name
        elif role is Role.PARTNER:
            company = await _partner_company(session)
            if company is None:
                continue
            binding["company_id"] = company.id
            scope = company.name
        existing = await accounts.get_user_by_email(session, email)
        if existing is None:
            user, generated = await accounts.create_user(
                session, actor, email, role, password=password, display_name=display_name, **binding
            )
            shown = generated or password
            if role is Role.PARTNER:
                _token, token = await accounts.issue_token(session, actor, user.id, name="demo")  # type: ignore[arg-type]
        else:
            # A fixed demo password can be shown again; a generated one cannot.
            shown = password or "(password shown when it was created)"
        if role is Role.PARTNER:
            partner_exists = True
        lines.append(f"{email:<28} {shown}  {role.value} · {scope}")
    return lines, token, partner_exists


async def load_demo(
    db: Database, *, seed: int = 2022, demo_password: str | None = DEMO_PASSWORD
) -> DemoSummary:
    """Load the demo network unless its root 厦门市 already exists; report the row counts.

    Then create the demo accounts that are missing (one per role), with
    ``demo_password`` or, when it is None (production), a generated password
    each; the summary carries their login lines and the partner's new API token.
    """
    async with db.transaction(system(ACTOR)) as session:
        summary = await _load_network(db, session, seed)
        logins, token, partner = await _demo_users(session, demo_password)
    if summary.created:  # activities, volunteers …: through the spreadsheet import
        await load_records(db)
        async with db.session(system(ACTOR)) as session:
            summary = await _count(session, created=True)
    return dataclasses.replace(
        summary,
        logins=tuple(logins),
        partner_token=token,
        partner_email=PARTNER_EMAIL if partner else None,
    )


async def _load_network(db: Database, session: AsyncSession, seed: int) -> DemoSummary:
    if db.dialect == "postgresql":
        connection = await session.connection()
        await connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY}
        )
    existing = await session.execute(
        sa.select(sql_col(Organisation.id))
        .where(sql_col(Organisation.name) == ROOT_NAME, sql_col(Organisation.parent_id).is_(None))
        .execution_options(**{INCLUDE_DELETED: True})
    )
    if existing.first() is not None:
        return await _count(session, created=False)

    loader = DemoLoader(session, seed)
    await loader.organisations()
    await loader.service_sites()
    await loader.courses()
    companies = await loader.companies()
    students = await loader.students()
    await loader.internships(students, companies)
    return await _count(session, created=True)


__all__ = [
    "ACTOR",
    "AS_OF",
    "AUTHOR",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "PARTNER_EMAIL",
    "ROOT_NAME",
    "DemoSummary",
    "load_demo",
]
