"""The dashboard's figures come from tallies kept with the data: after any mix of writes they
equal the full aggregate over the records, for every caller, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hongfan import crud
from hongfan.cli import main
from hongfan.db import Database
from hongfan.errors import HongfanError
from hongfan.principal import ANONYMOUS, SYSTEM, Principal, Role
from hongfan.settings import Settings
from hongfan.statistics import Figures
from models import (
    Company,
    Course,
    Enrolment,
    Grant,
    Internship,
    InternshipStatus,
    Organisation,
    ScholarshipStudent,
    ServiceSite,
    SiteKind,
)
from models.rollup import rollup_table
from models.tallies import rebuild, roster_table, tally_table, trigger_ddl
from tests import factories

SUPERADMIN = Principal(kind="user", actor="t:admin", role=Role.SUPERADMIN)
NAMES = ["测试甲", "测试乙", "测试丙"]


async def snapshot(db: Database, principal: Principal, *, tallies: bool) -> dict[str, Any]:
    """Every figure the statistics offer, as plain values."""
    async with db.transaction(principal) as session:
        f = Figures(principal, session.execute, tallies=tallies)
        funded = await f.students_funded()
        return {
            "totals": await f.totals(),
            "sites_by_kind": {k: n for k, n in (await f.sites_by_kind()).items() if n},
            "sites_by_district": {
                d.id: {k: n for k, n in kinds.items() if n}
                for d, kinds in (await f.sites_by_district()).items()
            },
            "students_funded": funded,
            "one_year": [await f.students_funded(y.year) for y in funded[:1]],
            "by_district": await f.students_funded_by_district(),
            "internships": {k: n for k, n in (await f.internships_by_status()).items() if n},
            "communities": await f.communities(),
            # the dashboard's list (who has none, who has one), against the full count's
            "lacking": (
                await f.lacking_communities()
                if tallies
                else [c for c in await f.communities() if c.lacking]
            ),
        }


async def callers(db: Database) -> list[Principal]:
    """A superadmin, an org admin of a district, an editor of a district and one of a street
    (at their current paths: each reads its subtree and the published rows elsewhere), a
    partner and the public (the published rows)."""
    async with db.transaction(SYSTEM) as session:
        rows = await session.execute(
            sa.select(Organisation.id, Organisation.path)
            .where(  # type: ignore[call-overload]
                Organisation.level.in_(["district", "street"])  # type: ignore[attr-defined]
            )
            .order_by(Organisation.level, Organisation.id)  # type: ignore[arg-type]
        )
        bound = [
            Principal(
                kind="user", actor="t", role=Role.EDITOR, organisation_id=i, organisation_path=p
            )
            for i, p in rows.all()
        ]
        company = (await session.execute(sa.select(sa.func.min(Company.id)))).scalar_one()
    admin = dataclasses.replace(bound[0], role=Role.ORG_ADMIN)
    partner = Principal(kind="user", actor="t:p", role=Role.PARTNER, company_id=company)
    return [SUPERADMIN, admin, bound[0], bound[-1], partner, ANONYMOUS]


async def assert_tallies_exact(db: Database) -> None:
    for principal in await callers(db):
        assert await snapshot(db, principal, tallies=True) == await snapshot(
            db, principal, tallies=False
        ), principal


class Skip(Exception):
    """The random pick is soft-deleted: try another step."""


async def live(session: Any, model: type[Any], record_id: int) -> Any:
    record = await session.get(model, record_id)
    if record is None:
        raise Skip
    return record


class Writer:
    """Random writes through the one write path, as the system."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids: dict[type[Any], list[int]] = {}

    def pick(self, model: type[Any]) -> int:
        return self.rng.choice(self.ids[model])

    def keep(self, record: Any) -> Any:
        self.ids.setdefault(type(record), []).append(record.id)
        return record

    async def network(self, session: Any) -> None:
        city = self.keep(await factories.organisation(session, "测试市"))
        for d in range(2):
            district = self.keep(await factories.organisation(session, f"区{d}", city))
            for s in range(2):
                street = self.keep(
                    await factories.organisation(session, f"街道{d}{s}", district, level="street")
                )
                for c in range(2):
                    self.keep(
                        await factories.organisation(
                            session, f"社区{d}{s}{c}", street, level="community"
                        )
                    )
            self.keep(await factories.company(session, district))

    async def step(self, session: Any) -> None:
        rng = self.rng
        org = await live(session, Organisation, self.pick(Organisation))
        action = rng.randrange(13)
        if action == 0:
            self.keep(await factories.site(session, org, kind=rng.choice(list(SiteKind)).value))
        elif action == 1:
            self.keep(await factories.student(session, org))
        elif action == 2 and ScholarshipStudent in self.ids:
            student = await live(session, ScholarshipStudent, self.pick(ScholarshipStudent))
            amount = f"{rng.randint(1, 3000)}.{rng.randint(0, 99):02d}"
            self.keep(
                await factories.grant(session, student, amount, year=rng.choice([2022, 2023]))
            )
        elif action == 3 and ScholarshipStudent in self.ids:
            student = await live(session, ScholarshipStudent, self.pick(ScholarshipStudent))
            company = await live(session, Company, self.pick(Company))
            status = rng.choice(list(InternshipStatus)).value
            self.keep(await factories.internship(session, student, company, status=status))
        elif action == 4:
            category = rng.choice(["instructor_training", "parenting"])
            self.keep(await factories.course(session, org, category=category))
        elif action == 5 and Course in self.ids:
            course = await live(session, Course, self.pick(Course))
            status = rng.choice(["qualified", "qualified", "enrolled"])
            self.keep(
                await factories.enrolment(session, course, org, rng.choice(NAMES), status=status)
            )
        elif action in (6, 7):
            await self.change(session, org)
        elif action in (9, 12):
            await self.publish(session)
        elif action == 8:
            model = rng.choice(list(self.ids))
            await crud.delete(session, model, self.pick(model))
        else:
            model = rng.choice(list(self.ids))
            await crud.restore(session, model, self.pick(model))

    async def publish(self, session: Any) -> None:
        """Publish or unpublish a record of a public type: who reads it changes."""
        model = self.rng.choice(
            [m for m in (Organisation, ServiceSite, Course, Company) if m in self.ids]
        )
        published = self.rng.random() < 0.5
        await crud.update(session, model, self.pick(model), None, {"published": published})

    async def change(self, session: Any, org: Organisation) -> None:
        rng = self.rng
        model = rng.choice(
            [
                m
                for m in (
                    ServiceSite,
                    Internship,
                    Grant,
                    ScholarshipStudent,
                    Enrolment,
                    Course,
                    Organisation,
                )
                if m in self.ids
            ]
        )
        changes: dict[type[Any], dict[str, Any]] = {
            ServiceSite: {"kind": rng.choice(list(SiteKind)).value, "organisation_id": org.id},
            Internship: {"status": rng.choice(list(InternshipStatus)).value},
            Grant: {"year": rng.choice([2022, 2023]), "amount": Decimal(rng.randint(1, 500))},
            ScholarshipStudent: {"organisation_id": org.id},  # its grants and internships follow
            Enrolment: {
                "status": rng.choice(["qualified", "dropped"]),
                "name": rng.choice(NAMES),
                "organisation_id": org.id,
            },
            Course: {
                "category": rng.choice(["instructor_training", "parenting"]),
                "organisation_id": org.id,
            },
            Organisation: {"parent_id": org.id},  # a move: cycles and root moves are refused
        }
        data = dict(rng.sample(sorted(changes[model].items()), rng.randint(1, len(changes[model]))))
        await crud.update(session, model, self.pick(model), None, data)


