"""Names sort and are found the way Chinese users expect: pinyin order, spelling and initials.

The ordering and the ``pinyin`` filter run through GraphQL on SQLite and PostgreSQL;
the sort key's rules (surnames, tones, prefixes) are checked on the key itself.
"""

from __future__ import annotations

import random
from typing import Any

import sqlalchemy as sa

from hongfan import crud
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import Organisation, ScholarshipStudent
from models.pinyin import pinyin_query, search_text, sort_key
from tests import factories
from tests.graph.conftest import data_of

# Surnames a Xiamen list would hold, shuffled; Excel's and WPS's pinyin sort gives this order.
EXCEL_ORDER = [
    "蔡测试",
    "陈测试",
    "单测试",
    "洪测试",
    "黄测试",
    "李测试",
    "林测试",
    "刘测试",
    "卢测试",
    "吴测试",
    "叶测试",
    "曾测试",
]


def test_surnames_sort_in_excel_pinyin_order_not_code_point_order() -> None:
    # Given names in code-point order (刘 卢 叶 吴 … as the database sorted them before)
    shuffled = sorted(EXCEL_ORDER)
    assert shuffled != EXCEL_ORDER

    # When they are sorted by their pinyin key
    ordered = sorted(shuffled, key=lambda n: sort_key(n, "person") or "")

    # Then they come in pinyin order: 蔡 cai, 陈 chen, 单 shan (a surname) … 曾 zeng (a surname)
    assert ordered == [
        "蔡测试",
        "陈测试",
        "洪测试",
        "黄测试",
        "李测试",
        "林测试",
        "刘测试",
        "卢测试",
        "单测试",
        "吴测试",
        "叶测试",
        "曾测试",
    ]


def test_polyphonic_surnames_are_read_as_surnames_but_not_in_place_names() -> None:
    assert search_text("单雄信", "person") == "shanxiongxin sxx"
    assert search_text("曾国藩", "person") == "zengguofan zgf"
    assert search_text("解缙", "person") == "xiejin xj"
    assert search_text("仇英", "person") == "qiuying qy"
    assert search_text("尉迟恭", "person") == "yuchigong ycg"
    # An organisation's name is not a person's: 单位 stays dan
    assert search_text("单位", "text") == "danwei dw"


def test_a_syllable_sorts_before_its_longer_neighbours_and_tones_in_order() -> None:
    # 李 li3 < 李安 li3an1 < 林 lin2 (li is a prefix of lin); 妈 ma1 < 麻 ma2 < 马 ma3 < 骂 ma4
    assert sorted(["林", "李安", "李"], key=sort_key) == ["李", "李安", "林"]
    assert sorted(["骂", "马", "妈", "麻"], key=sort_key) == ["妈", "麻", "马", "骂"]


def test_typed_pinyin_is_normalised_and_anything_else_is_not_pinyin() -> None:
    assert pinyin_query("Liu Ce") == "liuce"
    assert pinyin_query("xi'an") == "xian"
    assert pinyin_query("nü") == "nv"
    assert pinyin_query("刘") is None
    assert pinyin_query("3502") is None
    assert pinyin_query("x" * 101) is None


NAMES_QUERY = """query($filter: ScholarshipStudentFilter) {
  scholarshipStudents(filter: $filter, orderBy: [{name: ASC}], first: 50) { edges { node { name } } }
}"""


async def _students(database: Database, names: list[str]) -> list[ScholarshipStudent]:
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市计生协")
        home = await factories.organisation(session, "湖里区计生协", city)
        return [await factories.student(session, home, name) for name in names]


async def test_graphql_lists_students_in_pinyin_order_on_both_databases(
    database: Database, run: Any
) -> None:
    # Given students added in a random order, some with Latin letters and polyphonic surnames
    names = [*EXCEL_ORDER, "Anna王", "李", "李安", "林一"]
    random.Random(7).shuffle(names)
    await _students(database, names)

    # When a superadmin lists them ordered by name
    result = data_of(await run(NAMES_QUERY))
    listed = [e["node"]["name"] for e in result["scholarshipStudents"]["edges"]]

    # Then the order is the pinyin order, the same on SQLite and PostgreSQL
    assert listed == sorted(names, key=lambda n: sort_key(n, "person") or "")
    assert (
        listed.index("蔡测试")
        < listed.index("陈测试")
        < listed.index("刘测试")
        < listed.index("曾测试")
    )


async def test_graphql_pinyin_filter_finds_by_initials_and_full_spelling(
    database: Database, run: Any
) -> None:
    # Given 刘测试一 among other students
    await _students(database, ["刘测试一", "王测试二", "单测试三", "刘明"])

    async def found(text: str) -> list[str]:
        result = data_of(await run(NAMES_QUERY, {"filter": {"name": {"pinyin": text}}}))
        return [e["node"]["name"] for e in result["scholarshipStudents"]["edges"]]

    # Then initials, full pinyin (any case, with spaces) and a surname's name reading find them
    assert await found("lcs") == ["刘测试一"]
    assert await found("Liu Ce Shi") == ["刘测试一"]
    assert await found("liu") == ["刘测试一", "刘明"]
    assert await found("shance") == ["单测试三"]
    # And what is not pinyin matches nothing rather than everything
    assert await found("刘") == []


async def test_renaming_through_crud_refreshes_the_sort_key(database: Database) -> None:
    # Given a student named 刘测试
    [student] = await _students(database, ["刘测试"])

    # When an editor renames her 曾测试
    async with database.transaction(SYSTEM) as session:
        await crud.update(session, ScholarshipStudent, student.id or 0, None, {"name": "曾测试"})

    # Then her stored key and search text follow the new name
    async with database.session(SYSTEM) as session:
        key, search = (
            await session.execute(
                sa.select(
                    ScholarshipStudent.name_pinyin, ScholarshipStudent.name_pinyin_search
                ).where(  # type: ignore[attr-defined]
                    ScholarshipStudent.id == student.id  # type: ignore[arg-type]
                )
            )
        ).one()
    assert key == "zeng1ce4shi4 曾测试"
    assert search == "zengceshi zcs"


async def test_an_orm_rename_also_refreshes_the_key(database: Database) -> None:
    async with database.transaction(SYSTEM) as session:
        org = await factories.organisation(session, "单位计生协")
        assert org.name_pinyin.startswith("dan1wei4")  # type: ignore[attr-defined]
    async with database.transaction(SYSTEM) as session:
        row = (
            await session.execute(sa.select(Organisation).where(Organisation.id == org.id))
        ).scalar_one()  # type: ignore[arg-type]
        row.name = "曾厝垵社区"
    async with database.session(SYSTEM) as session:
        row = (
            await session.execute(sa.select(Organisation).where(Organisation.id == org.id))
        ).scalar_one()  # type: ignore[arg-type]
        assert row.name_pinyin_search == "cengcuoanshequ ccasq"  # type: ignore[attr-defined]
