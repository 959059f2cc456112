"""The admin pages through HTTP, as each role: rows, fields and writes follow the policy."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from hongfan.principal import SYSTEM
from models import Company, Course, Internship, Organisation, ScholarshipStudent, ServiceSite
from models.activities import Activity
from models.validators import make_national_id
from tests.admin_ui.conftest import AdminClient, text_of


async def _one(database, statement):
    async with database.session(SYSTEM) as session:
        return (await session.execute(statement)).scalars().first()


async def _district_student(database, district: str) -> ScholarshipStudent:
    district_org = await _one(
        database, sa.select(Organisation).where(Organisation.name == district)
    )
    return await _one(
        database,
        sa.select(ScholarshipStudent)
        .join(Organisation, Organisation.id == ScholarshipStudent.organisation_id)
        .where(Organisation.path.like(district_org.path + "%"))
        .order_by(ScholarshipStudent.id),
    )


async def test_anonymous_is_sent_to_the_login_page(client: AdminClient):
    response = await client.get("/admin/scholarship-students")
    assert response.status_code == 303 and response.headers["location"].startswith("/admin/login")
    login = await client.get(response.headers["location"])
    assert "登录" in login.text


async def test_wrong_password_gets_one_chinese_message_for_any_account(client: AdminClient):
    wrong = await client.http.post(
        "/admin/login", data={"email": "huli.editor@demo.hongfan", "password": "nope-nope-nope"}
    )
    unknown = await client.http.post(
        "/admin/login", data={"email": "nobody@demo.hongfan", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert re.search(r'class="error"[^>]*>([^<]+)<', wrong.text).group(1) == re.search(
        r'class="error"[^>]*>([^<]+)<', unknown.text
    ).group(1)
    assert "Traceback" not in wrong.text


async def test_editor_sees_own_district_students_with_masked_id_numbers(client: AdminClient, demo):
    await client.login("huli.editor@demo.hongfan")
    page = text_of((await client.get("/admin/scholarship-students")).text)
    assert "3502**********" in page
    assert not re.search(r"\b3502\d{13}[\dX]\b", page)
    other = await _district_student(demo, "思明区")
    assert (await client.get(f"/admin/scholarship-students/{other.id}")).status_code == 404
    assert (await client.get(f"/admin/scholarship-students/{other.id}/edit")).status_code == 404


async def test_chinese_name_fragment_search_finds_the_student(client: AdminClient, demo):
    await client.login("huli.editor@demo.hongfan")
    student = await _district_student(demo, "湖里区")
    fragment = student.name[1:3]
    page = text_of(
        (await client.post("/admin/scholarship-students", {"q": fragment})).text
    )  # searches are POSTs
    assert student.name in page


async def test_bad_id_number_is_shown_beside_the_field_and_nothing_is_saved(
    client: AdminClient, demo
):
    await client.login("huli.editor@demo.hongfan")
    student = await _district_student(demo, "湖里区")
    gender = student.gender.value
    valid = make_national_id("350206", date(2003, 3, 3), 17, gender)
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    form = {
        "version": str(student.version),
        "name": student.name,
        "gender": gender,
        "id_number": wrong,
        "organisation_id": str(student.organisation_id),
        "university": student.university,
        "enrolment_year": str(student.enrolment_year),
        "graduation_year": str(student.graduation_year),
    }
    response = await client.post(f"/admin/scholarship-students/{student.id}/edit", form)
    assert response.status_code == 422
    assert re.search(r'id="err-id_number"[^>]*>[^<]*校验位', response.text)
    unchanged = await _one(
        demo, sa.select(ScholarshipStudent).where(ScholarshipStudent.id == student.id)
    )
    assert unchanged.id_number == student.id_number and unchanged.version == student.version
    fixed = await client.post(
        f"/admin/scholarship-students/{student.id}/edit", {**form, "id_number": valid}
    )
    assert fixed.status_code == 303
    saved = await _one(
        demo, sa.select(ScholarshipStudent).where(ScholarshipStudent.id == student.id)
    )
    assert saved.id_number == valid and saved.version == student.version + 1


async def test_stale_edit_is_a_conflict_showing_both_versions(client: AdminClient, demo):
    await client.login("huli.admin@demo.hongfan")
    site = await _one(
        demo,
        sa.select(ServiceSite)
        .join(Organisation, Organisation.id == ServiceSite.organisation_id)
        .where(Organisation.name == "禾山社区"),
    )
    form = {
        "version": str(site.version),
        "name": "甲改的名字",
        "kind": site.kind.value,
        "organisation_id": str(site.organisation_id),
        "recognition": site.recognition.value,
        "published": "1",
    }
    assert (await client.post(f"/admin/service-sites/{site.id}/edit", form)).status_code == 303
    stale = await client.post(
        f"/admin/service-sites/{site.id}/edit", {**form, "name": "乙改的名字"}
    )
    assert stale.status_code == 409
    page = text_of(stale.text)
    assert "保存冲突" in page and "甲改的名字" in page and "乙改的名字" in page
    now = await _one(demo, sa.select(ServiceSite).where(ServiceSite.id == site.id))
    assert now.name == "甲改的名字"
    version = re.search(r'name="version" value="(\d+)"', stale.text).group(1)
    assert (
        await client.post(
            f"/admin/service-sites/{site.id}/edit",
            {**form, "version": version, "name": "乙改的名字"},
        )
    ).status_code == 303


async def test_partner_sees_only_its_interns_and_no_sensitive_fields(client: AdminClient, demo):
    await client.login("partner@demo.hongfan")
    home = text_of((await client.get("/admin/")).text)
    assert "见习" in home and "用户与令牌" not in home
    listing = (await client.get("/admin/internships")).text
    own_ids = {int(x) for x in re.findall(r'href="/admin/internships/(\d+)"', listing)}
    assert own_ids
    async with demo.session(SYSTEM) as session:
        rows = (
            await session.execute(
                sa.select(Internship.id, Internship.company_id, Internship.student_id)
            )
        ).all()
        partner_company = {c for i, c, _ in rows if i in own_ids}
        assert len(partner_company) == 1
        foreign = next(r for r in rows if r[1] not in partner_company)
    assert (await client.get(f"/admin/internships/{foreign[0]}")).status_code == 404
    assert (await client.get(f"/admin/scholarship-students/{foreign[2]}")).status_code == 404
    own = next(r for r in rows if r[0] in own_ids)
    student_page = text_of((await client.get(f"/admin/scholarship-students/{own[2]}")).text)
    assert (
        "就读高校" in student_page
        and "身份证号" not in student_page
        and "手机号码" not in student_page
    )
    assert (await client.get("/admin/organisations")).status_code == 404


async def _deletable_huli_site(demo: Any) -> ServiceSite:
    """A 湖里 site nothing is held at (deleting one with courses or activities is refused:
    test_integrity)."""
    huli = await _one(demo, sa.select(Organisation).where(Organisation.name == "湖里区"))
    return await _one(  # type: ignore[no-any-return]
        demo,
        sa.select(ServiceSite)
        .join(Organisation, Organisation.id == ServiceSite.organisation_id)
        .where(
            Organisation.path.like(huli.path + "%"),
            ~sa.exists().where(Course.site_id == ServiceSite.id),
            ~sa.exists().where(Activity.site_id == ServiceSite.id),
        )
        .order_by(ServiceSite.id)
        .limit(1),
    )


async def test_editor_cannot_delete_and_org_admin_deletes_and_restores(client: AdminClient, demo):
    site = await _deletable_huli_site(demo)
    await client.login("huli.editor@demo.hongfan")
    refused = await client.post(f"/admin/service-sites/{site.id}/delete", {})
    assert refused.status_code == 422 and "无权" in refused.text
    await client.login("huli.admin@demo.hongfan")
    deleted = await client.post(f"/admin/service-sites/{site.id}/delete", {})
    assert deleted.status_code == 303, text_of(deleted.text)[:400]
    # Told by its link and the deleted list: published sites elsewhere (同安 has a 禾山社区
    # too) share its name and fill the live list's pages.
    link = f'href="/admin/service-sites/{site.id}"'
    deleted_list = f"/admin/service-sites?q={site.name}&deleted=1"
    assert link in (await client.get(deleted_list)).text
    live = sa.select(ServiceSite).where(ServiceSite.id == site.id)
    assert await _one(demo, live) is None  # no longer among the live records
    assert (await client.post(f"/admin/service-sites/{site.id}/restore", {})).status_code == 303
    assert link not in (await client.get(deleted_list)).text
    assert await _one(demo, live) is not None


async def test_forms_without_the_csrf_token_are_refused(client: AdminClient, demo):
    await client.login("huli.admin@demo.hongfan")
    site = await _one(
        demo,
        sa.select(ServiceSite)
        .join(Organisation, Organisation.id == ServiceSite.organisation_id)
        .where(Organisation.name == "禾山社区"),
    )
    response = await client.post(f"/admin/service-sites/{site.id}/delete", {}, csrf=False)
    assert response.status_code == 403 and "表单已过期" in response.text
    assert (
        await _one(demo, sa.select(ServiceSite).where(ServiceSite.id == site.id))
    ).deleted_at is None


async def test_a_deleted_site_is_neither_listed_nor_counted_by_a_search(client: AdminClient, demo):
    """Given a service site the 湖里区 admin has just deleted, when she searches its name
    (a search of several columns: name, address), then the live list neither shows it nor
    counts it — the search's alternatives are one condition, ANDed whole with "not
    deleted" (it was once written A OR B AND live, which let a deleted match through)."""
    site = await _deletable_huli_site(demo)
    await client.login("huli.admin@demo.hongfan")

    async def searched() -> tuple[str, str]:
        page = (await client.post("/admin/service-sites", {"q": site.name})).text
        found = re.search(r"共 ([\d,]+) 条", text_of(page))
        return page, found.group(1) if found else ""

    before_page, before = await searched()
    link = f'href="/admin/service-sites/{site.id}"'
    assert link in before_page
    assert (await client.post(f"/admin/service-sites/{site.id}/delete", {})).status_code == 303
    after_page, after = await searched()
    assert link not in after_page
    assert int(after.replace(",", "")) == int(before.replace(",", "")) - 1


