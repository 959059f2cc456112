"""Paging an admin list sorted by any column, either way, shows every row once, in order (#16.2).

Given students and internships whose sortable columns are full of ties and blanks
(generated from a fixed seed, 80 of each: up to four pages of 25), when a superadmin and
a district org admin follow "next" through a list sorted by a column — up and down, also
a search sorted — then the pages together are exactly the caller's rows in the reference
order: the column's values in the database's own order of them, blanks last either way,
ties by id in the sort's direction. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import random
import re
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from models import Internship, Organisation, ScholarshipStudent
from tests import factories
from tests.admin_ui.conftest import PASSWORD, AdminClient, csrf_of

SEED = 16
NAMES = ["李华", "王华", "陈明", "张华", "林一"]
GIVEN = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳"  # a name is unique: 5 × 16 of them
MAJORS = [None, "护理学", "会计", "法学"]
POSITIONS = [None, "行政助理", "会计", "文员"]
DATES = [None, date(2024, 7, 1), date(2024, 9, 1), date(2025, 1, 1)]
STATUSES = ["recommended", "ongoing", "completed"]


async def _world(database: Database) -> dict[str, Any]:
    rng = random.Random(SEED)
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        siming = await factories.organisation(s, "思明区", city)
        huli = await factories.organisation(s, "湖里区", city)
        street = await factories.organisation(s, "殿前街道", huli, level="street")
        later = await factories.organisation(s, "同安区", city)  # ids on both sides of 湖里区's
        company = await factories.company(s, huli)
        students = []
        for n in range(80):
            students.append(
                await factories.student(
                    s,
                    rng.choice([huli, street, huli, street, siming, later]),
                    NAMES[n % 5] + GIVEN[n // 5],
                    major=rng.choice(MAJORS),
                    graduation_year=rng.choice([2024, 2025, 2026]),
                )
            )
        for n in range(80):
            start = rng.choice(DATES)
            await factories.internship(
                s,
                students[n],
                company,
                position=rng.choice(POSITIONS),
                start_date=start,
                end_date=None if start is None else rng.choice([None, date(2025, 6, 30)]),
                status=rng.choice(STATUSES),
            )
    async with database.transaction(AUTH) as s:
        await accounts.create_user(s, SYSTEM, "root@example.cn", Role.SUPERADMIN, password=PASSWORD)
        await accounts.create_user(
            s, SYSTEM, "huli@example.cn", Role.ORG_ADMIN, password=PASSWORD, organisation_id=huli.id
        )
    return {"huli": huli.id}


@pytest.fixture
async def http(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database.settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test"
    ) as client:
        yield client


async def _reference(
    database: Database, model: Any, column: str, descending: bool, where: Any
) -> list[int]:
    """The rows' ids in the reference order; the values' own order from the database."""
    table = model.__table__
    async with database.session(SYSTEM) as s:
        values = (
            (
                await s.execute(
                    sa.select(table.c[column])
                    .where(table.c[column].is_not(None))
                    .distinct()
                    .order_by(table.c[column])
                )
            )
            .scalars()
            .all()
        )
        rows = (await s.execute(sa.select(table.c.id, table.c[column]).where(where))).all()
    rank = {value: i for i, value in enumerate(values)}
    sign = -1 if descending else 1

    def key(row: Any) -> tuple[int, int, int]:
        blank = row[1] is None
        return (int(blank), 0 if blank else sign * rank[row[1]], sign * row[0])

    return [row[0] for row in sorted(rows, key=key)]


async def _walk(client: AdminClient, slug: str, sort: str, search: str = "") -> list[int]:
    """Follow "next" from the first page to the last: every id shown, in the order shown."""
    shown: list[int] = []
    after = ""
    for _ in range(10):
        form = {
            "sort": sort,
            **({"q": search} if search else {}),
            **({"after": after} if after else {}),
        }
        if search:  # a search, and its pages, are asked for by POST (#12)
            response = await client.post(f"/admin/{slug}", form)
        else:
            response = await client.get(f"/admin/{slug}?" + str(httpx.QueryParams(form)))
        assert response.status_code == 200, response.text[:300]
        shown += [int(i) for i in re.findall(r'name="ids" value="(\d+)"', response.text)]
        button = re.search(r'name="after" value="([^"]+)"', response.text)  # a POSTed list
        link = re.search(r'href="([^"]+)" rel="next"', response.text)
        if link:
            after = httpx.URL(html.unescape(link.group(1))).params["after"]
        elif button:
            after = button.group(1)
        else:
            return shown
    raise AssertionError("more pages than rows")


@pytest.mark.parametrize("caller", ["root@example.cn", "huli@example.cn"])
async def test_following_next_through_a_sorted_list_shows_every_row_once_in_order(
    database: Database, http: httpx.AsyncClient, caller: str
):
    world = await _world(database)
    client = AdminClient(http)
    response = await http.post("/admin/login", data={"email": caller, "password": PASSWORD})
    assert response.status_code == 303
    client.csrf = csrf_of((await http.get("/admin/")).text)
    students = ScholarshipStudent.__table__  # type: ignore[attr-defined]
    internships = Internship.__table__  # type: ignore[attr-defined]
    scope: dict[str, Any] = {}
    if caller.startswith("huli"):
        org = Organisation.__table__  # type: ignore[attr-defined]
        huli = sa.select(org.c.path).where(org.c.id == world["huli"]).scalar_subquery()
        subtree = sa.select(org.c.id).where(org.c.path.like(huli + "%"))
        scope = {"students": students.c.organisation_id.in_(subtree)}
        scope["internships"] = internships.c.organisation_id.in_(subtree)
    walks = [
        ("internships", Internship, "position", internships, ""),
        ("internships", Internship, "start_date", internships, ""),
        ("internships", Internship, "end_date", internships, ""),
        ("internships", Internship, "status", internships, ""),
        ("scholarship-students", ScholarshipStudent, "major", students, ""),
        ("scholarship-students", ScholarshipStudent, "graduation_year", students, ""),
        ("scholarship-students", ScholarshipStudent, "organisation_id", students, ""),
        ("scholarship-students", ScholarshipStudent, "graduation_year", students, "华"),
    ]
    for slug, model, column, table, search in walks:
        where = scope.get(slug.split("-")[-1], sa.true())
        if search:
            where = sa.and_(where, table.c.name.contains(search))
        for sort in (column, f"-{column}"):
            expected = await _reference(database, model, column, sort.startswith("-"), where)
            assert len(expected) > 25, "the walk must cross a page boundary"
            assert await _walk(client, slug, sort, search) == expected, (slug, sort, search)
