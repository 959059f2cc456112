"""The dashboard's activity and volunteer figures (工作台：活动与志愿服务), on the demo network:
the numbers staff read equal a count of the records, and each links to the list it counts."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import sqlalchemy as sa

from hongfan.db import Database
from hongfan.principal import SYSTEM
from tests.admin_ui.conftest import AdminClient, text_of

KIND_BAR = re.compile(
    r'<a href="/admin/activities\?f_kind=(\w+)">[^<]+</a>\s*<progress[^>]*value="(\d+)"'
)
HOURS_ROW = re.compile(
    r'<a href="/admin/volunteer-services\?org=\d+">([^<]+)</a></td><td>(\d+)</td>'
    r"<td>(\d+)</td><td>([\d.]+)</td>"
)


async def _direct(demo: Database) -> tuple[int, Counter[str], dict[str, tuple[int, Decimal]]]:
    """Live activities, per kind, and volunteer services and hours per district, counted row
    by row from the tables."""
    async with demo.session(SYSTEM) as s:
        kinds = [
            k
            for (k,) in (
                await s.execute(sa.text("SELECT kind FROM activity WHERE deleted_at IS NULL"))
            ).all()
        ]
        districts = (
            await s.execute(sa.text("SELECT name, path FROM organisation WHERE level = 'district'"))
        ).all()
        services = (
            await s.execute(
                sa.text(
                    "SELECT v.hours, o.path FROM volunteer_service v JOIN organisation o"
                    " ON o.id = v.organisation_id WHERE v.deleted_at IS NULL"
                )
            )
        ).all()
    hours: dict[str, tuple[int, Decimal]] = {}
    for fen, path in services:
        name = next(n for n, p in districts if path.startswith(p))
        n, total = hours.get(name, (0, Decimal(0)))
        hours[name] = (n + 1, total + Decimal(fen) / 100)
    return len(kinds), Counter(kinds), hours


async def test_staff_see_activities_and_volunteer_hours_equal_to_the_records(
    client: AdminClient, demo: Database
):
    """Given the demo network; when the superadmin opens the dashboard; then the activity card,
    the activities per kind and the volunteer hours per district are what the tables hold."""
    total, kinds, hours = await _direct(demo)
    await client.login("admin@demo.hongfan")
    home = (await client.get("/admin/")).text
    assert f'<a class="card" href="/admin/activities"><b>{total}</b>活动</a>' in home
    shown = {kind: int(n) for kind, n in KIND_BAR.findall(home)}
    assert {k: n for k, n in shown.items() if n} == dict(kinds)
    assert len(shown) == 7  # every kind, those with none too
    rows = {name: (int(s), Decimal(h)) for name, _v, s, h in HOURS_ROW.findall(home)}
    assert {n: r for n, r in rows.items() if r[0]} == hours
    assert "活动（按区）" in home and "活动（按年度）" in home
    # a figure is a link to the very rows it counts
    top_kind, top_count = kinds.most_common(1)[0]
    listed = text_of((await client.get(f"/admin/activities?f_kind={top_kind}")).text)
    assert f"共 {top_count} 条" in listed


async def test_a_partner_sees_no_volunteer_figures(client: AdminClient):
    """Given a partner company's account; when it opens the dashboard; then nothing about
    volunteers (people it may not see) is shown, not even a zero."""
    await client.login("partner@demo.hongfan")
    home = (await client.get("/admin/")).text
    assert "志愿服务时长" not in home and "/admin/volunteer-services" not in home