async def test_history_restores_an_earlier_version(client: AdminClient, demo):
    await client.login("huli.admin@demo.hongfan")
    company = await _one(
        demo,
        sa.select(Company)
        .join(Organisation, Organisation.id == Company.organisation_id)
        .where(Organisation.name == "湖里区"),
    )
    if company is None:
        return
    original = company.industry
    form = {
        "version": str(company.version),
        "name": company.name,
        "credit_code": company.credit_code,
        "organisation_id": str(company.organisation_id),
        "industry": "临时行业",
        "published": "1",
    }
    assert (await client.post(f"/admin/companies/{company.id}/edit", form)).status_code == 303
    history = (await client.get(f"/admin/companies/{company.id}/history")).text
    assert "临时行业" in history
    entry = re.search(r'name="entry" value="(\d+)"', history).group(1)
    assert (
        await client.post(f"/admin/companies/{company.id}/history", {"entry": entry})
    ).status_code == 303
    restored = await _one(demo, sa.select(Company).where(Company.id == company.id))
    assert restored.industry == original and restored.version == company.version + 2


async def test_users_page_is_for_admins_and_shows_a_new_password_once(client: AdminClient, demo):
    await client.login("huli.editor@demo.hongfan")
    assert (await client.get("/admin/users")).status_code == 403
    await client.login("huli.admin@demo.hongfan")
    huli = await _one(demo, sa.select(Organisation).where(Organisation.name == "湖里区"))
    created = await client.post(
        "/admin/users",
        {"email": "new.viewer@huli.test", "role": "viewer", "organisation_id": str(huli.id)},
    )
    assert created.status_code == 200 and "只显示这一次" in created.text
    siming = await _one(demo, sa.select(Organisation).where(Organisation.name == "思明区"))
    refused = await client.post(
        "/admin/users",
        {"email": "sneaky@siming.test", "role": "viewer", "organisation_id": str(siming.id)},
    )
    assert "sneaky@siming.test" not in re.sub(r'value="[^"]*"', "", refused.text.split("<h2>")[0])


