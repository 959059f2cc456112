"""An organisation sits below its parent and above its sub-units: city → district → street →
community (levels may be skipped), on every write path — so no district ever lies inside
another, where the district figures would count its rows in one district and show the
other as empty (outside tester: 海沧区 moved under 湖里区 showed 0 sites on every dashboard,
and an editor could create a "district" under a community)."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import crud
from hongfan.db import Database
from hongfan.errors import Invalid
from hongfan.principal import SYSTEM
from models import Organisation
from tests import factories


async def test_a_level_out_of_order_is_refused_on_the_field_and_changes_nothing(
    database: Database,
) -> None:
    """Given 厦门市 → 湖里区 → 江头街道 → 江头社区 (and an organisation with no level under the
    street) and 海沧区, when someone creates a district under the street or under the
    blank-level one, moves 海沧区 under 湖里区, the street or the blank-level one, or makes the
    street a community while a community sits below it, then each is refused with a message on the field in
    Chinese naming the parent or sub-unit, and nothing changes; a community under the street,
    a street straight under the city's district and a move of a street to 海沧区 are fine."""
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        huli = await factories.organisation(s, "湖里区", city)
        haicang = await factories.organisation(s, "海沧区", city)
        street = await factories.organisation(s, "江头街道", huli, level="street")
        await factories.organisation(s, "江头社区", street, level="community")
        ids = {"city": city.id, "huli": huli.id, "haicang": haicang.id, "street": street.id}
        # a blank level is allowed, and compared through: what lies above it still counts
        blank = await factories.organisation(s, "测试无层级", street, level=None)
        ids["blank"] = blank.id

    refused = [
        (
            "create",
            {"name": "测试假区", "level": "district", "parent_id": ids["street"]},
            "parent_id",
        ),
        (
            "create",
            {"name": "测试假区", "level": "district", "parent_id": ids["blank"]},
            "parent_id",
        ),
        ("move", (ids["haicang"], {"parent_id": ids["blank"]}), "parent_id"),
        ("move", (ids["haicang"], {"parent_id": ids["huli"]}), "parent_id"),
        ("move", (ids["haicang"], {"parent_id": ids["street"]}), "parent_id"),
        ("move", (ids["street"], {"level": "community"}), "level"),
        ("move", (ids["huli"], {"level": "street"}), "level"),
    ]
    for kind, data, field in refused:
        with pytest.raises(Invalid) as raised:
            async with database.transaction(SYSTEM) as s:
                if kind == "create":
                    await crud.create(s, Organisation, dict(data))  # type: ignore[arg-type]
                else:
                    record_id, changes = data  # type: ignore[misc]
                    await crud.update(s, Organisation, record_id, None, changes)
        errors = raised.value.errors
        assert [e.field for e in errors] == [field], data
        assert "层级须" in errors[0].message and "“" in errors[0].message, errors[0].message

    async with database.session(SYSTEM) as s:
        haicang_now = await s.get(Organisation, ids["haicang"])
        assert haicang_now is not None and haicang_now.parent_id == ids["city"]
        street_now = await s.get(Organisation, ids["street"])
        assert street_now is not None and str(street_now.level) == "street"

    async with database.transaction(SYSTEM) as s:
        await crud.create(
            s, Organisation, {"name": "新社区", "level": "community", "parent_id": ids["street"]}
        )
        await crud.update(s, Organisation, ids["street"], None, {"parent_id": ids["haicang"]})


async def _waits_for_a_lock(database: Database, task: asyncio.Task[str]) -> bool:
    """True once some connection waits for a row lock (PostgreSQL's pg_stat_activity), False
    when ``task`` finished instead — or after 3 s."""
    deadline = asyncio.get_running_loop().time() + 3
    engine = database.engine.execution_options(isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:  # each look a fresh snapshot of the activity
        while not task.done() and asyncio.get_running_loop().time() < deadline:
            waiting = await connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
            if waiting:
                return True
            await asyncio.sleep(0.02)
    return False


@pytest.mark.parametrize("first", ["relevel", "add_street"])
async def test_re_levelling_an_organisation_while_a_street_is_created_under_it_lets_one_through(
    database: Database, first: str
) -> None:
    """Given 测试站, a blank-level organisation under 湖里区, when one request makes it a
    community (as GraphQL's updateOrganisation runs it) while another creates a street under
    it — the first still in its transaction when the second checks the levels — then the
    second waits for the first, and exactly one of them is written: never a street under a
    community (three of eight such races used to let both through)."""
    if database.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: two writes never overlap there")
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        huli = await factories.organisation(s, "湖里区", city)
        station = await factories.organisation(s, "测试站", huli, level=None)
    relevelled = {"level": "community"}
    street = {"name": "新街道", "level": "street", "parent_id": station.id}
    written, hold = asyncio.Event(), asyncio.Event()

    async def write(kind: str, holding: bool) -> str:
        async def action(session: AsyncSession) -> None:
            if kind == "relevel":
                await crud.update(session, Organisation, station.id, None, dict(relevelled))
            else:
                await crud.create(session, Organisation, dict(street))
            if holding:  # checked and written; the transaction stays open until told
                written.set()
                await hold.wait()

        one_statement = kind == "relevel" and crud.writes_one_statement(Organisation, relevelled)
        try:
            await database.write(SYSTEM, action, one_statement=one_statement)
        except Invalid as error:
            return error.errors[0].code
        return "written"

    second = "add_street" if first == "relevel" else "relevel"
    first_task = asyncio.create_task(write(first, holding=True))
    await asyncio.wait_for(written.wait(), 3)
    second_task = asyncio.create_task(write(second, holding=False))
    waited = await _waits_for_a_lock(database, second_task)
    hold.set()
    outcomes = {first: await first_task, second: await second_task}

    async with database.session(SYSTEM) as s:
        level = await s.scalar(sa.select(Organisation.level).where(Organisation.id == station.id))
        below = await s.scalars(
            sa.select(Organisation.name).where(Organisation.parent_id == station.id)
        )
        tree = (str(level) if level else None, list(below))
    assert tree in (("community", []), (None, ["新街道"])), (tree, outcomes)
    assert outcomes[first] == "written"
    assert outcomes[second] == (
        "level_under_parent" if second == "add_street" else "level_over_children"
    )
    assert waited, "the second write did not wait for the first"
