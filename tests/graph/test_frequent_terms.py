"""A search for a frequent term and for a rare one answers the reference model's rows on
PostgreSQL, whichever statement the term's frequency chooses (#16.5).

A term most names hold (华) is searched by a plain LIKE, so the list walks its sort order
and stops after a page; a rare one keeps the grams index. The choice is read from the
statistics ANALYZE keeps; these tests analyse a small world in which 华 is common.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.fastlane import FastLane
from hongfan.db import Database
from models import ENTITIES, search
from models.pinyin import derived_values
from tests.graph.reference import World
from tests.graph.test_differential import DELETED, Request, _store, _walk

GIVEN = ["华", "小华", "建华", "华明", "丽华", "演示", "陈演", "Hua", "王芳", "张伟"]


def _world() -> World:
    organisations = [
        {"id": 1, "name": "厦门市", "parent_id": None, "path": "/1/"},
        {"id": 2, "name": "湖里区", "parent_id": 1, "path": "/1/2/"},
        {"id": 3, "name": "同安区", "parent_id": 1, "path": "/1/3/"},
    ]
    for organisation in organisations:
        organisation.update(address=None, published=True, deleted_at=None)
    students = [
        {
            "id": pk,
            # names repeat: 华 in half of them; one 林示例 (a rare pair: 示例)
            "name": "林示例" if pk == 60 else ("李" if pk % 3 else "王") + GIVEN[pk % len(GIVEN)],
            "organisation_id": (1, 2, 3)[pk % 3],
            "major": None,
            "graduation_year": 2025,
            "deleted_at": None if pk % 7 else DELETED,
        }
        for pk in range(1, 121)
    ]
    world = World(
        {
            "Organisation": organisations,
            "ServiceSite": [],
            "Course": [],
            "ScholarshipStudent": students,
            "Grant": [],
            "Company": [],
        }
    )
    for type_name, rows in world.rows.items():
        for row in rows:
            row.update(derived_values(ENTITIES[type_name], row))
    return world


async def _analysed(database: Database, world: World) -> None:
    await _store(database, world)
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql("ANALYZE scholarship_student")
    await database.refresh_search_statistics()


@pytest.fixture
async def analysed(database: Database, monkeypatch: pytest.MonkeyPatch) -> Any:
    if database.dialect != "postgresql":
        pytest.skip("the statistics that choose the statement are PostgreSQL's")
    # a small world: frequent by their share alone (a bench's million rows pass both bars)
    monkeypatch.setattr(search, "FREQUENT_ROWS", 1)
    yield database
    search.forget_gram_shares()  # the next tests start without them, as a fresh process does


async def test_given_a_frequent_and_a_rare_term_when_searched_then_every_page_is_the_models(
    analysed: Database,
) -> None:
    world = _world()
    await _analysed(analysed, world)
    name = ENTITIES["ScholarshipStudent"].__table__.c.name  # type: ignore[attr-defined]
    assert search.frequent_term(name, "华") and search.frequent_term(name, "李华")
    assert not search.frequent_term(name, "示例")
    for term in ("华", "李华", "示例", "王小华"):
        request = Request(
            "ScholarshipStudent", {"name": {"contains": term}}, [("name", "ASC")], 4, None
        )
        for who in ("superadmin", "district viewer", "org admin"):
            for planned, backward in ((False, False), (True, False), (True, True)):
                lane = FastLane(analysed, analysed.settings, enabled=True) if planned else None
                await _walk(analysed, world, request, who, planned, backward, lane=lane)