async def test_an_admin_issues_a_partner_token_bound_to_the_operations_pasted_in(
    client: AdminClient, demo
):
    """Given a partner's .graphql file pasted into the token form, the new token is listed
    with the operations it may run; a file that cannot be an allow-list is refused with why."""
    from models import User

    await client.login("admin@demo.hongfan")
    partner = await _one(demo, sa.select(User).where(User.email == "partner@demo.hongfan"))
    page = f"/admin/users/{partner.id}"
    operations = "query MyInterns { internships { totalCount } }\nquery Sites { serviceSites { totalCount } }"
    issued = await client.post(
        page,
        {
            "action": "issue",
            "name": "erp",
            "operations": operations,
            "password": "hongfan-demo-2024",
        },
    )
    assert issued.status_code == 200 and "只显示这一次" in issued.text
    assert "MyInterns、Sites" in text_of(issued.text)
    refused = await client.post(
        page,
        {
            "action": "issue",
            "name": "erp",
            "operations": "query { a }",
            "password": "hongfan-demo-2024",
        },
    )
    assert "每个操作都须有名称" in text_of(refused.text) and "只显示这一次" not in refused.text


async def test_org_admin_viewing_a_student_in_clear_is_in_the_sensitive_read_log(
    client: AdminClient, demo
):
    await client.login("huli.admin@demo.hongfan")
    student = await _district_student(demo, "湖里区")
    detail = text_of((await client.get(f"/admin/scholarship-students/{student.id}")).text)
    assert student.id_number in detail
    log = text_of((await client.get("/admin/audit?action=read_sensitive")).text)
    # The log names the record by its title and type, as the UI's language says them
    assert f"金秋助学学生 {student.name}" in log and "huli.admin@demo.hongfan" in log


async def test_dashboard_figures_link_to_filtered_lists(client: AdminClient):
    await client.login("admin@demo.hongfan")
    home = (await client.get("/admin/")).text
    assert "向日葵亲子小屋" in home and "/admin/service-sites?f_kind=sunflower_hut" in home
    huts = text_of((await client.get("/admin/service-sites?f_kind=sunflower_hut")).text)
    assert "共 23 条" in huts


