"""SQLite pages a district's lists by walking the order's index (#16.7, models/sqlite_hints.py).

A district holds a large share of the rows: sorting all of them for a first page of 51 took
90 ms at 100k students, walking the name index until the page is full takes 1 ms. A
street or a community holds few, and its rows are still found through their organisation.
Neither starts from the deleted_at index, which without statistics (a database nobody ran
ANALYZE on, as every SQLite database the app makes) read every live row: 250 ms a page.
The test databases have no statistics either.
"""

from __future__ import annotations

import sqlalchemy as sa

from hongfan import access
from hongfan.db import Database
from hongfan.principal import SYSTEM, Principal, Role
from hongfan.row_scope import live_criteria
from models import ScholarshipStudent

STUDENTS = ScholarshipStudent.__table__  # type: ignore[attr-defined]


def _org_admin(path: str) -> Principal:
    return Principal(
        kind="user", actor="t", role=Role.ORG_ADMIN, organisation_id=1, organisation_path=path
    )


async def _plan(database: Database, principal: Principal) -> str:
    scope = access.scope_criteria(principal, ScholarshipStudent)
    assert scope is not None
    statement = (
        sa.select(STUDENTS.c.id)
        .where(live_criteria(ScholarshipStudent), scope)
        .order_by(STUDENTS.c.name_pinyin, STUDENTS.c.id)
        .limit(51)
    )
    async with database.session(SYSTEM) as session:
        connection = await session.connection()
        compiled = statement.compile(dialect=connection.dialect)
        params = compiled.construct_params()
        plan = await connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled),
            tuple(params[name] for name in compiled.positiontup or ()),
        )
        return "\n".join(str(row[-1]) for row in plan)


async def test_a_district_admins_first_page_walks_the_name_order_instead_of_sorting_the_district(
    database: Database,
) -> None:
    if database.dialect != "sqlite":
        return
    district = await _plan(database, _org_admin("/1/124/"))
    assert "ix_scholarship_student_name_pinyin" in district
    assert "TEMP B-TREE FOR ORDER BY" not in district


async def test_a_community_admins_page_finds_its_few_rows_through_their_organisation(
    database: Database,
) -> None:
    if database.dialect != "sqlite":
        return
    community = await _plan(database, _org_admin("/1/124/125/130/"))
    assert "ix_scholarship_student_organisation_id" in community
