"""A working day in a real browser, at a desk (1366×768) and on a phone (390×844).

The demo network plus a generated district of 1,000 students (测试区), so pickers and
lists work past any old 500-option cap. One browser and one signed-in context per
width for the whole module; the tests take pages from them.

Accessibility is checked two ways: axe-core (shipped by axe-playwright-python) run
inside the pages for WCAG 2.1 A/AA rules, and keyboard walks (skip link, combobox
keys, focus after a failed save).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan.db import Database, create_engine
from hongfan.principal import SYSTEM
from models import Grant, Organisation, ScholarshipStudent
from models.pinyin import sort_key
from models.validators import make_national_id
from tests.e2e.conftest import LiveServer, login, run_async, shot

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SUPERADMIN = "admin@demo.hongfan"
EDITOR = "huli.editor@demo.hongfan"
DISTRICT = "测试区"
TWIN = "邹测试双胞"  # two students share this name, in different communities
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟单解仇"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕"
UNIVERSITIES = ("厦门大学", "集美大学", "厦门理工学院", "华侨大学", "福州大学")


# -- the generated district -------------------------------------------------------------------


async def _generate(session: AsyncSession) -> dict[str, Any]:
    """测试区: 10 communities, 1,000 students (two of them namesakes); returns the twins' ids."""
    city = (
        (await session.execute(sa.select(Organisation).where(Organisation.parent_id.is_(None))))
        .scalars()
        .first()
    )  # type: ignore[union-attr]
    assert city is not None
    district = Organisation(
        name=DISTRICT, level="district", parent_id=city.id, path="/", published=True
    )
    session.add(district)
    await session.flush()
    district.path = f"{city.path}{district.id}/"
    communities = []
    for n in range(10):
        community = Organisation(
            name=f"测试第{n + 1}社区",
            level="community",
            parent_id=district.id,
            path="/",
            published=True,
        )
        session.add(community)
        await session.flush()
        community.path = f"{district.path}{community.id}/"
        communities.append(community)
    rng = random.Random(1000)
    names = [
        rng.choice(SURNAMES) + "测试" + rng.choice(GIVEN) + rng.choice(GIVEN) for _ in range(998)
    ] + [TWIN, TWIN]
    students = []
    for i, name in enumerate(names):
        gender = "female" if i % 2 else "male"
        birth = date(2000 + i % 6, 1 + i % 12, 1 + i % 28)
        students.append(
            ScholarshipStudent(
                name=name,
                gender=gender,
                id_number=make_national_id("350299", birth, i % 1000, gender),
                phone=f"1390000{i:04d}",
                family_category="registered_poor",
                organisation_id=communities[i % 10 if i < 998 else 3 + (i - 998) * 4].id,
                university=UNIVERSITIES[i % 5 if i < 998 else i - 998],
                enrolment_year=2022,
                graduation_year=2026,
                created_by=None,
                updated_by=None,
            )
        )
    session.add_all(students)
    await session.flush()
    return {
        "twins": [s.id for s in students[-2:]],
        "twin_universities": [s.university for s in students[-2:]],
    }


@pytest.fixture(scope="module")
def district(live_server: LiveServer) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        db = Database(live_server.settings, create_engine(live_server.settings))
        try:
            async with db.transaction(SYSTEM) as session:
                return await _generate(session)
        finally:
            await db.dispose()

    return run_async(go)


@pytest.fixture(scope="module")
def desktop(browser: Any, live_server: LiveServer, district: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=DESKTOP)
    context.set_default_timeout(8_000)
    page = context.new_page()
    login(page, SUPERADMIN)
    yield page
    context.close()