def dashboard_links(page: str) -> list[tuple[str, int]]:
    """Each (link, figure) the dashboard shows: cards, bars, and the grants per year."""
    found = [
        (href, int(n.replace(",", "")))
        for href, n in re.findall(r'<a class="card" href="([^"]+)"><b>([\d,]+)</b>', page)
    ]
    found += [
        (html.unescape(href), int(n))
        for href, n in re.findall(
            r'<a href="([^"]+)">[^<]*</a>\s*<progress[^>]*></progress><span>(\d+)</span>', page
        )
    ]
    found += [
        (href, int(n))
        for href, n in re.findall(r'<a href="(/admin/grants[^"]+)"[^>]*>(\d+)</a>', page)
    ]
    return [(html.unescape(href), n) for href, n in found]


@pytest.mark.parametrize("user", ["admin@demo.hongfan", "huli.admin@demo.hongfan"])
async def test_every_dashboard_figure_leads_to_a_list_of_exactly_that_many_rows(
    client: AdminClient, user: str
):
    # Given a signed-in admin on the dashboard
    await client.login(user)
    home = (await client.get("/admin/")).text
    links = dashboard_links(home)
    assert any("/admin/grants?f_year=" in href for href, _ in links)
    assert len(links) > 10
    # When she follows each figure's link, then the list says the same number of rows
    for href, figure in links:
        listed = text_of((await client.get(href)).text)
        assert f"共 {figure:,} 条" in listed, (href, figure)


async def test_a_figure_past_the_lists_capped_count_leads_to_its_exact_count(
    client: AdminClient, monkeypatch: pytest.MonkeyPatch
):
    """Given lists that count exactly only up to a cap (10,000; 5 here) and a dashboard
    whose figures pass it, when the admin follows each such figure, then its list counts
    exactly and says the dashboard's number (not "超过 5 条"); and a list past the cap
    offers 精确计数, which counts it."""
    from admin_ui import dashboard, lists

    monkeypatch.setattr(lists, "COUNT_CAP", 5)
    monkeypatch.setattr(dashboard, "COUNT_CAP", 5)
    await client.login("admin@demo.hongfan")
    big = [(h, n) for h, n in dashboard_links((await client.get("/admin/")).text) if n > 5]
    assert len(big) > 5 and all("count=exact" in href for href, _ in big)
    for href, figure in big:
        listed = text_of((await client.get(href)).text)
        assert f"共 {figure:,} 条" in listed, (href, figure)
    students = (await client.get("/admin/scholarship-students")).text
    assert "超过 5 条" in text_of(students)
    found = re.search(r'<a href="([^"]+)">精确计数</a>', students)
    assert found is not None
    counted = text_of((await client.get(html.unescape(found.group(1)))).text)
    assert re.search(r"共 [\d,]+ 条", counted) and "超过" not in counted.split("条")[0]


async def test_language_switch_only_returns_to_our_own_pages(client: AdminClient):
    evil = await client.http.get(
        "/admin/language?lang=en", headers={"referer": "https://evil.example/admin/x"}
    )
    assert evil.status_code == 303 and evil.headers["location"] == "/admin/x"
    scheme_relative = await client.http.get(
        "/admin/language?lang=en", headers={"referer": "//evil.example/admin"}
    )
    assert not scheme_relative.headers["location"].startswith("//")
    home = await client.http.get(
        "/admin/language?lang=zh", headers={"referer": "http://hongfan.test/admin/courses?q=x"}
    )
    assert home.headers["location"] == "/admin/courses?q=x"


async def test_partner_dashboard_shows_only_what_the_partner_may_open(client: AdminClient):
    await client.login("partner@demo.hongfan")
    home = (await client.get("/admin/")).text
    assert 'href="/admin/internships"' in home
    assert 'href="/admin/organisations"' not in home and "家庭健康指导员不足两名的社区" not in home


@pytest.mark.parametrize("position", ["99999999999999999999", "203x", "-1", "0"])
async def test_an_altered_audit_log_position_starts_the_log_again_and_says_so(
    client: AdminClient, position: str
):
    """Given the audit log, when its page position (``before``) is altered — too large for
    an id, not a number, negative — then the log's first page answers with 翻页位置无效或已过期，
    已回到第一页, never a 500 and never silently another page."""
    await client.login("admin@demo.hongfan")
    first = (await client.get("/admin/audit")).text
    answer = await client.get(f"/admin/audit?before={position}")
    assert answer.status_code == 200
    assert "翻页位置无效或已过期" in text_of(answer.text)
    assert "翻页位置无效或已过期" not in text_of(first)
