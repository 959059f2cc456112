"""An organisation import that moves organisations: its preview refuses exactly what its
commit refuses, and a commit that fails names the row it failed on.

An outside tester found three faults: a file moving 禾山街道 under its own community
previewed with no errors and was then refused by the commit; a file moving 禾山街道 under
an organisation the same file creates previewed fine and then failed at commit with
关联记录不存在或无权访问; and an error found only at commit was filed under the file's
first row while its text named another (the CLI printed 第2行 第 3 行：…)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from hongfan.db import Database
from hongfan.principal import system
from hongfan.transfer import ImportResult, commit_import, preview_import
from hongfan.transfer.cli import _print_report
from hongfan.transfer.report import write_error_file
from hongfan.transfer.sheets import Table
from models import Organisation
from tests import factories
from tests.test_import_levels import street_added_before_write

SYSTEM = system("test")
HEADERS = ["名称", "类型", "层级", "上级组织", "区划代码"]
HESHAN_CODE = "350206003000"
CYCLE = "上级组织不能是自身或其下级"


@dataclass
class World:
    huli: Organisation  # 厦门市/湖里区, a district
    heshan: Organisation  # 厦门市/湖里区/禾山街道, a street (code 350206003000)
    community: Organisation  # 厦门市/湖里区/禾山街道/禾山社区


@pytest.fixture
async def world(database: Database) -> World:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        huli = await factories.organisation(s, "湖里区", city)
        heshan = await factories.organisation(s, "禾山街道", huli, code=HESHAN_CODE)
        community = await factories.organisation(s, "禾山社区", heshan)
    return World(huli, heshan, community)  # type: ignore[arg-type]


def table(*rows: list[Any]) -> Table:
    return Table(HEADERS, [[*r, *[None] * (len(HEADERS) - len(r))] for r in rows])


async def tree(database: Database) -> dict[str, tuple[str, str | None]]:
    """Every organisation's (path by names, level), by name."""
    async with database.session(SYSTEM) as s:
        found = (await s.execute(sa.select(Organisation))).scalars().all()
    names = {str(o.id): o.name for o in found}
    return {
        o.name: (
            "/".join(names[i] for i in o.path.strip("/").split("/")),
            str(o.level) if o.level else None,
        )
        for o in found
    }


async def preview_then_commit(
    database: Database, file: Table
) -> tuple[list[tuple[int, str, str, str]], ImportResult]:
    """The preview's errors as (row, column, code, message), and the commit's result — which
    must agree with the preview: written when it found nothing, else nothing written."""
    before = await tree(database)
    preview = await preview_import(database, SYSTEM, "organisations", file)
    result = await commit_import(database, SYSTEM, "organisations", file)
    assert result.committed == preview.ok, (preview.errors, result.errors)
    if not result.committed:
        assert await tree(database) == before
        assert [(r, e.column, e.message) for r, e in result.errors] == [
            (r, e.column, e.message) for r, e in preview.errors
        ]
    return [(row, e.column, e.code, e.message) for row, e in preview.errors], result


async def test_moving_an_organisation_under_itself_or_its_own_sub_unit_is_refused_in_the_preview(
    database: Database, world: World
) -> None:
    """Given 禾山街道 (code 350206003000) with 禾山社区 below it, when a file moves 禾山街道
    under 禾山社区 — or under itself — then the preview refuses that row on 上级组织 with the
    message the commit gives (上级组织不能是自身或其下级), and nothing is written."""
    under_child = table(
        ["禾山街道", "计生协", "街道", "厦门市/湖里区/禾山街道/禾山社区", HESHAN_CODE]
    )
    errors, _result = await preview_then_commit(database, under_child)
    assert errors == [(2, "上级组织", "cycle", CYCLE)]

    under_itself = table(["禾山街道", "计生协", "街道", "厦门市/湖里区/禾山街道", HESHAN_CODE])
    errors, _result = await preview_then_commit(database, under_itself)
    assert errors == [(2, "上级组织", "cycle", CYCLE)]


