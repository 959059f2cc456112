"""Activities (活动): declared once in models/activities.py, imported from a spreadsheet,
public once published, counted by kind, district and year."""

from __future__ import annotations

from typing import Any

from hongfan.db import Database
from hongfan.principal import ANONYMOUS, SYSTEM, Principal, Role
from hongfan.transfer import Table, commit_import
from tests import factories
from tests.graph.conftest import data_of

HEADERS = ["活动名称", "活动类型", "主办组织", "活动阵地", "活动日期", "参与人数", "已发布"]
SHEET = [
    [
        "陪伴孩子找秋天",
        "亲子活动",
        "海沧区/海沧街道",
        "海沧街道向日葵亲子小屋",
        "2022-09-24",
        "36",
        "是",
    ],
    [
        "红帆领航·健康同行 医疗健康服务下乡",
        "医疗健康服务下乡",
        "同安区",
        None,
        "2022-10-13",
        "120",
        "是",
    ],
    ["夏日送清凉", "慰问", "同安区", None, "2023-07-08", "45", "否"],
]

STATISTICS = """{ activityStatistics {
    byKind { kind label count participants }
    byDistrict { districtName count participants }
    byYear { year count participants } } }"""


async def _world(database: Database) -> dict[str, Any]:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        haicang = await factories.organisation(s, "海沧区", city)
        street = await factories.organisation(s, "海沧街道", haicang, level="street")
        tongan = await factories.organisation(s, "同安区", city)
        await factories.site(s, street, "海沧街道向日葵亲子小屋")
    result = await commit_import(database, SYSTEM, "活动", Table(HEADERS, SHEET))
    assert result.committed, [e.message for r in result.rows for e in r.errors]
    return {"haicang": haicang, "tongan": tongan}


async def test_the_reports_activities_import_from_a_sheet_and_link_both_ways(run, database):
    await _world(database)
    query = """{ serviceSites { edges { node { name activities { edges { node {
        title kind heldOn participants organisation { name } } } } } } } }"""
    site = data_of(await run(query))["serviceSites"]["edges"][0]["node"]
    assert site["activities"]["edges"] == [
        {
            "node": {
                "title": "陪伴孩子找秋天",
                "kind": "PARENT_CHILD",
                "heldOn": "2022-09-24",
                "participants": 36,
                "organisation": {"name": "海沧街道"},
            }
        }
    ]


async def test_the_public_sees_published_activities_only(run, database):
    await _world(database)
    query = "{ activities(orderBy: [{ heldOn: ASC }]) { edges { node { title } } } }"
    titles = [
        e["node"]["title"]
        for e in data_of(await run(query, principal=ANONYMOUS))["activities"]["edges"]
    ]
    assert titles == ["陪伴孩子找秋天", "红帆领航·健康同行 医疗健康服务下乡"]


async def test_statistics_count_activities_by_kind_district_and_year(run, database):
    await _world(database)
    figures = data_of(await run(STATISTICS))["activityStatistics"]
    by_kind = {k["kind"]: (k["label"], k["count"], k["participants"]) for k in figures["byKind"]}
    assert by_kind["PARENT_CHILD"] == ("亲子活动", 1, 36)
    assert by_kind["MEDICAL_OUTREACH"] == ("医疗健康服务下乡", 1, 120)
    assert by_kind["FAMILY_VISIT"] == ("慰问", 1, 45)
    assert by_kind["OTHER"] == ("其他", 0, 0)
    assert [(d["districtName"], d["count"], d["participants"]) for d in figures["byDistrict"]] == [
        ("同安区", 2, 165),
        ("海沧区", 1, 36),
    ]
    assert [(y["year"], y["count"]) for y in figures["byYear"]] == [(2022, 2), (2023, 1)]


async def test_a_district_editor_counts_their_districts_activities_and_what_is_published(
    run, database
):
    """Given a 海沧 editor, when she asks for the activity figures, then she counts her own
    district's activities and the published ones elsewhere (signing in never hides public
    records, #10.6), never another district's unpublished one (同安's 慰问)."""
    world = await _world(database)
    editor = Principal(
        kind="user",
        actor="t:editor",
        role=Role.EDITOR,
        organisation_id=world["haicang"].id,
        organisation_path=world["haicang"].path,
    )
    figures = data_of(await run(STATISTICS, principal=editor))["activityStatistics"]
    assert [(d["districtName"], d["count"]) for d in figures["byDistrict"]] == [
        ("同安区", 1),
        ("海沧区", 1),
    ]
    by_kind = {k["kind"]: k["count"] for k in figures["byKind"]}
    assert by_kind["FAMILY_VISIT"] == 0 and sum(by_kind.values()) == 2


async def test_importing_the_same_activity_again_updates_it_never_duplicates(run, database):
    await _world(database)
    result = await commit_import(database, SYSTEM, "activities", Table(HEADERS, SHEET[:1]))
    assert result.committed  # the import matches it: an update, not a second activity
    count = data_of(await run("{ activities { totalCount } }"))["activities"]["totalCount"]
    assert count == 3
