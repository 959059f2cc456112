"""Chinese substring search: right answers everywhere, served by an index on PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from hongfan.principal import SYSTEM
from models import ScholarshipStudent
from models.search import text_contains
from tests import factories

NAMES = ["林示例", "陈演示", "林小示", "王例林", "Lin Demo"]


async def _students(database) -> None:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        for name in NAMES:
            await factories.student(s, city, name)


async def _search(database, text: str) -> list[str]:
    async with database.session(SYSTEM) as s:
        rows = await s.execute(
            sa.select(ScholarshipStudent.name).where(text_contains(ScholarshipStudent.name, text))
        )
        return sorted(rows.scalars().all())


async def test_one_two_and_three_character_fragments_find_exactly_the_matching_names(database):
    await _students(database)
    assert await _search(database, "林") == sorted(["林示例", "林小示", "王例林"])
    assert await _search(database, "示例") == ["林示例"]
    assert (
        await _search(database, "例示") == []
    )  # both characters present, not adjacent in this order
    assert await _search(database, "林示例") == ["林示例"]
    assert await _search(database, "demo") == ["Lin Demo"]
    assert await _search(database, "%") == []  # wildcards are literal


async def test_postgresql_answers_a_name_search_from_the_grams_index(database):
    if database.dialect != "postgresql":
        return
    await _students(database)
    async with database.session(SYSTEM) as s:
        await s.execute(sa.text("SET LOCAL enable_seqscan = off"))
        statement = sa.select(ScholarshipStudent.id).where(
            text_contains(ScholarshipStudent.name, "示例")
        )
        compiled = statement.compile(dialect=(await s.connection()).dialect)
        params = compiled.construct_params()
        plan = await (await s.connection()).exec_driver_sql(
            "EXPLAIN " + str(compiled), tuple(params[name] for name in compiled.positiontup or ())
        )
        text = "\n".join(row[0] for row in plan)
    assert "ix_scholarship_student_name_grams" in text