@pytest.fixture(scope="module")
def phone(browser: Any, live_server: LiveServer, district: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(8_000)
    yield context.new_page()
    context.close()


def wait_for_twins(page: Any) -> None:
    """Until the listbox shows exactly the two namesakes (not a previous search's options)."""
    page.wait_for_function(
        "(name) => { const o = Array.from(document.querySelectorAll('[role=option]'));"
        " return o.length === 2 && o.every(x => x.textContent.includes(name)); }",
        arg=TWIN,
    )


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def fits_the_width(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def small_targets(page: Any) -> list[str]:
    """Visible buttons, links styled as buttons, inputs and checkboxes (by their label) under 44 px."""
    return list(
        page.evaluate(
            """() => Array.from(document.querySelectorAll(
                'main button, main a.button, main input:not([type=hidden]), main select, header button, header a'))
        .filter(e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
                       return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !e.closest('.visually-hidden'); })
        .map(e => e.type === 'checkbox' ? (e.closest('label') || e) : e)
        .filter(e => { const r = e.getBoundingClientRect(); return r.height < 44 || (e.tagName === 'LABEL' && r.width < 44); })
        .map(e => e.outerHTML.slice(0, 80))"""
        )
    )


# -- pickers ----------------------------------------------------------------------------------


def test_superadmin_picks_the_second_of_two_namesakes_beyond_the_500th_by_typing_initials(
    desktop: Any, live_server: LiveServer, district: dict[str, Any]
) -> None:
    # Given 1,000+ students, the namesakes far past the 500th in pinyin order
    async def rank(session: AsyncSession) -> int:
        keys = (await session.execute(sa.select(ScholarshipStudent.name))).scalars().all()
        return sum(
            1 for k in keys if (sort_key(k, "person") or "") < (sort_key(TWIN, "person") or "")
        )

    assert live_server.query(rank) > 500
    page = desktop
    page.goto("/admin/grants/new")
    combo = page.get_by_role("combobox", name="受助学生")

    # When she types part of the name, the listbox offers the namesakes, told apart
    with page.expect_response("**/options"):
        combo.fill("测试双胞")
    listbox = page.get_by_role("listbox")
    listbox.get_by_role("option").first.wait_for()
    options = listbox.get_by_role("option").all_inner_texts()
    assert sum(TWIN in o for o in options) == 2
    # And by initials (zcssb), then keys down to the second namesake and presses Enter
    with page.expect_response("**/options"):
        combo.fill("zcssb")
    wait_for_twins(page)
    assert combo.get_attribute("aria-expanded") == "true"
    shot(page, "10-picker-namesakes")
    combo.press("ArrowDown")
    combo.press("ArrowDown")
    active = page.locator(f"#{combo.get_attribute('aria-activedescendant')}")
    assert (
        district["twin_universities"][1] in active.inner_text()
        and f"{DISTRICT} / " in active.inner_text()
    )
    combo.press("Enter")
    assert combo.get_attribute("aria-expanded") == "false"
    page.fill("#f-year", "2024")
    page.fill("#f-amount", "1800")
    page.click("form.record .buttons:not(.top) button[type=submit]")
    page.wait_for_url("**/admin/grants/*?msg=created")

    # Then the grant went to the second namesake
    async def newest(session: AsyncSession) -> Grant:
        return (
            await session.execute(sa.select(Grant).order_by(Grant.id.desc()).limit(1))
        ).scalar_one()  # type: ignore[union-attr]

    assert live_server.query(newest).student_id == district["twins"][1]


def test_keyboard_users_skip_to_the_content_and_axe_finds_no_wcag_violations(
    desktop: Any, district: dict[str, Any]
) -> None:
    page = desktop
    # The first Tab lands on the skip link; Enter moves to the main content
    page.goto("/admin/scholarship-students")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "跳到主要内容"
    # ... and is as large a target as every other control (WCAG 2.5.5, 44 px)
    assert page.evaluate("document.activeElement.getBoundingClientRect().height") >= 44
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")
    # Pages of a working day, in the states people see them in
    pages = {
        "list": "/admin/scholarship-students",
        "detail": None,
        "history": None,
        "new grant": "/admin/grants/new",
        "dashboard": "/admin/",
        "audit": "/admin/audit",
    }
    found: dict[str, list[str]] = {}
    for name, url in pages.items():
        if url is None:
            continue
        page.goto(url)
        found[name] = axe_violations(page)
    page.goto("/admin/scholarship-students")
    page.click("table.grid tbody tr:first-child td.open a")
    found["detail"] = axe_violations(page)
    page.click("a.button:has-text('修改历史')")
    found["history"] = axe_violations(page)
    page.goto("/admin/grants/new")
    page.click("form.record .buttons:not(.top) button[type=submit]")
    found["form with errors"] = axe_violations(page)
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    with page.expect_response("**/options"):
        page.get_by_role("combobox", name="受助学生").fill("zcssb")
    wait_for_twins(page)
    found["open picker"] = axe_violations(page)
    assert {k: v for k, v in found.items() if v} == {}


def test_bulk_action_ticks_rows_confirms_and_changes_them_all(desktop: Any) -> None:
    page = desktop
    page.goto("/admin/internships")
    boxes = page.locator("input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.select_option("[data-bulk-action]", "set:status")
    page.select_option("[data-bulk-value]", "withdrawn")
    page.click("form.bulk button[type=submit]")
    assert "将把以下 2 条见习的“状态”设为“已退出”。" in page.inner_text("main")
    page.click("button:has-text('确认执行')")
    page.wait_for_url("**/admin/internships?msg=bulk_done*")
    assert page.inner_text(".flash") == "已完成批量操作：2 条记录"


def test_organisation_filter_picker_column_chooser_and_a_default_view(
    desktop: Any, district: dict[str, Any]
) -> None:
    page = desktop
    page.goto("/admin/scholarship-students")
    everyone = int(page.inner_text("#list-count").replace(",", "").split()[1])
    # Filter by an organisation picked by typing (the district of 1,000)
    org = page.get_by_role("combobox", name="所属组织（含下级）")
    with page.expect_response("**/options"):
        org.fill("测试区")
    page.locator(f"[role=option]:has(.combo-title:text-is('{DISTRICT}'))").click()
    with page.expect_navigation():
        page.get_by_role("button", name="筛选", exact=True).click()
    assert "共 1,000 条" in page.inner_text("#list-count") and everyone > 1000
    # Choose two columns, then save that as the default view
    page.click("details.views summary")
    for box in page.locator(".columns-form input[name=cols]").all():
        box.set_checked(box.get_attribute("value") in ("name", "university"))
    with page.expect_navigation():
        page.click(".columns-form button[type=submit]")
    assert page.locator("table.grid thead th[scope=col]").all_inner_texts()[:2] == [
        "姓名",
        "就读高校",
    ]
    page.click("details.views summary")
    page.fill("input[name=view_name]", "测试区·两列")
    page.check("input[name=view_default]")
    with page.expect_navigation():
        page.click(".save-view button[type=submit]")
    # The list opens in that view from now on
    page.goto("/admin/scholarship-students")
    assert "共 1,000 条" in page.inner_text("#list-count")
    assert page.locator("table.grid thead th[scope=col]").all_inner_texts()[:2] == [
        "姓名",
        "就读高校",
    ]


# -- on a phone -------------------------------------------------------------------------------


def test_on_a_phone_an_editor_signs_in_searches_opens_edits_and_imports(phone: Any) -> None:
    page = phone
    # Sign-in fits the screen
    page.goto("/admin/login")
    assert fits_the_width(page)
    login(page, EDITOR)
    # The menu is one button until tapped
    assert not page.locator("nav.side").is_visible()
    page.get_by_role("button", name="菜单").tap()
    assert page.locator("nav.side").is_visible()
    page.locator("nav.side a", has_text="金秋助学学生").tap()
    page.wait_for_url("**/admin/scholarship-students")
    # The list is cards that fit the width, every target big enough for a thumb
    assert fits_the_width(page) and small_targets(page) == []
    page.evaluate("document.getElementById('list-count').scrollIntoView({block: 'start'})")
    shot(page, "11-phone-list")
    # Search by initials (sent as POST: the address stays clean)
    page.fill("#list-q", "kcs")
    with page.expect_navigation():
        page.get_by_role("button", name="搜索", exact=True).tap()
    assert "q=" not in page.url and page.locator("table.grid tbody tr").count() > 0
    assert fits_the_width(page)
    # Open a student, edit, save with an error: focus lands on the field, marked invalid
    page.locator("table.grid tbody tr td.open a").first.tap()
    page.wait_for_url("**/admin/scholarship-students/*")
    assert fits_the_width(page)
    page.locator("a.button", has_text="编辑").tap()
    page.fill("#f-name", "")
    page.locator("form.record .buttons:not(.top) button[type=submit]").tap()
    page.wait_for_selector(".field.invalid")
    assert page.evaluate("document.activeElement.id") == "f-name"
    assert page.get_attribute("#f-name", "aria-invalid") == "true"
    assert fits_the_width(page) and small_targets(page) == []
    shot(page, "12-phone-form-error")
    # A picker on the phone
    page.goto("/admin/grants/new")
    with page.expect_response("**/options"):
        page.get_by_role("combobox", name="受助学生").fill("kcs")
    page.get_by_role("option").first.wait_for()
    assert fits_the_width(page)
    shot(page, "13-phone-picker")
    # The import page too
    page.goto("/admin/scholarship-students/import")
    assert fits_the_width(page) and page.locator("input[type=file]").count() == 1