async def kept_tallies(db: Database, figure: str | None = None) -> set[tuple[Any, ...]]:
    async with db.transaction(SYSTEM) as session:
        statement = sa.select(tally_table).where(tally_table.c.n != 0)
        if figure is not None:
            statement = statement.where(tally_table.c.figure == figure)
        rows = await session.execute(statement)
        found = {tuple(r) for r in rows.all()}
        roster = await session.execute(sa.select(roster_table).where(roster_table.c.n != 0))
        rollup = await session.execute(
            sa.select(rollup_table).where(sa.or_(rollup_table.c.n != 0, rollup_table.c.amount != 0))
        )
        kept = {("roster", *r) for r in roster.all()} | {("rollup", *r) for r in rollup.all()}
        return found | kept if figure is None else found


async def test_statistics_from_tallies_equal_the_full_aggregate_after_random_writes(
    database: Database,
) -> None:
    """Given a network, when random creates, changes, moves, publications and withdrawals,
    deletes and restores are made (one request failing half-way), then every figure read
    from the tallies equals the aggregate over the records for a superadmin, a district org
    admin and editor and a street editor (their scope plus what is published elsewhere), a
    partner and the public — and recomputing the tallies from scratch finds what the
    triggers kept."""
    writer = Writer(random.Random(16))
    async with database.transaction(SYSTEM) as session:
        await writer.network(session)
    for batch in range(3):
        done = 0
        while done < 14:
            try:
                async with database.transaction(SYSTEM) as session:
                    await writer.step(session)
                    done += 1
                    if batch == 1 and done == 5:
                        raise RuntimeError(
                            "a failed request: its writes and tallies roll back together"
                        )
            except (HongfanError, RuntimeError, Skip):
                continue
        await assert_tallies_exact(database)
    assert await kept_tallies(database, "published_site_kind"), "publications were tallied"
    before = await kept_tallies(database)
    async with database.transaction(SYSTEM) as session:
        for statement in rebuild(database.dialect):
            await session.execute(sa.text(statement))
    assert await kept_tallies(database) == before


