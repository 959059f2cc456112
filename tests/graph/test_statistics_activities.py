"""The network's activities and volunteer hours in ``statistics``: by kind, district and year,
and hours by the volunteers' district — each figure equal to a count of the rows themselves.

Given the report's activities and 金色阳光 volunteers imported from spreadsheets (one activity
unpublished, one deleted), the figures a caller gets are exactly what counting the live rows
they may see gives; the public counts published activities and is told nothing of
volunteers (null, not a zero that would read as "no volunteers").
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from hongfan.db import Database
from hongfan.principal import ANONYMOUS, SYSTEM, Role
from hongfan.transfer import Table, commit_import
from tests import factories
from tests.graph.conftest import data_of

ACTIVITIES = Table(
    ["活动名称", "活动类型", "主办组织", "活动日期", "参与人数", "已发布"],
    [
        ["陪伴孩子找秋天", "亲子活动", "海沧区/海沧街道", "2022-09-24", "36", "是"],
        [
            "红帆领航·健康同行 医疗健康服务下乡",
            "医疗健康服务下乡",
            "同安区",
            "2022-10-13",
            "120",
            "是",
        ],
        ["颐恩养老院老人集体庆生", "志愿服务", "思明区", "2022-09-16", "40", "是"],
        ["青春健康进校园", "青春健康活动", "同安区", "2023-05-04", "200", "否"],
        ["夏日送清凉", "慰问", "同安区", "2023-07-08", "45", "是"],
        ["已撤销的讲座", "健康讲座", "思明区", "2023-03-01", "80", "是"],
        ["市计生协年会", "其他", "厦门市", "2023-01-10", None, "是"],
    ],
)
VOLUNTEERS = Table(
    ["姓名", "性别", "手机号码", "所属组织", "服务队"],
    [
        ["陈示例", "女", "13800000101", "思明区", "思明区金色阳光志愿服务队"],
        ["黄示例", "男", "13800000103", "思明区", "思明区金色阳光志愿服务队"],
        ["苏示例", "女", "13800000106", "同安区", "同安区金色阳光志愿服务队"],
    ],
)
SERVICES = Table(
    ["志愿者", "服务活动", "服务时长（小时）", "服务内容"],
    [
        ["陈示例", "颐恩养老院老人集体庆生", "3", "组织生日会"],
        ["黄示例", "颐恩养老院老人集体庆生", "2.5", "血压测量"],
        ["陈示例", "红帆领航·健康同行 医疗健康服务下乡", "0.75", "现场秩序"],
        ["苏示例", "红帆领航·健康同行 医疗健康服务下乡", "4", "健康宣教"],
    ],
)
FIGURES = """{ statistics {
    activitiesByKind { kind count participants }
    activitiesByDistrict { districtName count participants }
    activitiesByYear { year count participants }
    volunteerHoursByDistrict { districtName volunteers services hours }
    totals { activities volunteers } } }"""


async def _world(database: Database) -> dict[str, Any]:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        siming = await factories.organisation(s, "思明区", city)
        haicang = await factories.organisation(s, "海沧区", city)
        await factories.organisation(s, "海沧街道", haicang, level="street")
        tongan = await factories.organisation(s, "同安区", city)
    for type_name, table in (("活动", ACTIVITIES), ("志愿者", VOLUNTEERS), ("志愿服务", SERVICES)):
        result = await commit_import(database, SYSTEM, type_name, table)
        assert result.committed, [e.message for r in result.rows for e in r.errors]
    async with database.transaction(SYSTEM) as s:
        await s.execute(
            sa.text("UPDATE activity SET deleted_at = updated_at WHERE title = '已撤销的讲座'")
        )
    return {"siming": siming, "tongan": tongan}


async def _counted(database: Database, *, published_only: bool = False) -> dict[str, Any]:
    """The figures by counting the rows one by one (no GROUP BY, no figure code)."""
    async with database.session(SYSTEM) as s:
        districts = {
            path: name
            for name, path in (
                await s.execute(
                    sa.text("SELECT name, path FROM organisation WHERE level = 'district'")
                )
            ).all()
        }

        def district(path: str) -> str | None:
            return next((n for p, n in districts.items() if path.startswith(p)), None)

        activities = (
            await s.execute(
                sa.text(
                    "SELECT a.kind, a.held_on, a.participants, a.published, o.path FROM activity a"
                    " JOIN organisation o ON o.id = a.organisation_id WHERE a.deleted_at IS NULL"
                )
            )
        ).all()
        services = (
            await s.execute(
                sa.text(
                    "SELECT v.volunteer_id, v.hours, o.path FROM volunteer_service v"
                    " JOIN organisation o ON o.id = v.organisation_id WHERE v.deleted_at IS NULL"
                )
            )
        ).all()
        volunteers = (
            await s.execute(sa.text("SELECT count(*) FROM volunteer WHERE deleted_at IS NULL"))
        ).scalar_one()
    live = [a for a in activities if a.published or not published_only]
    kinds: Counter[str] = Counter()
    people: Counter[str] = Counter()
    by_district: Counter[str] = Counter()
    by_year: Counter[int] = Counter()
    for a in live:
        kinds[a.kind.upper()] += 1
        people[a.kind.upper()] += a.participants or 0
        if district(a.path):
            by_district[district(a.path)] += 1  # type: ignore[index]
        by_year[int(str(a.held_on)[:4])] += 1
    hours: dict[str, list[Any]] = {}
    for v in services:
        name = district(v.path)
        if name:
            cell = hours.setdefault(name, [set(), 0, Decimal(0)])
            cell[0].add(v.volunteer_id)
            cell[1] += 1
            cell[2] += Decimal(v.hours) / 100  # stored in hundredths
    return {
        "kinds": kinds,
        "participants": people,
        "districts": by_district,
        "years": by_year,
        "hours": {n: (len(c[0]), c[1], c[2]) for n, c in hours.items()},
        "activities": len(live),
        "volunteers": volunteers,
    }


async def test_staff_figures_equal_a_direct_count_of_the_live_rows(run, database):
    """Given the report's activities and volunteers, one activity deleted; when the system asks
    for the statistics; then every figure is what counting the live rows gives."""
    await _world(database)
    figures = data_of(await run(FIGURES))["statistics"]
    counted = await _counted(database)

    assert {k["kind"]: k["count"] for k in figures["activitiesByKind"] if k["count"]} == dict(
        counted["kinds"]
    )
    assert {
        k["kind"]: k["participants"] for k in figures["activitiesByKind"] if k["count"]
    } == dict(counted["participants"])
    assert len(figures["activitiesByKind"]) == 7  # every kind, those with none too
    assert {d["districtName"]: d["count"] for d in figures["activitiesByDistrict"]} == {
        "思明区": counted["districts"]["思明区"],
        "海沧区": counted["districts"]["海沧区"],
        "同安区": counted["districts"]["同安区"],
    }
    assert {y["year"]: y["count"] for y in figures["activitiesByYear"]} == dict(counted["years"])
    assert {
        d["districtName"]: (d["volunteers"], d["services"], Decimal(d["hours"]))
        for d in figures["volunteerHoursByDistrict"]
        if d["services"]
    } == counted["hours"]
    assert figures["totals"] == {
        "activities": counted["activities"],
        "volunteers": counted["volunteers"],
    }
    # and the figures themselves, as the report would print them
    assert counted["hours"] == {
        "思明区": (2, 3, Decimal("6.25")),
        "同安区": (1, 1, Decimal("4")),
    }
    assert [(d["districtName"], d["count"]) for d in figures["activitiesByDistrict"]] == [
        ("同安区", 3),
        ("思明区", 1),  # ties by name
        ("海沧区", 1),
    ]


async def test_the_public_counts_published_activities_and_is_told_nothing_of_volunteers(
    run, database
):
    """Given one activity unpublished; when an anonymous caller asks; then the activity
    figures count the published ones only, and volunteer hours are null."""
    await _world(database)
    figures = data_of(await run(FIGURES, principal=ANONYMOUS))["statistics"]
    counted = await _counted(database, published_only=True)
    assert {k["kind"]: k["count"] for k in figures["activitiesByKind"] if k["count"]} == dict(
        counted["kinds"]
    )
    assert {y["year"]: y["count"] for y in figures["activitiesByYear"]} == dict(counted["years"])
    assert figures["totals"]["activities"] == counted["activities"] == 5
    assert figures["volunteerHoursByDistrict"] is None


async def test_a_district_editor_counts_their_district_and_what_is_published(run, database):
    """Given an editor of 同安区; when they ask; then 同安's activities count, unpublished ones
    included, and so do the published ones elsewhere (signing in never hides public records,
    #10.6: 海沧's, 思明's live one and the city's own); volunteers are people, never public,
    so only 同安's volunteer hours count."""
    world = await _world(database)
    tongan = world["tongan"]
    editor = factories.staff(Role.EDITOR, tongan)
    figures = data_of(await run(FIGURES, principal=editor))["statistics"]
    assert sorted((d["districtName"], d["count"]) for d in figures["activitiesByDistrict"]) == [
        ("同安区", 3),
        ("思明区", 1),
        ("海沧区", 1),
    ]
    assert sum(k["count"] for k in figures["activitiesByKind"]) == 6
    assert [
        (d["districtName"], d["volunteers"], d["hours"])
        for d in figures["volunteerHoursByDistrict"]
    ] == [("同安区", 1, "4.00")]


async def test_the_deprecated_activity_statistics_give_the_same_figures(run, database):
    """Given the same world; when a client still asks activityStatistics; then it answers
    what statistics answers."""
    await _world(database)
    old = data_of(
        await run(
            """{ activityStatistics { byKind { kind count } byDistrict { districtName count }
                 byYear { year count } volunteerHoursByDistrict { districtName hours } } }"""
        )
    )["activityStatistics"]
    new = data_of(await run(FIGURES))["statistics"]
    assert old["byKind"] == [
        {"kind": k["kind"], "count": k["count"]} for k in new["activitiesByKind"]
    ]
    assert old["byDistrict"] == [
        {"districtName": d["districtName"], "count": d["count"]}
        for d in new["activitiesByDistrict"]
    ]
    assert old["byYear"] == [
        {"year": y["year"], "count": y["count"]} for y in new["activitiesByYear"]
    ]
    assert old["volunteerHoursByDistrict"] == [
        {"districtName": d["districtName"], "hours": d["hours"]}
        for d in new["volunteerHoursByDistrict"]
    ]
