"""金色阳光 volunteers and their service hours: people, so never public and scoped by
their home organisation; the phone is sensitive; hours add up exactly by district."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hongfan.db import Database
from hongfan.principal import ANONYMOUS, SYSTEM, Role
from hongfan.transfer import Table, commit_import
from tests import factories
from tests.graph.conftest import data_of

VOLUNTEERS = Table(
    ["姓名", "性别", "手机号码", "所属组织", "加入日期", "服务队"],
    [
        [
            "陈示例",
            "女",
            "13800000101",
            "思明区/中华街道",
            "2019-03-05",
            "思明区金色阳光志愿服务队",
        ],
        [
            "黄示例",
            "男",
            "13800000103",
            "思明区/中华街道",
            "2018-09-10",
            "思明区金色阳光志愿服务队",
        ],
        ["苏示例", "女", "13800000106", "同安区", "2020-10-01", "同安区金色阳光志愿服务队"],
    ],
)
SERVICES = Table(
    ["志愿者", "服务活动", "服务时长（小时）", "服务内容"],
    [
        ["陈示例", "颐恩养老院老人集体庆生", "3", "组织生日会"],
        ["黄示例", "颐恩养老院老人集体庆生", "2.5", "血压测量"],
        ["陈示例", "金色阳光驿站医疗健康服务", "0.75", "现场秩序"],
        ["苏示例", "金色阳光驿站医疗健康服务", "4", "健康宣教"],
    ],
)
HOURS = """{ activityStatistics { volunteerHoursByDistrict { districtName volunteers services hours } } }"""


async def _world(database: Database) -> dict[str, Any]:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        siming = await factories.organisation(s, "思明区", city)
        await factories.organisation(s, "中华街道", siming, level="street")
        tongan = await factories.organisation(s, "同安区", city)
    activities = Table(
        ["活动名称", "活动类型", "主办组织", "活动日期"],
        [
            ["颐恩养老院老人集体庆生", "志愿服务", "思明区/中华街道", "2022-09-16"],
            ["金色阳光驿站医疗健康服务", "医疗健康服务下乡", "思明区", "2022-11-05"],
        ],
    )
    for type_name, table in (
        ("Activity", activities),
        ("志愿者", VOLUNTEERS),
        ("志愿服务", SERVICES),
    ):
        result = await commit_import(database, SYSTEM, type_name, table)
        assert result.committed, [e.message for r in result.rows for e in r.errors]
    return {"siming": siming, "tongan": tongan}


async def test_volunteer_hours_add_up_exactly_by_the_volunteers_district(run, database):
    await _world(database)
    rows = data_of(await run(HOURS))["activityStatistics"]["volunteerHoursByDistrict"]
    assert [
        (r["districtName"], r["volunteers"], r["services"], Decimal(r["hours"])) for r in rows
    ] == [
        ("思明区", 2, 3, Decimal("6.25")),
        ("同安区", 1, 1, Decimal("4.00")),
    ]


async def test_a_service_belongs_to_the_volunteers_organisation_wherever_the_activity_was(
    run, database
):
    world = await _world(database)
    tongan_editor = factories.staff(Role.EDITOR, world["tongan"])
    query = (
        "{ volunteerServices { edges { node { hours volunteer { name } activity { title } } } } }"
    )
    edges = data_of(await run(query, principal=tongan_editor))["volunteerServices"]["edges"]
    # 苏示例 of 同安 served at a 思明 activity the 同安 editor cannot see
    assert [(e["node"]["volunteer"]["name"], e["node"]["activity"]) for e in edges] == [
        ("苏示例", None)
    ]


async def test_the_phone_is_clear_for_org_admins_masked_for_editors_and_volunteers_never_public(
    run, database
):
    world = await _world(database)
    query = '{ volunteers(filter: { name: { eq: "陈示例" } }) { totalCount edges { node { name phone } } } }'
    admin = data_of(await run(query, principal=factories.staff(Role.ORG_ADMIN, world["siming"])))[
        "volunteers"
    ]
    editor = data_of(await run(query, principal=factories.staff(Role.EDITOR, world["siming"])))[
        "volunteers"
    ]
    public = await run(
        "{ volunteers { totalCount } volunteerServices { totalCount } }", principal=ANONYMOUS
    )
    assert admin["edges"][0]["node"]["phone"] == "13800000101"
    masked = editor["edges"][0]["node"]["phone"]
    assert masked != "13800000101" and "*" in masked
    # Volunteers are people: the public is told to sign in, not shown a count.
    assert public.data is None
    assert {e.extensions["code"] for e in public.errors or []} == {"UNAUTHENTICATED"}
    assert {e.path[0] for e in public.errors or []} == {"volunteers", "volunteerServices"}
    hours = data_of(await run(HOURS, principal=ANONYMOUS))["activityStatistics"][
        "volunteerHoursByDistrict"
    ]
    assert all(r["hours"] == "0.00" and r["services"] == 0 for r in hours)