async def test_district_figures_stay_exact_when_a_district_moves_into_another_and_a_community_is_deleted(
    database: Database,
) -> None:
    """Given a network whose communities hold sites, students and grants, when — behind the
    application's back, by ``UPDATE``s typed into ``psql``, since the admin refuses both — a
    community holding rows is soft-deleted and a district is moved under another's street
    (then back), and an unpublished community's site is published, then every caller's
    figures — read from the roll-up — still equal the aggregate over the records after each step: a
    row counts once, in the outermost district its caller sees, never under a deleted
    organisation, and its move carries its whole subtree's figures along."""
    writer = Writer(random.Random(7))
    async with database.transaction(SYSTEM) as session:
        await writer.network(session)
        for org_id in writer.ids[Organisation][3:]:
            org = await session.get(Organisation, org_id)
            writer.keep(await factories.site(session, org, published=org_id % 2 == 0))
            student = writer.keep(await factories.student(session, org))
            writer.keep(await factories.grant(session, student, "12.34", year=2023))
    orgs = writer.ids[
        Organisation
    ]  # city, district 0, its streets and communities, district 1, ...
    districts = [orgs[1], orgs[8]]
    street = orgs[2]
    community = orgs[3]
    steps: list[tuple[type[Any], int, dict[str, Any] | None]] = [
        (Organisation, community, None),  # soft-deleted, its rows stay live
        (ServiceSite, writer.ids[ServiceSite][1], {"published": True}),
        (Organisation, districts[1], {"parent_id": street}),  # a district inside another
        (Organisation, districts[1], {"parent_id": orgs[0]}),  # and back under the city
    ]
    table = Organisation.__table__  # type: ignore[attr-defined]
    for model, record_id, data in steps:
        async with database.transaction(SYSTEM) as session:
            if data is None:
                await session.execute(
                    sa.update(table)
                    .where(table.c.id == record_id)
                    .values(deleted_at=sa.func.current_timestamp())
                )
            elif model is Organisation:  # the admin refuses a district under a street
                old = (await session.get(Organisation, record_id)).path  # type: ignore[union-attr]
                parent = (await session.get(Organisation, data["parent_id"])).path  # type: ignore[union-attr]
                await session.execute(
                    sa.update(table)
                    .where(table.c.path.like(old + "%"))
                    .values(
                        path=sa.literal(f"{parent}{record_id}/")
                        + sa.func.substr(table.c.path, len(old) + 1)
                    )
                )
                await session.execute(
                    sa.update(table)
                    .where(table.c.id == record_id)
                    .values(parent_id=data["parent_id"])
                )
            else:
                await crud.update(session, model, record_id, None, data)
        await assert_tallies_exact(database)
    before = await kept_tallies(database)
    async with database.transaction(SYSTEM) as session:
        for statement in rebuild(database.dialect):
            await session.execute(sa.text(statement))
    assert await kept_tallies(database) == before


def test_a_migrated_database_keeps_tallies_and_db_retally_recomputes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given a database built by the migrations (their frozen triggers), writes are tallied;
    when the tallies are lost (a load with triggers off), ``hongfan db retally`` restores them."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'retally.db'}"
    monkeypatch.setenv("HONGFAN_DATABASE_URL", url)
    monkeypatch.setenv("HONGFAN_LANG", "en")
    assert main(["db", "upgrade"]) == 0

    async def go(work: Any) -> Any:
        db = Database(Settings(database_url=url, secret_key="x"))
        try:
            return await work(db)
        finally:
            await db.dispose()

    async def seed(db: Database) -> None:
        async with db.transaction(SYSTEM) as s:
            city = await factories.organisation(s, "测试市")
            district = await factories.organisation(s, "测试区", city)
            await factories.site(s, district)
            await factories.grant(s, await factories.student(s, district), "10.50")

    async def totals(db: Database) -> dict[str, int]:
        async with db.session(SUPERADMIN) as s:
            return await Figures(SUPERADMIN, s.execute).totals()

    async def wipe(db: Database) -> None:
        async with db.transaction(SYSTEM) as s:
            await s.execute(sa.delete(tally_table))
            await s.execute(sa.delete(rollup_table))

    async def triggers(db: Database) -> set[str]:
        async with db.transaction(SYSTEM) as s:
            rows = await s.execute(
                sa.text(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tally_%'"
                )
            )
            return {r[0] for r in rows.all()}

    # the migrations' frozen triggers are the ones the models build (tally and roll-up)
    assert asyncio.run(go(triggers)) == {
        s for s in trigger_ddl("sqlite") if s.startswith("CREATE TRIGGER")
    }
    asyncio.run(go(seed))
    expected = {
        "organisations": 2,
        "service_sites": 1,
        "courses": 0,
        "scholarship_students": 1,
        "companies": 0,
        "internships": 0,
    }
    assert asyncio.run(go(totals)) == expected
    asyncio.run(go(wipe))
    assert asyncio.run(go(totals))["organisations"] == 0
    capsys.readouterr()
    assert main(["db", "retally"]) == 0
    assert "Statistics recomputed" in capsys.readouterr().out
    assert asyncio.run(go(totals)) == expected
