"""The admin UI in a real browser, as the association's staff and a partner use it.

One live server on the demo network per module (see conftest.py); every test
opens its own browser context, so cookies and language never leak between
tests. Tests that change data each work on their own records.

Screenshots for docs/screenshots/ are taken along the way when
HONGFAN_SCREENSHOTS=1.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from hongfan.demo import PARTNER_EMAIL
from models.accounts import User
from models.organisations import Organisation, OrganisationLevel
from models.pinyin import sort_key
from models.practice import Company, Internship
from models.scholarships import ScholarshipStudent
from models.sites import ServiceSite
from models.validators import make_national_id, mask_national_id
from tests.e2e.conftest import LiveServer, shot

EDITOR = "huli.editor@demo.hongfan"
ORG_ADMIN = "huli.admin@demo.hongfan"
VIEWER = "siming.viewer@demo.hongfan"
PARTNER = PARTNER_EMAIL
MASK = "**********"
CJK = re.compile(r"[\u4e00-\u9fff]")
NOT_FOUND = "记录不存在或无权访问"


# -- what the database says (as SYSTEM, beside the browser) -----------------------------


async def _subtree_ids(session: AsyncSession, district: str) -> list[int]:
    path = (
        await session.execute(
            sa.select(col(Organisation.path)).where(
                col(Organisation.name) == district,
                col(Organisation.level) == OrganisationLevel.DISTRICT,
            )
        )
    ).scalar_one()
    found = await session.execute(
        sa.select(col(Organisation.id)).where(col(Organisation.path).startswith(path))
    )
    return [pk for pk in found.scalars().all() if pk is not None]


def huli_students(server: LiveServer) -> list[ScholarshipStudent]:
    """The 湖里区 students, by id: the ones the 湖里 editor and admin work on."""

    async def fetch(session: AsyncSession) -> list[ScholarshipStudent]:
        orgs = await _subtree_ids(session, "湖里区")
        result = await session.execute(
            sa.select(ScholarshipStudent)
            .where(col(ScholarshipStudent.organisation_id).in_(orgs))
            .order_by(col(ScholarshipStudent.id))
        )
        return list(result.scalars().all())

    return server.query(fetch)


def student(server: LiveServer, pk: int) -> ScholarshipStudent:
    async def fetch(session: AsyncSession) -> ScholarshipStudent:
        return (
            await session.execute(
                sa.select(ScholarshipStudent).where(col(ScholarshipStudent.id) == pk)
            )
        ).scalar_one()

    return server.query(fetch)


def students_with_id_numbers(server: LiveServer, numbers: list[str]) -> list[ScholarshipStudent]:
    async def fetch(session: AsyncSession) -> list[ScholarshipStudent]:
        result = await session.execute(
            sa.select(ScholarshipStudent).where(col(ScholarshipStudent.id_number).in_(numbers))
        )
        return list(result.scalars().all())

    return server.query(fetch)


def unused_national_id(server: LiveServer, gender: str, sequence: int = 17) -> str:
    """A valid ID number for ``gender`` that no student has yet."""
    while True:
        number = make_national_id("350206", date(2003, 3, 3), sequence, gender)
        if not students_with_id_numbers(server, [number]):
            return number
        sequence += 2


def wrong_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def text_of(scope: Any, selector: str) -> str:
    """The visible text of the one element ``selector`` finds in a page or locator."""
    return str(scope.locator(selector).inner_text()).strip()


def flash(page: Any) -> str:
    return text_of(page, ".flash")


def column_texts(page: Any, header: str) -> list[str]:
    """The cells of the list column titled ``header``."""
    headers = [h.strip() for h in page.locator("table.grid thead th").all_inner_texts()]
    index = next(i for i, h in enumerate(headers) if h.rstrip(" ▲▼") == header)
    return [
        c.strip()
        for c in page.locator(f"table.grid tbody tr td:nth-child({index + 1})").all_inner_texts()
    ]


def list_total(page: Any) -> int:
    """The "共 N 条" count above a list."""
    match = re.search(r"共\s*([\d,]+)\s*条", text_of(page, "p.count"))
    assert match, text_of(page, "p.count")
    return int(match.group(1).replace(",", ""))


def search(page: Any, text: str) -> None:
    page.fill("form.filters input[name=q]", text)
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")


# -- 1. signing in ------------------------------------------------------------------------


def test_editor_signs_in_and_sees_the_chinese_dashboard_without_the_users_menu(
    new_page: Any, live_server: LiveServer
) -> None:
    # Given the 湖里区 editor on the Chinese sign-in page
    page = new_page()
    page.goto("/admin/login")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "登录" in text_of(page, "form.login")
    shot(page, "01-login")

    # When they sign in with their e-mail and password
    page.fill("input[name=email]", EDITOR)
    page.fill("input[name=password]", "hongfan-demo-2024")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")

    # Then the dashboard says 工作台 and shows figures for their district
    assert text_of(page, "main h1") == "工作台"
    cards = {}
    for card in page.locator("a.card").all():
        figure = text_of(card, "b")
        cards[card.inner_text().replace(figure, "").strip()] = int(figure.replace(",", ""))
    assert set(cards) == {
        "组织",
        "服务阵地",
        "培训课程",
        "金秋助学学生",
        "实践基地企业",
        "见习",
        "活动",
        "志愿者",
    }
    assert cards["金秋助学学生"] == len(huli_students(live_server)) > 0
    assert cards["组织"] > 0 and cards["服务阵地"] > 0
    assert page.locator(".bars .bar").count() > 0
    shot(page, "02-dashboard")

    # And the menu has the records but not the admins' 用户与令牌 (nor the audit log)
    nav = text_of(page, "nav.side")
    assert "金秋助学学生" in nav and "服务阵地" in nav
    assert "用户与令牌" not in nav
    assert "审计日志" not in nav

    # And the students card leads to a list of exactly that many students
    page.click("a.card:has-text('金秋助学学生')")
    page.wait_for_url("**/admin/scholarship-students")
    assert list_total(page) == cards["金秋助学学生"]


# -- 2. finding a student --------------------------------------------------------------------


def test_editor_finds_a_student_by_part_of_a_chinese_name_and_sees_masked_id_numbers(
    new_page: Any, live_server: LiveServer
) -> None:
    # Given the editor on the students list, which shows synthetic names
    page = new_page(EDITOR)
    page.goto("/admin/scholarship-students")
    names = column_texts(page, "姓名")
    assert names and all(("示例" in n or "演示" in n or "测试" in n) for n in names)
    everyone = list_total(page)

    # When they search for the last three characters of one visible name
    wanted = names[3]
    fragment = wanted[-3:]
    search(page, fragment)

    # Then the list narrows to names containing the fragment, the one they saw among them
    assert page.locator("form.filters input[name=q]").input_value() == fragment
    found = column_texts(page, "姓名")
    assert wanted in found
    assert all(fragment in n for n in found)
    assert 0 < list_total(page) < everyone
    assert "q=" not in page.url  # a search is sent as POST: it never lands in a URL or a log

    # And every ID number is masked for an editor
    numbers = column_texts(page, "身份证号")
    assert numbers and all(MASK in n and len(n) == 18 for n in numbers)
    assert not any(s.id_number in page.content() for s in huli_students(live_server))
    shot(page, "03-student-search")


def test_editor_pages_through_the_students_with_next_page_and_sees_each_once(
    new_page: Any, live_server: LiveServer
) -> None:
    # Given the editor's students list, longer than one page
    page = new_page(EDITOR)
    page.goto("/admin/scholarship-students")
    total = list_total(page)
    first = column_texts(page, "姓名")
    assert len(first) < total

    # When they follow 下一页 until there is none
    seen = list(first)
    while page.locator("a[rel=next]").count():
        assert text_of(page, "a[rel=next]").startswith("下一页")
        with page.expect_navigation():
            page.click("a[rel=next]")
        seen += column_texts(page, "姓名")
        assert "after=" in page.url and page.locator("nav.pager a:has-text('第一页')").count() == 1

    # Then they have seen every student exactly once, in pinyin order (蔡 陈 洪 黄 …)
    assert len(seen) == total == len(huli_students(live_server))
    assert seen == sorted(seen, key=lambda name: sort_key(name, "person") or "")
    assert sorted(seen) == sorted(s.name for s in huli_students(live_server))


# -- 3. a wrong ID number ---------------------------------------------------------------------


def test_editor_sees_the_check_digit_error_beside_the_id_field_then_saves_the_right_number(
    new_page: Any, live_server: LiveServer
) -> None:
    # Given the editor on the edit form of one of their students
    target = huli_students(live_server)[0]
    page = new_page(EDITOR)
    page.goto(f"/admin/scholarship-students/{target.id}")
    page.click("a.button:has-text('编辑')")
    page.wait_for_url(f"**/admin/scholarship-students/{target.id}/edit")
    id_field = page.locator("#f-id_number")
    assert id_field.input_value() == ""  # the editor never gets the stored number
    assert id_field.get_attribute("placeholder") == "已隐藏，留空则不修改"
    gender = page.locator("#f-gender").input_value()
    assert gender in ("male", "female")
    valid = unused_national_id(live_server, gender)
    wrong = wrong_check_digit(valid)

    # When they type an ID number whose check digit is wrong and save
    id_field.fill(wrong)
    page.click("form.record button[type=submit]")

    # Then the form comes back with the error beside the ID field, in Chinese
    error = page.locator(".field.invalid:has(#f-id_number) .field-error")
    assert error.is_visible()
    assert "校验位" in error.inner_text()
    assert page.locator(".field-error").count() == 1
    assert text_of(page, "p.error") == "请修改标出的字段后再保存"
    assert page.locator("#f-id_number").input_value() == wrong  # what they typed is kept
    assert "Traceback" not in page.content()
    shot(page, "05-form-field-error")
    # And nothing was saved
    unchanged = student(live_server, target.id or 0)
    assert (unchanged.id_number, unchanged.version) == (target.id_number, target.version)

    # When they type the valid number instead and save
    page.fill("#f-id_number", valid)
    page.click("form.record button[type=submit]")

    # Then it is saved, and the detail page shows it masked
    page.wait_for_url(f"**/admin/scholarship-students/{target.id}?msg=saved")
    assert flash(page) == "已保存"
    shown = text_of(page, "dd[data-field=id_number]")
    assert shown == mask_national_id(valid)
    assert MASK in shown and valid not in page.content()
    saved = student(live_server, target.id or 0)
    assert saved.id_number == valid and saved.version == target.version + 1
    shot(page, "04-student-detail-masked")


# -- 4. two people editing the same record -----------------------------------------------------


def test_a_stale_edit_shows_both_versions_and_overwrites_only_when_asked(
    new_page: Any, live_server: LiveServer
) -> None:
    # Given the same student's edit form open in two tabs
    target = huli_students(live_server)[1]
    first = new_page(EDITOR)
    second = first.context.new_page()
    for tab in (first, second):
        tab.goto(f"/admin/scholarship-students/{target.id}/edit")
        assert tab.locator("#f-major").input_value() == (target.major or "")

    # When the first tab saves a new major
    first.fill("#f-major", "社会工作（第一次修改）")
    first.click("form.record button[type=submit]")
    first.wait_for_url("**?msg=saved")
    assert flash(first) == "已保存"

    # And the second, stale tab saves another
    second.fill("#f-major", "应用心理学（第二次修改）")
    with second.expect_response(lambda r: r.request.method == "POST") as posted:
        second.click("form.record button[type=submit]")
    assert posted.value.status == 409

    # Then it shows a conflict with what is saved now beside what they typed
    conflict = second.locator(".conflict")
    assert conflict.is_visible()
    text = conflict.inner_text()
    assert "当前已保存的内容" in text and "你的修改" in text
    row = conflict.locator("tbody tr:has-text('专业')")
    assert text_of(row, "td.theirs") == "社会工作（第一次修改）"
    assert text_of(row, "td.mine") == "应用心理学（第二次修改）"
    assert conflict.locator("tbody tr").count() == 1  # only the field that differs
    shot(second, "06-edit-conflict")
    # And nothing was overwritten
    now = student(live_server, target.id or 0)
    assert (now.major, now.version) == ("社会工作（第一次修改）", target.version + 1)

    # When they press the save button again, now 以我的修改覆盖
    button = second.locator(
        "form.record button[type=submit]"
    ).first  # also repeated at the form's end
    assert button.inner_text().strip() == "以我的修改覆盖"
    assert second.locator("#f-major").input_value() == "应用心理学（第二次修改）"
    button.click()

    # Then their change is saved over the other one
    second.wait_for_url("**?msg=saved")
    assert flash(second) == "已保存"
    assert text_of(second, "dd[data-field=major]") == "应用心理学（第二次修改）"
    final = student(live_server, target.id or 0)
    assert (final.major, final.version) == ("应用心理学（第二次修改）", target.version + 2)


def test_a_stale_edit_saved_over_writes_only_the_fields_its_user_changed(
    new_page: Any, live_server: LiveServer
) -> None:
    # Given the same student's edit form open in two tabs
    target = huli_students(live_server)[2]
    first = new_page(EDITOR)
    second = first.context.new_page()
    for tab in (first, second):
        tab.goto(f"/admin/scholarship-students/{target.id}/edit")

    # When the first tab changes 专业 and saves, and the stale second changes only 就读高校
    first.fill("#f-major", "历史学")
    first.click("form.record button[type=submit]")
    first.wait_for_url("**?msg=saved")
    second.fill("#f-university", "集美大学")
    with second.expect_response(lambda r: r.request.method == "POST") as posted:
        second.click("form.record button[type=submit]")
    assert posted.value.status == 409

    # Then only 就读高校 is listed as their change, and the form keeps the first tab's 专业
    conflict = second.locator(".conflict")
    assert conflict.locator("tbody tr").count() == 1
    assert text_of(conflict.locator("tbody tr"), "td.mine") == "集美大学"
    assert second.locator("#f-major").input_value() == "历史学"

    # When they save over, both changes are kept
    second.locator("form.record button[type=submit]").first.click()
    second.wait_for_url("**?msg=saved")
    final = student(live_server, target.id or 0)
    assert (final.major, final.university) == ("历史学", "集美大学")


# -- 5. the partner ------------------------------------------------------------------------------


def partner_world(server: LiveServer) -> dict[str, Any]:
    async def fetch(session: AsyncSession) -> dict[str, Any]:
        company_id = (
            await session.execute(sa.select(col(User.company_id)).where(col(User.email) == PARTNER))
        ).scalar_one()
        company = (
            await session.execute(sa.select(Company).where(col(Company.id) == company_id))
        ).scalar_one()
        internships = (
            (await session.execute(sa.select(Internship).order_by(col(Internship.id))))
            .scalars()
            .all()
        )
        ours = [i for i in internships if i.company_id == company_id]
        theirs = [i for i in internships if i.company_id != company_id]
        our_students = {i.student_id for i in ours}
        stranger = (
            await session.execute(
                sa.select(col(ScholarshipStudent.id))
                .where(col(ScholarshipStudent.id).not_in(our_students))
                .order_by(col(ScholarshipStudent.id))
                .limit(1)
            )
        ).scalar_one()
        return {
            "company": company.name,
            "ours": ours,
            "other_internship": theirs[0].id,
            "other_company_student": theirs[0].student_id,
            "our_students": our_students,
            "stranger": stranger,
        }

    return server.query(fetch)


def test_partner_sees_only_its_own_interns_and_cannot_reach_others_by_editing_the_url(
    new_page: Any, live_server: LiveServer
) -> None:
    world = partner_world(live_server)
    assert world["ours"], "the demo partner company has interns"

    # Given the partner company signed in
    page = new_page(PARTNER)
    nav = text_of(page, "nav.side")
    assert "见习" in nav and "用户与令牌" not in nav

    # When it opens the internships list
    page.goto("/admin/internships")

    # Then every row is at its own company, and all of its interns are there
    assert column_texts(page, "见习企业") == [world["company"]] * len(world["ours"])
    assert list_total(page) == len(world["ours"])
    shot(page, "07-partner-internships")

    # And an intern's page shows name and university, but no ID number, phone or family
    page.goto(f"/admin/scholarship-students/{sorted(world['our_students'])[0]}")
    labels = [t.strip() for t in page.locator("dl.fields dt").all_inner_texts()]
    assert "姓名" in labels and "就读高校" in labels
    assert not {"身份证号", "手机号码", "家庭类别"} & set(labels)
    assert MASK not in page.content()
    page.goto("/admin/scholarship-students")
    headers = [h.strip() for h in page.locator("table.grid thead th").all_inner_texts()]
    assert "姓名" in headers and "身份证号" not in headers
    assert list_total(page) == len(world["our_students"])

    # When it edits the URL to another company's internship, or another student
    for path in (
        f"/admin/internships/{world['other_internship']}",
        f"/admin/internships/{world['other_internship']}/edit",
        f"/admin/scholarship-students/{world['other_company_student']}",
        f"/admin/scholarship-students/{world['stranger']}",
    ):
        response = page.goto(path)
        # Then it is told the record does not exist or is not theirs (404)
        assert response is not None and response.status == 404, path
        assert NOT_FOUND in text_of(page, "main"), path


# -- 6. delete and restore -------------------------------------------------------------------------


def huli_site(server: LiveServer) -> ServiceSite:
    async def fetch(session: AsyncSession) -> ServiceSite:
        orgs = await _subtree_ids(session, "湖里区")
        sites = (
            (
                await session.execute(
                    sa.select(ServiceSite)
                    .where(col(ServiceSite.organisation_id).in_(orgs))
                    .order_by(col(ServiceSite.id))
                )
            )
            .scalars()
            .all()
        )
        return sites[-1]

    return server.query(fetch)


def test_org_admin_deletes_a_service_site_finds_it_among_the_deleted_and_restores_it(
    new_page: Any, live_server: LiveServer
) -> None:
    # Given the 湖里区 admin looking at one of their service sites in the list
    site = huli_site(live_server)
    page = new_page(ORG_ADMIN)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/admin/service-sites")
    search(page, site.name)
    assert site.name in column_texts(page, "名称")

    # When they open it and delete it, confirming the dialog
    page.click(f"table.grid tbody tr:has-text('{site.name}') a:has-text('查看')")
    page.click("button.danger:has-text('删除')")

    # Then it is marked deleted and gone from the list
    page.wait_for_url("**?msg=deleted")
    assert "已删除" in flash(page)
    assert page.locator(".banner").is_visible()
    page.goto("/admin/service-sites")
    search(page, site.name)
    assert site.name not in (
        column_texts(page, "名称") if page.locator("table.grid").count() else []
    )

    # But it shows with 仅显示已删除
    page.check("form.filters input[name=deleted]")
    with page.expect_navigation():
        page.click("form.filters button[type=submit]")
    # (still searched by name, so the answer stays at the list's own address: a POST)
    assert "仅显示已删除" in text_of(page, "main h1")
    assert site.name in column_texts(page, "名称")

    # When they open it there and restore it
    page.click(f"table.grid tbody tr:has-text('{site.name}') a:has-text('查看')")
    page.click("button.primary:has-text('恢复')")

    # Then it is back in the ordinary list
    page.wait_for_url("**?msg=restored")
    assert flash(page) == "已恢复"
    assert page.locator(".banner").count() == 0
    page.goto("/admin/service-sites")
    search(page, site.name)
    assert site.name in column_texts(page, "名称")


# -- 7. language -------------------------------------------------------------------------------------


def test_the_language_switch_turns_the_ui_english_and_back(
    new_page: Any, live_server: LiveServer
) -> None:
    # Given the editor on the Chinese dashboard
    page = new_page(EDITOR)
    assert text_of(page, "main h1") == "工作台"

    # When they click English
    page.click("header a.lang:has-text('English')")

    # Then the UI is English, and stays so on the next page
    page.wait_for_selector("main h1:has-text('Dashboard')")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Scholarship student" in text_of(page, "nav.side")
    page.goto("/admin/scholarship-students")
    assert "Export CSV" in text_of(page, "main")
    shot(page, "08-student-list-english")

    # When they click 中文
    page.click("header a.lang:has-text('中文')")

    # Then the UI is Chinese again, on the page they were on
    page.wait_for_selector("main h1:has-text('金秋助学学生')")
    assert page.url.endswith("/admin/scholarship-students")
    assert "导出 CSV" in text_of(page, "main")


# -- 8. signing in is required ----------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login_and_a_wrong_password_gets_a_chinese_message(
    new_page: Any, live_server: LiveServer
) -> None:
    # Given nobody signed in
    page = new_page()

    # When they open the students list
    page.goto("/admin/scholarship-students")

    # Then they are on the sign-in page, and no student is shown
    assert "/admin/login" in page.url and "next=" in page.url
    assert page.locator("form.login").is_visible()
    assert page.locator("table.grid").count() == 0

    # When they sign in with a wrong password
    page.fill("input[name=email]", VIEWER)
    page.fill("input[name=password]", "not-the-password")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("button[type=submit]")
    assert posted.value.status == 401

    # Then a plain Chinese message says so, and nothing technical
    message = text_of(page, "form.login .error")
    assert message == "用户名或密码错误"
    assert CJK.search(message)
    content = page.content()
    assert "Traceback" not in content and "Exception" not in content and "Error:" not in content
    assert page.locator("input[name=password]").input_value() == ""

    # When they then sign in correctly, they land on the page they asked for
    page.fill("input[name=email]", VIEWER)
    page.fill("input[name=password]", "hongfan-demo-2024")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/scholarship-students")
    assert text_of(page, "main h1") == "金秋助学学生"


# -- import and export (admin_ui/transfer.py) ---------------------------------------------------------

STUDENT_HEADERS = [
    "姓名",
    "性别",
    "身份证号",
    "手机号码",
    "家庭类别",
    "所在组织",
    "就读高校",
    "专业",
    "入学年份",
    "毕业年份",
]


# The background import (upload, progress, preview, error file, commit): tests/e2e/test_transfer_browser.py.


def test_editor_exports_the_searched_students_as_a_chinese_csv_that_excel_opens(
    new_page: Any, live_server: LiveServer, tmp_path: Any
) -> None:
    # Given the editor's student list narrowed by a search
    page = new_page(EDITOR)
    page.goto("/admin/scholarship-students")
    search(page, "测试")
    expected = list_total(page)
    # (a searched list exports by POST, so the search text stays out of the URL)
    link = page.locator(".actions button:has-text('导出 CSV')")
    assert link.get_attribute("formaction") == "/admin/scholarship-students/export.csv"

    # When they click 导出 CSV
    with page.expect_download() as downloading:
        link.click()
    download = downloading.value
    assert download.suggested_filename.startswith(
        "金秋助学学生"
    ) and download.suggested_filename.endswith(".csv")
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    # Then the file is UTF-8 with a BOM (so Excel reads the Chinese), with Chinese headers
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    headers, body = rows[0], [r for r in rows[1:] if r]
    assert "姓名" in headers and "身份证号" in headers
    # And it holds the searched rows, ID numbers masked as on the screen
    assert len(body) == expected
    names = [r[headers.index("姓名")] for r in body]
    assert all("测试" in n for n in names)
    assert all(MASK in r[headers.index("身份证号")] for r in body)
