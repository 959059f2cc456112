"""A renamed record is found and sorted by its new name, whichever way it was written.

Every write path of a searched type (crud, spreadsheet import create and update, the
admin's bulk edit, restore, erasure) stores the pinyin sort key and search text that
:mod:`models.pinyin` computes from the name written.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hongfan import bulk_writes, crud, erasure
from hongfan.db import Database
from hongfan.principal import Principal, Role, system
from hongfan.transfer import commit_import
from hongfan.transfer.sheets import Table
from models import Company, ScholarshipStudent, pinyin
from models.base import Record
from tests import factories

SYSTEM = system("test")
SUPERADMIN = Principal(kind="user", actor="user:admin", role=Role.SUPERADMIN)


async def _stored(database: Database, model: type[Record], record_id: int) -> tuple[Any, ...]:
    table = model.__table__  # type: ignore[attr-defined]
    async with database.session(SYSTEM) as session:
        found = await session.execute(
            sa.select(table.c.name, table.c.name_pinyin, table.c.name_pinyin_search).where(
                table.c.id == record_id
            )
        )
        return tuple(found.one())


async def _assert_derived(
    database: Database, model: type[Record], record_id: int, name: str
) -> None:
    kind = pinyin.pinyin_kind(model.__table__.c.name)  # type: ignore[attr-defined]
    assert kind is not None
    expected = (name, pinyin.sort_key(name, kind), pinyin.search_text(name, kind))
    assert await _stored(database, model, record_id) == expected


async def test_a_student_renamed_by_any_write_path_is_found_and_sorted_by_the_new_name(
    database: Database,
) -> None:
    # Given a student written through crud
    async with database.transaction(SYSTEM) as s:
        home = await factories.organisation(s, "厦门市")
        student = await factories.student(s, home, "司马光")
    await _assert_derived(database, ScholarshipStudent, student.id, "司马光")
    # When it is renamed through crud's update
    async with database.transaction(SYSTEM) as s:
        await crud.update(s, ScholarshipStudent, student.id, None, {"name": "欧阳修"})
    await _assert_derived(database, ScholarshipStudent, student.id, "欧阳修")
    # When a spreadsheet import renames it (an update matched by its ID number)
    headers = ["姓名", "身份证号", "所在组织"]
    result = await commit_import(
        database,
        SUPERADMIN,
        "ScholarshipStudent",
        Table(headers, [["上官婉儿", student.id_number, "厦门市"]]),
    )
    assert result.committed, result.errors
    # Then its search text and sort key are the new name's
    await _assert_derived(database, ScholarshipStudent, student.id, "上官婉儿")
    # When a latin name is renamed by import
    async with database.transaction(SYSTEM) as s:
        await crud.update(s, ScholarshipStudent, student.id, None, {"name": "Ann Lee"})
    result = await commit_import(
        database,
        SUPERADMIN,
        "ScholarshipStudent",
        Table(headers, [["Bob Ray", student.id_number, "厦门市"]]),
    )
    assert result.committed, result.errors
    await _assert_derived(database, ScholarshipStudent, student.id, "Bob Ray")
    # When the admin's bulk edit renames it, then deletes and restores it
    async with database.transaction(SYSTEM) as s:
        await bulk_writes.bulk(s, ScholarshipStudent, "update", [student.id], {"name": "诸葛亮"})
    await _assert_derived(database, ScholarshipStudent, student.id, "诸葛亮")
    async with database.transaction(SYSTEM) as s:
        await bulk_writes.bulk(s, ScholarshipStudent, "delete", [student.id])
    async with database.transaction(SYSTEM) as s:
        await bulk_writes.bulk(s, ScholarshipStudent, "restore", [student.id])
    await _assert_derived(database, ScholarshipStudent, student.id, "诸葛亮")
    # When the student is erased, the placeholder name's pinyin is stored
    async with database.transaction(SYSTEM) as s:
        erased = await erasure.anonymise(s, ScholarshipStudent, student.id)
    await _assert_derived(database, ScholarshipStudent, student.id, erased.name)


async def test_students_and_companies_created_or_renamed_by_import_carry_their_names_pinyin(
    database: Database,
) -> None:
    # Given a company, and a file that renames it
    async with database.transaction(SYSTEM) as s:
        home = await factories.organisation(s, "厦门市")
        company = await factories.company(s, home, "司马光科技")
    result = await commit_import(
        database,
        SUPERADMIN,
        "Company",
        Table(["企业名称", "统一社会信用代码"], [["上官婉儿贸易", company.credit_code]]),
    )
    assert result.committed, result.errors
    # Then the company is found and sorted by the new name
    await _assert_derived(database, Company, company.id, "上官婉儿贸易")
    # When a file creates a student
    number = factories.national_id("female")
    headers = [
        "姓名",
        "性别",
        "身份证号",
        "家庭类别",
        "所在组织",
        "就读高校",
        "入学年份",
        "毕业年份",
    ]
    row = ["单于飞", "女", number, "建档立卡贫困家庭", "厦门市", "厦门大学", "2021", "2025"]
    result = await commit_import(database, SUPERADMIN, "ScholarshipStudent", Table(headers, [row]))
    assert result.committed, result.errors
    # Then its pinyin is the surname reading's (chan yu), as crud would store it
    async with database.session(SYSTEM) as session:
        created = await session.execute(
            sa.select(ScholarshipStudent.id).where(ScholarshipStudent.name == "单于飞")  # type: ignore[arg-type]
        )
        await _assert_derived(database, ScholarshipStudent, created.scalar_one(), "单于飞")
