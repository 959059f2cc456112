"""Statistics (统计): the figures a user would check, under row scope, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import inspect
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry

from graph.context import Context
from graph.enums import gql_enum
from graph.statistics import Statistics, fen_to_yuan, path_ids, resolve_statistics
from hongfan.db import Database
from hongfan.principal import ANONYMOUS, SYSTEM, Principal, Role
from models import (
    Company,
    Course,
    CourseCategory,
    Enrolment,
    EnrolmentStatus,
    Grant,
    Internship,
    InternshipStatus,
    Organisation,
    OrganisationLevel,
    ScholarshipStudent,
    ServiceSite,
    SiteKind,
)
from tests.conftest import StatementCounter, settings_for

SUPERADMIN = Principal(kind="user", actor="t:admin", role=Role.SUPERADMIN)

# -- helpers ----------------------------------------------------------------------------


def test_fen_to_yuan_is_exact() -> None:
    assert fen_to_yuan(350050) == Decimal("3500.50")
    assert str(fen_to_yuan(350050)) == "3500.50"
    assert fen_to_yuan(Decimal("350050")) == Decimal(
        "3500.50"
    )  # PostgreSQL: sum(bigint) is numeric
    assert str(fen_to_yuan(Decimal("200000"))) == "2000.00"
    assert str(fen_to_yuan(5)) == "0.05"
    assert str(fen_to_yuan(None)) == "0.00"
    assert str(fen_to_yuan(0)) == "0.00"
    with pytest.raises(ValueError):
        fen_to_yuan(Decimal("1.5"))


def test_path_ids() -> None:
    assert path_ids("/1/7/12/") == [1, 7, 12]
    assert path_ids("/1/") == [1]
    assert path_ids("/") == []


def test_gql_enum_wraps_once_with_labels() -> None:
    assert gql_enum(SiteKind) is gql_enum(SiteKind) is SiteKind
    definition = SiteKind.__strawberry_definition__  # type: ignore[attr-defined]
    assert definition.name == "SiteKind"
    assert definition.description.startswith("Site kind (")
    assert "向日葵亲子小屋" in definition.description
    values = {v.name: v.description for v in definition.values}
    assert values["SUNFLOWER_HUT"] == "Sunflower parent-child hut (向日葵亲子小屋)"


# -- a tiny network -----------------------------------------------------------------------


@dataclasses.dataclass
class Network:
    city: Organisation
    a: Organisation  # district A: 思明区
    b: Organisation  # district B: 湖里区
    a_street: Organisation
    a1: Organisation  # two qualified instructors
    a2: Organisation  # one qualified instructor
    b1: Organisation  # none


async def _organisation(
    session: Any, name: str, parent: Organisation | None, level: OrganisationLevel, **fields: Any
) -> Organisation:
    fields.setdefault("published", True)
    org = Organisation(name=name, level=level, parent_id=parent.id if parent else None, **fields)
    session.add(org)
    await session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    await session.flush()
    return org


_id_numbers = iter(range(1, 10_000))


async def _student(session: Any, home: Organisation, name: str) -> ScholarshipStudent:
    student = ScholarshipStudent(
        name=name,
        gender="female",
        id_number=f"35020620020101{next(_id_numbers):04d}",
        family_category="registered_poor",
        organisation_id=home.id,
        university="厦门理工学院",
        enrolment_year=2021,
        graduation_year=2025,
    )
    session.add(student)
    await session.flush()
    return student


def _grant(student: ScholarshipStudent, year: int, amount: str, **fields: Any) -> Grant:
    return Grant(
        student_id=student.id,
        organisation_id=student.organisation_id,
        year=year,
        amount=Decimal(amount),
        **fields,
    )


async def build_network(db: Database) -> Network:
    deleted = datetime(2024, 1, 1, tzinfo=UTC)
    async with db.transaction(SYSTEM) as s:
        city = await _organisation(s, "厦门市计生协", None, OrganisationLevel.CITY)
        a = await _organisation(s, "思明区计生协", city, OrganisationLevel.DISTRICT)
        b = await _organisation(s, "湖里区计生协", city, OrganisationLevel.DISTRICT)
        a_street = await _organisation(s, "莲前街道", a, OrganisationLevel.STREET)
        a1 = await _organisation(s, "西林社区", a_street, OrganisationLevel.COMMUNITY)
        a2 = await _organisation(s, "前埔社区", a_street, OrganisationLevel.COMMUNITY)
        b1 = await _organisation(s, "禾山社区", b, OrganisationLevel.COMMUNITY, published=False)

        s.add_all(
            [
                # two sunflower huts in district A, hosted at different depths of its subtree
                ServiceSite(
                    name="西林向日葵亲子小屋",
                    kind=SiteKind.SUNFLOWER_HUT,
                    organisation_id=a1.id,
                    published=True,
                ),
                ServiceSite(
                    name="莲前向日葵亲子小屋",
                    kind=SiteKind.SUNFLOWER_HUT,
                    organisation_id=a_street.id,
                ),
                # one warm-heart home in district B
                ServiceSite(
                    name="禾山暖心家园",
                    kind=SiteKind.WARM_HEART_HOME,
                    organisation_id=b1.id,
                    published=True,
                ),
                # soft-deleted: counted nowhere
                ServiceSite(
                    name="已撤销小屋",
                    kind=SiteKind.SUNFLOWER_HUT,
                    organisation_id=b1.id,
                    deleted_at=deleted,
                ),
                # hosted by the city itself: in no district, but counted by kind and in totals
                ServiceSite(
                    name="市家庭健康服务中心",
                    kind=SiteKind.FAMILY_HEALTH_CENTRE,
                    organisation_id=city.id,
                ),
            ]
        )

        training_a = Course(
            title="思明区家庭健康指导员培训",
            category=CourseCategory.INSTRUCTOR_TRAINING,
            organisation_id=a.id,
            start_date=date(2023, 3, 1),
        )
        refresher_a = Course(
            title="指导员复训",
            category=CourseCategory.INSTRUCTOR_TRAINING,
            organisation_id=a.id,
            start_date=date(2023, 9, 1),
        )
        parenting_a = Course(
            title="父母课堂",
            category=CourseCategory.PARENTING,
            organisation_id=a.id,
            start_date=date(2023, 5, 1),
        )
        training_b = Course(
            title="湖里区家庭健康指导员培训",
            category=CourseCategory.INSTRUCTOR_TRAINING,
            organisation_id=b.id,
            start_date=date(2023, 3, 1),
        )
        s.add_all([training_a, refresher_a, parenting_a, training_b])
        await s.flush()

        def enrol(
            course: Course, home: Organisation, name: str, status: EnrolmentStatus, **f: Any
        ) -> Enrolment:
            return Enrolment(
                course_id=course.id, organisation_id=home.id, name=name, status=status, **f
            )

        q = EnrolmentStatus.QUALIFIED
        s.add_all(
            [
                enrol(training_a, a1, "测试甲", q),
                enrol(refresher_a, a1, "测试甲", q),  # same person qualified twice: counts once
                enrol(training_a, a1, "测试乙", q),
                enrol(training_a, a1, "测试丙", EnrolmentStatus.ATTENDED),  # not qualified
                enrol(parenting_a, a2, "测试丁", q),  # qualified, but not instructor training
                enrol(training_a, a2, "测试戊", q),
                enrol(training_b, b1, "测试己", q, deleted_at=deleted),  # soft-deleted
            ]
        )

        s1 = await _student(s, a1, "测试学生一")
        s2 = await _student(s, b1, "测试学生二")
        s.add_all(
            [
                _grant(s1, 2022, "1500.50"),
                _grant(s1, 2022, "2000.00"),
                _grant(s2, 2022, "800.00"),
                _grant(s2, 2022, "999.99", deleted_at=deleted),
                _grant(s2, 2023, "1000.00"),
            ]
        )

        company_a = Company(
            name="思明测试科技有限公司", credit_code="91350200TEST00001A", organisation_id=a.id
        )
        company_b = Company(
            name="湖里测试物流有限公司", credit_code="91350200TEST00002B", organisation_id=b.id
        )
        s.add_all([company_a, company_b])
        await s.flush()
        s.add_all(
            [
                Internship(
                    student_id=s1.id,
                    company_id=company_a.id,
                    organisation_id=a1.id,
                    status=InternshipStatus.ONGOING,
                ),
                Internship(
                    student_id=s2.id,
                    company_id=company_b.id,
                    organisation_id=b1.id,
                    status=InternshipStatus.COMPLETED,
                ),
            ]
        )
    return Network(city=city, a=a, b=b, a_street=a_street, a1=a1, a2=a2, b1=b1)


def editor_of(org: Organisation, **fields: Any) -> Principal:
    return Principal(
        kind="user",
        actor="t",
        role=Role.EDITOR,
        organisation_id=org.id,
        organisation_path=org.path,
        **fields,
    )


# -- calling the resolver as strawberry would ------------------------------------------------


class Figures:
    """Calls the resolver and the Statistics fields with a fake ``info`` around a real Context."""

    def __init__(self, db: Database, principal: Principal) -> None:
        self.context = Context(db, settings_for(db.settings.database_url), principal)
        self.info: Any = SimpleNamespace(context=self.context)
        self.stats: Statistics | None = None

    async def __aenter__(self) -> Figures:
        self.stats = await resolve_statistics(self.info)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.context.close()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.stats, name)

        async def call(**kwargs: Any) -> Any:
            if "info" in inspect.signature(method).parameters:
                kwargs["info"] = self.info
            return await method(**kwargs)

        return call


def by_kind(stats: list[Any]) -> dict[SiteKind, int]:
    return {s.kind: s.count for s in stats}


# -- the figures -------------------------------------------------------------------------


async def test_sites_by_kind_and_district(database: Database) -> None:
    net = await build_network(database)
    async with Figures(database, SUPERADMIN) as f:
        kinds = await f.sites_by_kind()
        assert [
            s.kind for s in kinds
        ] == [  # every kind, most numerous first, then declaration order
            SiteKind.SUNFLOWER_HUT,
            SiteKind.FAMILY_HEALTH_CENTRE,
            SiteKind.WARM_HEART_HOME,
            SiteKind.EUGENICS_BASE,
            SiteKind.EARLY_CHILDHOOD_POINT,
            SiteKind.YOUTH_HEALTH_BASE,
            SiteKind.VOLUNTEER_STATION,
        ]
        counts = by_kind(kinds)
        assert counts[SiteKind.SUNFLOWER_HUT] == 2  # the soft-deleted hut is not counted
        assert counts[SiteKind.WARM_HEART_HOME] == 1
        assert counts[SiteKind.FAMILY_HEALTH_CENTRE] == 1
        assert counts[SiteKind.VOLUNTEER_STATION] == 0
        assert kinds[0].label == "向日葵亲子小屋"

        districts = await f.sites_by_district()
        assert [(d.district_id, d.district_name, d.total) for d in districts] == [
            (net.a.id, "思明区计生协", 2),
            (net.b.id, "湖里区计生协", 1),
        ]
        assert by_kind(districts[0].by_kind)[SiteKind.SUNFLOWER_HUT] == 2
        assert by_kind(districts[0].by_kind)[SiteKind.WARM_HEART_HOME] == 0
        assert by_kind(districts[1].by_kind)[SiteKind.WARM_HEART_HOME] == 1
        assert by_kind(districts[1].by_kind)[SiteKind.SUNFLOWER_HUT] == 0  # soft-deleted


async def test_labels_follow_the_callers_language(database: Database) -> None:
    await build_network(database)
    async with Figures(database, dataclasses.replace(SUPERADMIN, language="en")) as f:
        assert (await f.sites_by_kind())[0].label == "Sunflower parent-child hut"
        statuses = await f.internships_by_status()
        assert {s.status: s.label for s in statuses}[InternshipStatus.ONGOING] == "Ongoing"


async def test_students_funded(database: Database) -> None:
    net = await build_network(database)
    async with Figures(database, SUPERADMIN) as f:
        years = await f.students_funded()
        assert [y.year for y in years] == [2023, 2022]
        y2023, y2022 = years
        assert (y2022.students, y2022.total_amount) == (2, Decimal("4300.50"))
        assert str(y2022.total_amount) == "4300.50"
        (
            district_a,
            district_b,
        ) = await y2022.by_district()  # by district name: 思 (U+601D) < 湖 (U+6E56)
        # 1500.50 + 2000.00 for the same student: one student, 3500.50 yuan
        assert (district_a.district_id, district_a.students, district_a.total_amount) == (
            net.a.id,
            1,
            Decimal("3500.50"),
        )
        assert isinstance(district_a.total_amount, Decimal)
        # the soft-deleted 999.99 grant is not counted
        assert (district_b.district_id, district_b.students, district_b.total_amount) == (
            net.b.id,
            1,
            Decimal("800.00"),
        )
        assert (y2023.students, y2023.total_amount) == (1, Decimal("1000.00"))
        assert [(d.district_id, d.total_amount) for d in await y2023.by_district()] == [
            (net.b.id, Decimal("1000.00"))
        ]

        only = await f.students_funded(year=2022)
        assert [(y.year, y.students, y.total_amount) for y in only] == [
            (2022, 2, Decimal("4300.50"))
        ]
        assert await f.students_funded(year=1999) == []


async def test_internships_by_status(database: Database) -> None:
    await build_network(database)
    async with Figures(database, SUPERADMIN) as f:
        statuses = await f.internships_by_status()
        assert len(statuses) == len(InternshipStatus)
        assert {s.status: s.count for s in statuses if s.count} == {
            InternshipStatus.ONGOING: 1,
            InternshipStatus.COMPLETED: 1,
        }
        assert [s.status for s in statuses[:2]] == [
            InternshipStatus.ONGOING,
            InternshipStatus.COMPLETED,
        ]
        assert {s.status: s.label for s in statuses}[InternshipStatus.ONGOING] == "见习中"


async def test_instructors_per_community(database: Database) -> None:
    net = await build_network(database)
    async with Figures(database, SUPERADMIN) as f:
        communities = await f.instructors_per_community()
        rows = [(c.organisation_id, c.qualified, c.lacking, c.district_name) for c in communities]
        assert rows == [  # fewest first; a community with none is included
            (net.b1.id, 0, True, "湖里区计生协"),  # its only qualified enrolment is soft-deleted
            (net.a2.id, 1, True, "思明区计生协"),  # a qualified parenting enrolment does not count
            (net.a1.id, 2, False, "思明区计生协"),  # 测试甲 qualified twice counts once
        ]
        assert communities[2].name == "西林社区"
        assert communities[2].district_id == net.a.id
        assert await f.communities_total() == 3
        assert await f.communities_lacking_instructors() == 2
        lacking = await f.instructors_per_community(only_lacking=True)
        assert [c.organisation_id for c in lacking] == [net.b1.id, net.a2.id]


async def test_totals(database: Database) -> None:
    await build_network(database)
    async with Figures(database, SUPERADMIN) as f:
        totals = await f.totals()
        assert dataclasses.asdict(totals) == {
            "organisations": 7,
            "service_sites": 4,  # not the soft-deleted one
            "courses": 4,
            "scholarship_students": 2,
            "companies": 2,
            "internships": 2,
            "activities": 0,  # none in this network (tests/graph/test_statistics_activities.py)
            "volunteers": 0,
        }


# -- row scope ---------------------------------------------------------------------------


async def test_editor_of_district_a_sees_district_a_and_published_records_elsewhere(
    database: Database,
) -> None:
    """Signing in never hides public records (#10.6): besides its district's records the
    editor counts the published ones outside it, as an anonymous caller does; people
    (students, grants, enrolments) stay its district's."""
    net = await build_network(database)
    async with Figures(database, editor_of(net.a)) as f:
        totals = await f.totals()
        assert dataclasses.asdict(totals) == {
            "organisations": 6,  # A, its street and two communities; the city and B (published)
            "service_sites": 3,  # A's two and B's published warm-heart home
            "courses": 3,
            "scholarship_students": 1,
            "companies": 1,
            "internships": 1,
            "activities": 0,
            "volunteers": 0,
        }
        counts = by_kind(await f.sites_by_kind())
        assert counts[SiteKind.SUNFLOWER_HUT] == 2
        assert counts[SiteKind.WARM_HEART_HOME] == 1  # published, in B
        assert counts[SiteKind.FAMILY_HEALTH_CENTRE] == 0  # the city's, unpublished, outside A

        districts = await f.sites_by_district()
        # B's published home is hosted by an unpublished community: by kind only, as for
        # anonymous callers
        assert [(d.district_id, d.total) for d in districts] == [(net.a.id, 2), (net.b.id, 0)]

        years = await f.students_funded()
        assert [(y.year, y.students, y.total_amount) for y in years] == [
            (2022, 1, Decimal("3500.50"))
        ]
        assert [(d.district_id, d.students) for d in await years[0].by_district()] == [
            (net.a.id, 1)
        ]

        assert {s.status: s.count for s in await f.internships_by_status() if s.count} == {
            InternshipStatus.ONGOING: 1
        }
        communities = await f.instructors_per_community()
        assert [c.organisation_id for c in communities] == [net.a2.id, net.a1.id]
        assert await f.communities_total() == 2
        assert await f.communities_lacking_instructors() == 1


async def test_editor_below_district_level(database: Database) -> None:
    """The caller's district is above its scope but published: its records are broken down
    by district like anyone's; people and unpublished records stay the street's."""
    net = await build_network(database)
    async with Figures(database, editor_of(net.a_street)) as f:
        assert by_kind(await f.sites_by_kind())[SiteKind.SUNFLOWER_HUT] == 2
        assert [(d.district_id, d.total) for d in await f.sites_by_district()] == [
            (net.a.id, 2),
            (net.b.id, 0),
        ]
        years = await f.students_funded()
        assert [
            (y.year, y.students, y.total_amount, [d.district_id for d in await y.by_district()])
            for y in years
        ] == [(2022, 1, Decimal("3500.50"), [net.a.id])]
        communities = await f.instructors_per_community()
        # The instructor courses are organised by district A, unpublished, outside this
        # caller's scope, so their enrolments' category cannot be read and nothing counts.
        assert [(c.organisation_id, c.district_name) for c in communities] == [
            (net.a2.id, "思明区计生协"),
            (net.a1.id, "思明区计生协"),
        ]


async def test_anonymous_sees_published_records_and_no_people(database: Database) -> None:
    net = await build_network(database)
    async with Figures(database, ANONYMOUS) as f:
        totals = await f.totals()
        assert (totals.organisations, totals.service_sites) == (6, 2)  # 禾山社区 is unpublished
        assert (
            totals.scholarship_students,
            totals.internships,
            totals.courses,
            totals.companies,
        ) == (0, 0, 0, 0)
        # the warm-heart home is published but its host community is not: by kind only
        assert by_kind(await f.sites_by_kind())[SiteKind.WARM_HEART_HOME] == 1
        assert [(d.district_id, d.total) for d in await f.sites_by_district()] == [
            (net.a.id, 1),
            (net.b.id, 0),
        ]
        assert await f.students_funded() == []
        assert await f.communities_total() == 2
        assert await f.instructors_per_community() is None  # no people: unknown, not zero
        assert await f.communities_lacking_instructors() is None


# -- constant number of statements ----------------------------------------------------------

ALL_FIGURES = """
{ statistics {
    sitesByKind { kind label count }
    sitesByDistrict { districtId districtName total byKind { kind label count } }
    studentsFunded { year students totalAmount byDistrict { districtId districtName students totalAmount } }
    internshipsByStatus { status label count }
    instructorsPerCommunity { organisationId name districtId districtName qualified lacking }
    communitiesLackingInstructors
    communitiesTotal
    totals { organisations serviceSites courses scholarshipStudents companies internships }
} }
"""


@strawberry.type
class _Query:
    statistics: Statistics = strawberry.field(
        resolver=resolve_statistics, description="Statistics (统计)"
    )


async def _run(db: Database, principal: Principal, query: str = ALL_FIGURES) -> dict[str, Any]:
    context = Context(db, settings_for(db.settings.database_url), principal)
    try:
        result = await strawberry.Schema(query=_Query).execute(query, context_value=context)
    finally:
        await context.close()
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


async def test_through_graphql(database: Database) -> None:
    net = await build_network(database)
    data = (await _run(database, SUPERADMIN))["statistics"]
    assert data["sitesByKind"][0] == {
        "kind": "SUNFLOWER_HUT",
        "label": "向日葵亲子小屋",
        "count": 2,
    }
    assert data["sitesByDistrict"][0]["districtId"] == net.a.id
    y2022 = data["studentsFunded"][1]
    assert (y2022["year"], y2022["students"], y2022["totalAmount"]) == (2022, 2, "4300.50")
    assert y2022["byDistrict"][0] == {
        "districtId": net.a.id,
        "districtName": "思明区计生协",
        "students": 1,
        "totalAmount": "3500.50",
    }
    assert (data["communitiesLackingInstructors"], data["communitiesTotal"]) == (2, 3)
    assert data["totals"]["serviceSites"] == 4


async def test_statement_count_does_not_grow_with_data(
    database: Database, sql_counter: StatementCounter
) -> None:
    net = await build_network(database)
    sql_counter.reset()
    await _run(database, SUPERADMIN)
    small = sql_counter.count

    async with database.transaction(SYSTEM) as s:
        for i in range(5):
            community = await _organisation(
                s, f"新社区{i}", net.a_street, OrganisationLevel.COMMUNITY
            )
            s.add(
                ServiceSite(
                    name=f"暖心家园{i}", kind=SiteKind.WARM_HEART_HOME, organisation_id=community.id
                )
            )
            student = await _student(s, community, f"新学生{i}")
            s.add(_grant(student, 2021 + i % 3, "100.00"))
    sql_counter.reset()
    data = (await _run(database, SUPERADMIN))["statistics"]
    assert data["communitiesTotal"] == 8
    assert sql_counter.count == small
    assert small <= 12  # BEGIN + districts + one or two per figure + ROLLBACK
