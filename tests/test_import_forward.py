"""An organisation import whose rows name, as 上级组织, an organisation a later row of the
same file creates: the file order does not matter, and a loop of new organisations is
refused naming a row.

An outside tester's file moved 蜂巢山社区 (matched by its 区划代码) under
厦门市/思明区/测试T2新乙 in row 2 and created 测试T2新乙 in row 3: the preview refused row 2
with 找不到…，相近的有：厦门市/思明区/测试T2新甲 — pointing at the wrong organisation — while
the same rows swapped went through."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hongfan.db import Database
from models import Organisation
from tests import factories
from tests.test_import_moves import SYSTEM, preview_then_commit, table, tree

FENGCHAO_CODE = "350203001001"


@dataclass
class World:
    siming: Organisation  # 厦门市/思明区, a district
    street: Organisation  # 厦门市/思明区/中华街道
    fengchao: Organisation  # 厦门市/思明区/中华街道/蜂巢山社区 (code 350203001001)


@pytest.fixture
async def world(database: Database) -> World:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        siming = await factories.organisation(s, "思明区", city)
        street = await factories.organisation(s, "中华街道", siming)
        fengchao = await factories.organisation(s, "蜂巢山社区", street, code=FENGCHAO_CODE)
        await factories.organisation(s, "测试T2新甲", siming, level=None)
    return World(siming, street, fengchao)  # type: ignore[arg-type]


MOVE = ["蜂巢山社区", "计生协", "社区", "厦门市/思明区/测试T2新乙", FENGCHAO_CODE]
CREATE = ["测试T2新乙", "计生协", None, "厦门市/思明区"]


@pytest.mark.parametrize("order", ["move first", "create first"])
async def test_a_move_under_an_organisation_a_later_row_creates_goes_through(
    database: Database, world: World, order: str
) -> None:
    """Given 蜂巢山社区 (code 350203001001) under 中华街道 and 测试T2新甲 under 思明区, when a
    file moves 蜂巢山社区 under 厦门市/思明区/测试T2新乙 and creates 测试T2新乙 under 思明区 —
    the move in row 2 and the creation in row 3, or the other way round — then the preview
    finds nothing wrong and the commit puts 蜂巢山社区 under the new 测试T2新乙."""
    rows = [MOVE, CREATE] if order == "move first" else [CREATE, MOVE]
    errors, result = await preview_then_commit(database, table(*rows))
    assert errors == []
    assert (result.created, result.updated) == (1, 1)
    after = await tree(database)
    assert after["测试T2新乙"] == ("厦门市/思明区/测试T2新乙", None)
    assert after["蜂巢山社区"] == ("厦门市/思明区/测试T2新乙/蜂巢山社区", "community")
    assert after["测试T2新甲"] == ("厦门市/思明区/测试T2新甲", None)


async def test_new_organisations_under_ones_later_rows_create_are_written_parents_first(
    database: Database, world: World
) -> None:
    """Given 思明区, when a file creates 小组 under 思明区/新片区/新站, then 新站 under
    思明区/新片区, then 新片区 under 思明区 — each row naming one a later row creates — then
    the preview finds nothing wrong and the commit writes all three, each under its parent."""
    file = table(
        ["小组", "计生协", None, "厦门市/思明区/新片区/新站"],
        ["新站", "计生协", None, "厦门市/思明区/新片区"],
        ["新片区", "计生协", None, "厦门市/思明区"],
    )
    errors, result = await preview_then_commit(database, file)
    assert errors == []
    assert result.created == 3
    after = await tree(database)
    assert after["小组"] == ("厦门市/思明区/新片区/新站/小组", None)
    assert [r.record_id is not None for r in result.rows] == [True, True, True]


async def test_two_new_organisations_naming_each_other_as_parent_are_refused_naming_a_row(
    database: Database, world: World
) -> None:
    """Given 思明区, when a file creates 甲站 under 厦门市/思明区/乙站 and 乙站 under
    厦门市/思明区/甲站 — each the other's parent — then the preview refuses both rows on 上级组织,
    each naming the row that creates its parent, and nothing is written."""
    file = table(
        ["甲站", "计生协", None, "厦门市/思明区/乙站"],
        ["乙站", "计生协", None, "厦门市/思明区/甲站"],
    )
    errors, result = await preview_then_commit(database, file)
    assert not result.committed
    assert [(row, column, code) for row, column, code, _m in errors] == [
        (2, "上级组织", "import.parent_loop"),
        (3, "上级组织", "import.parent_loop"),
    ]
    assert "第3行" in errors[0][3] and "第2行" in errors[1][3]
    assert "甲站" not in await tree(database)

    itself = table(["丙站", "计生协", None, "厦门市/思明区/丙站"])
    errors, _result = await preview_then_commit(database, itself)
    assert [(row, code) for row, _c, code, _m in errors] == [(2, "import.parent_loop")]
    assert "第2行" in errors[0][3]
