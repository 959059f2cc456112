"""An organisation import's preview refuses what its commit would refuse: the level rule
(hongfan.levels) over the whole file — blank-level organisations compared through, the
file's own new organisations included, and the levels below an organisation the file
re-levels or moves — naming the row and the organisation in the way, in the importer's
language. A tester's file (a blank-level organisation under a street, a district under
that) previewed with no errors and then failed on commit. A level shows by its label."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from hongfan import crud
from hongfan.db import Database
from hongfan.principal import Principal, system
from hongfan.transfer import ImportResult, commit_import, preview_import
from hongfan.transfer.report import Change
from hongfan.transfer.sheets import Table
from models import Organisation
from tests import factories
from tests.test_imports import editor

SYSTEM = system("test")
HEADERS = ["名称", "类型", "层级", "上级组织", "区划代码"]


@dataclass
class World:
    huli: Organisation  # 厦门市/湖里区, a district
    dianqian: Organisation  # 厦门市/湖里区/殿前街道, a street


@pytest.fixture
async def world(database: Database) -> World:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        huli = await factories.organisation(s, "湖里区", city)
        dianqian = await factories.organisation(s, "殿前街道", huli, level="street")
        await factories.organisation(s, "高林社区", dianqian, level="community")
    return World(huli, dianqian)  # type: ignore[arg-type]


def street_added_before_write(
    monkeypatch: pytest.MonkeyPatch, database: Database, under: Organisation
) -> None:
    """Someone creates 新街道 (a street) under ``under`` after the import's check and before
    its write: the write, not the check, must refuse what that makes wrong."""
    from hongfan.transfer import importing

    real_write = importing.write_checked

    async def someone_adds_a_street_first(session: Any, *args: Any, **kwargs: Any) -> Any:
        async with database.transaction(SYSTEM) as other:
            await factories.organisation(other, "新街道", under, level="street")
        return await real_write(session, *args, **kwargs)

    monkeypatch.setattr(importing, "write_checked", someone_adds_a_street_first)


def table(*rows: list[Any]) -> Table:
    return Table(HEADERS, [[*r, *[None] * (len(HEADERS) - len(r))] for r in rows])


async def names_and_levels(database: Database) -> dict[str, str | None]:
    async with database.session(SYSTEM) as s:
        found = await s.execute(sa.select(Organisation.name, Organisation.level))
        return {name: (str(level) if level else None) for name, level in found.all()}


async def preview_then_commit(
    database: Database, file: Table, principal: Principal = SYSTEM
) -> tuple[list[tuple[int, str, str, str]], ImportResult]:
    """The preview's errors as (row, column, code, message), and what the commit then did —
    which must agree with the preview."""
    before = await names_and_levels(database)
    preview = await preview_import(database, principal, "organisations", file)
    result = await commit_import(database, principal, "organisations", file)
    assert result.committed == preview.ok, (preview.errors, result.errors)
    if not result.committed:
        assert await names_and_levels(database) == before
    return [(row, e.column, e.code, e.message) for row, e in preview.errors], result


async def test_a_district_under_a_blank_level_organisation_under_a_street_is_refused_in_the_preview(
    database: Database, world: World
) -> None:
    """Given 殿前街道, a street (and 测试站, an existing blank-level organisation under it), when
    a file creates a blank-level one under 殿前街道 and a district under that — or a district
    under 测试站 — then the preview already refuses the district's row, naming 殿前街道 and its
    level by its label, in Chinese; the commit refuses the same file and writes nothing."""
    async with database.transaction(SYSTEM) as s:
        await factories.organisation(s, "测试站", world.dianqian, level=None)
    same_file = table(
        ["测试层级", "计生协", None, "厦门市/湖里区/殿前街道"],
        ["测试假区", "计生协", "区", "厦门市/湖里区/殿前街道/测试层级"],
    )
    errors, _result = await preview_then_commit(database, same_file)
    assert errors == [
        (3, "层级", "level_under_parent", "层级须低于上级组织（上级“殿前街道”为街道/镇）")
    ]

    existing = table(["测试假区", "计生协", "区", "厦门市/湖里区/殿前街道/测试站"])
    errors, _result = await preview_then_commit(database, existing)
    assert errors == [
        (2, "层级", "level_under_parent", "层级须低于上级组织（上级“殿前街道”为街道/镇）")
    ]

    # a community there is fine, through the blank-level one as well
    fine = table(
        ["测试层级", "计生协", None, "厦门市/湖里区/殿前街道"],
        ["测试社区", "计生协", "社区", "厦门市/湖里区/殿前街道/测试层级"],
    )
    errors, result = await preview_then_commit(database, fine)
    assert errors == [] and result.created == 2


async def test_in_english_the_message_names_the_level_in_english(
    database: Database, world: World
) -> None:
    """Given an editor of 湖里区 who works in English, when her file puts a district under a
    blank-level organisation under 殿前街道, then the preview says so in English."""
    file = table(
        ["测试层级", "计生协", None, "殿前街道"],
        ["测试假区", "计生协", "区", "殿前街道/测试层级"],
    )
    errors, _result = await preview_then_commit(database, file, editor(world.huli, "en"))
    assert [(row, code, text) for row, _c, code, text in errors] == [
        (
            3,
            "level_under_parent",
            "The level must be below the parent's (殿前街道 is a Street or town)",
        )
    ]


async def test_an_organisation_the_file_re_levels_or_moves_keeps_the_levels_below_it_in_order(
    database: Database, world: World
) -> None:
    """Given 社区工作站, a blank-level organisation under 湖里区 with 测试社区 (a community) below
    it, and 片区办, a blank-level one under 湖里区 with 测试街道 (a street) below it, when a file
    makes 社区工作站 a community, or moves 片区办 (by its division code) under 殿前街道, then the
    preview refuses the row, naming the sub-unit or the street in the way, as the commit
    does; a soft-deleted community below counts as well."""
    async with database.transaction(SYSTEM) as s:
        station = await factories.organisation(s, "社区工作站", world.huli, level=None)
        await factories.organisation(s, "测试社区", station, level="community")
        office = await factories.organisation(
            s, "片区办", world.huli, level=None, code="350206999001"
        )
        await factories.organisation(s, "测试街道", office, level="street")
        hidden = await factories.organisation(s, "已撤销站", world.huli, level=None)
        gone = await factories.organisation(s, "已撤销社区", hidden, level="community")
        await crud.delete(s, Organisation, gone.id)

    relevel = table(["社区工作站", "计生协", "社区", "厦门市/湖里区"])
    errors, _result = await preview_then_commit(database, relevel)
    assert errors == [
        (2, "层级", "level_over_children", "层级须高于其下级组织（下级“测试社区”为社区/村）")
    ]

    move = table(["片区办", "计生协", None, "厦门市/湖里区/殿前街道", "350206999001"])
    errors, _result = await preview_then_commit(database, move)
    assert errors == [
        (2, "上级组织", "level_under_parent", "层级须低于上级组织（上级“殿前街道”为街道/镇）")
    ]

    deleted_below = table(["已撤销站", "计生协", "社区", "厦门市/湖里区"])
    errors, _result = await preview_then_commit(database, deleted_below)
    assert [(row, code) for row, _c, code, _t in errors] == [(2, "level_over_children")]


async def test_rows_of_one_file_are_checked_in_the_order_the_commit_writes_them(
    database: Database, world: World
) -> None:
    """Given 社区工作站 (blank level) under 湖里区 and 测试街道 (a street) straight under 厦门市,
    when a file makes 社区工作站 a community and creates a street under it, then the preview
    refuses the first row, naming the new street below it; and when a file makes 测试街道 a
    district and creates a street under it, the preview refuses the new street, as the
    commit does (it writes the new organisations first, then the changes)."""
    async with database.transaction(SYSTEM) as s:
        await factories.organisation(s, "社区工作站", world.huli, level=None)
        city = await s.get(Organisation, world.huli.parent_id)
        await factories.organisation(s, "测试街道", city, level="street")

    file = table(
        ["社区工作站", "计生协", "社区", "厦门市/湖里区"],
        ["新街道", "计生协", "街道", "厦门市/湖里区/社区工作站"],
    )
    errors, _result = await preview_then_commit(database, file)
    assert errors == [
        (2, "层级", "level_over_children", "层级须高于其下级组织（下级“新街道”为街道/镇）")
    ]

    file = table(
        ["测试街道", "计生协", "区", "厦门市"],
        ["新街道", "计生协", "街道", "厦门市/测试街道"],
    )
    errors, _result = await preview_then_commit(database, file)
    assert errors == [
        (3, "层级", "level_under_parent", "层级须低于上级组织（上级“测试街道”为街道/镇）")
    ]


async def test_the_preview_shows_a_new_level_by_its_label(database: Database, world: World) -> None:
    """Given 社区工作站 (blank level) under 殿前街道, when a file gives it the level 社区, then
    the preview's list of changes shows 社区/村 (Community or village in English), not the
    stored code "community"."""
    async with database.transaction(SYSTEM) as s:
        await factories.organisation(s, "社区工作站", world.dianqian, level=None)
    file = table(["社区工作站", "计生协", "社区", "厦门市/湖里区/殿前街道"])
    for principal, label in (
        (SYSTEM, "社区/村"),
        (editor(world.huli, "en"), "Community or village"),
    ):
        preview = await preview_import(database, principal, "organisations", file)
        assert preview.ok
        [outcome] = preview.changed_rows
        assert [c for c in outcome.changes if c.before == ""] == [Change("层级", "", label)], (
            outcome.changes
        )


async def test_a_sub_unit_created_between_check_and_write_is_refused_naming_the_row(
    database: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given 社区工作站 (blank level) under 湖里区 and a file making it a community, when
    someone creates a street under it after the check and before the write, then nothing is
    written and the error, filed under the file's row, names the street."""
    async with database.transaction(SYSTEM) as s:
        station = await factories.organisation(s, "社区工作站", world.huli, level=None)
    street_added_before_write(monkeypatch, database, station)
    file = table(["社区工作站", "计生协", "社区", "厦门市/湖里区"])
    result = await commit_import(database, SYSTEM, "organisations", file)
    assert not result.committed
    assert [(row, e.column, e.message) for row, e in result.errors] == [
        (2, "层级", "层级须高于其下级组织（下级“新街道”为街道/镇）")
    ]
    assert (await names_and_levels(database))["社区工作站"] is None