async def test_a_move_under_what_the_same_file_placed_below_it_is_refused_in_the_preview(
    database: Database, world: World
) -> None:
    """Given 片区办 and 工作站, two organisations with no level side by side under 湖里区, when
    a file first moves 工作站 under 片区办 and then 片区办 under 工作站 — or creates 新站 under
    禾山街道 and moves 禾山街道 under 新站 — then the preview refuses the second move, as the
    commit would (it writes the new organisations first, then the moves in file order)."""
    async with database.transaction(SYSTEM) as s:
        await factories.organisation(s, "片区办", world.huli, level=None, code="350206999001")
        await factories.organisation(s, "工作站", world.huli, level=None, code="350206999002")
    swap = table(
        ["工作站", "计生协", None, "厦门市/湖里区/片区办", "350206999002"],
        ["片区办", "计生协", None, "厦门市/湖里区/工作站", "350206999001"],
    )
    errors, _result = await preview_then_commit(database, swap)
    assert errors == [(3, "上级组织", "cycle", CYCLE)]

    under_new = table(
        ["新站", "计生协", None, "厦门市/湖里区/禾山街道"],
        ["禾山街道", "计生协", "街道", "厦门市/湖里区/禾山街道/新站", HESHAN_CODE],
    )
    errors, _result = await preview_then_commit(database, under_new)
    assert errors == [(3, "上级组织", "cycle", CYCLE)]


async def test_an_organisation_moves_under_one_the_same_file_creates(
    database: Database, world: World
) -> None:
    """Given 禾山街道 (with 禾山社区) under 湖里区, when a file creates 新空白N (no level) under
    湖里区 and moves 禾山街道 under it, then the preview finds nothing wrong and the commit
    writes both: 禾山街道 and its community now sit under 新空白N, their levels unchanged."""
    file = table(
        ["新空白N", "计生协", None, "厦门市/湖里区"],
        ["禾山街道", "计生协", "街道", "厦门市/湖里区/新空白N", HESHAN_CODE],
    )
    errors, result = await preview_then_commit(database, file)
    assert errors == []
    assert (result.created, result.updated) == (1, 1)
    after = await tree(database)
    assert after["新空白N"] == ("厦门市/湖里区/新空白N", None)
    assert after["禾山街道"] == ("厦门市/湖里区/新空白N/禾山街道", "street")
    assert after["禾山社区"] == ("厦门市/湖里区/新空白N/禾山街道/禾山社区", "community")
    async with database.session(SYSTEM) as s:
        moved = await s.get(Organisation, world.heshan.id)
        assert moved is not None and moved.parent_id == result.rows[0].record_id


async def test_an_error_found_only_at_commit_is_filed_under_the_row_it_is_about(
    database: Database, world: World, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Given a file whose row 2 creates 新站 and whose row 3 makes 社区工作站 (no level) a
    community, when someone creates a street under 社区工作站 after the check and before the
    write, then nothing is written and the error sits on row 3 (not row 2), in the 层级
    column: the CLI prints the row once, and the error file marks row 3 only."""
    async with database.transaction(SYSTEM) as s:
        station = await factories.organisation(s, "社区工作站", world.huli, level=None)
    street_added_before_write(monkeypatch, database, station)
    file = table(
        ["新站", "计生协", None, "厦门市/湖里区"],
        ["社区工作站", "计生协", "社区", "厦门市/湖里区"],
    )
    result = await commit_import(database, SYSTEM, "organisations", file)
    assert not result.committed
    text = "层级须高于其下级组织（下级“新街道”为街道/镇）"
    assert [(row, e.column, e.message) for row, e in result.errors] == [(3, "层级", text)]
    assert (result.failed, [r.ok for r in result.rows]) == (1, [True, False])
    assert "新站" not in await tree(database)

    _print_report(result, "zh", dry_run=False)
    printed = capsys.readouterr().out
    assert f"  第3行 层级：{text}\n" in printed and "第 3 行" not in printed

    target = io.BytesIO()
    write_error_file(target, file.headers, file.rows, file.row_numbers, result.rows)
    sheet = openpyxl.load_workbook(io.BytesIO(target.getvalue())).active
    assert sheet is not None
    marks = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert marks == [None, f"层级：{text}"]
