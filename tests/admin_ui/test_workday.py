"""A working day in the admin over HTTP: search, pickers, bulk actions, history, forms, views.

One demo network for the whole module (loading it is the slow part); each test signs in
its own client and works on its own records, so the order of tests does not matter.
"""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa

import models  # noqa: F401  (registers every table)
from hongfan.app import create_app
from hongfan.db import Database, create_engine
from hongfan.principal import SYSTEM
from models import (
    AuditEntry,
    Company,
    Internship,
    InternshipStatus,
    Organisation,
    ScholarshipStudent,
)
from models.pinyin import search_text
from tests.admin_ui.conftest import PASSWORD, AdminClient, csrf_of, text_of
from tests.conftest import settings_for

pytestmark = pytest.mark.asyncio(loop_scope="module")

ADMIN = "huli.admin@demo.hongfan"
EDITOR = "huli.editor@demo.hongfan"
SUPERADMIN = "admin@demo.hongfan"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(
    demo_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    """One copy of the demo database for the whole module (tests/admin_ui/conftest.py builds it)."""
    path: Path = tmp_path_factory.mktemp("workday") / "workday.db"
    shutil.copyfile(demo_file, path)
    settings = settings_for(f"sqlite+aiosqlite:///{path}")
    db = Database(settings, create_engine(settings))
    yield db
    await db.dispose()


_CLIENTS: dict[tuple[int, str], AdminClient] = {}


async def signed_in(world: Database, email: str) -> AdminClient:
    """A client signed in as ``email``; one per user for the module (signing in hashes a password)."""
    key = (id(world), email)
    if key not in _CLIENTS:
        _CLIENTS[key] = await _sign_in(world, email)
    return _CLIENTS[key]


async def _sign_in(world: Database, email: str) -> AdminClient:
    app = create_app(world.settings, world)
    http = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://hongfan.test",
        headers={"accept-language": "zh-CN"},
    )
    client = AdminClient(http)
    response = await http.post("/admin/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 303
    client.csrf = csrf_of((await http.get("/admin/")).text)
    return client


async def rows(world: Database, statement: Any) -> list[Any]:
    async with world.session(SYSTEM) as session:
        return list((await session.execute(statement)).scalars().all())


async def huli_students(world: Database) -> list[ScholarshipStudent]:
    huli = (await rows(world, sa.select(Organisation).where(Organisation.name == "湖里区")))[0]
    subtree = sa.select(Organisation.id).where(Organisation.path.like(huli.path + "%"))  # type: ignore[attr-defined]
    return await rows(
        world,
        sa.select(ScholarshipStudent)
        .where(ScholarshipStudent.organisation_id.in_(subtree))
        .order_by(ScholarshipStudent.id),
    )  # type: ignore[attr-defined,union-attr]


def names_listed(html: str) -> list[str]:
    return re.findall(r'<td data-label="姓名">([^<]+)</td>', html)


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html) + re.findall(r'formaction="([^"]*)"', html)


# -- search: POST, pinyin, exact personal-data lookup ------------------------------------------


async def test_org_admin_finds_a_student_by_full_id_number_and_the_number_is_in_no_url(
    world: Database,
) -> None:
    # Given the 湖里 org admin and one of her students
    client = await signed_in(world, ADMIN)
    wanted = (await huli_students(world))[3]

    # When she types the student's whole ID number into the list's search box (a POST)
    response = await client.post("/admin/scholarship-students", {"q": wanted.id_number})

    # Then exactly that student is listed, and no link on the page carries the number
    assert names_listed(response.text) == [wanted.name]
    assert all(wanted.id_number not in href for href in hrefs(response.text))
    # And the lookup is in the audit log by field name, without the value
    entries = await rows(
        world,
        sa.select(AuditEntry).where(
            AuditEntry.action == "lookup_sensitive", AuditEntry.actor.contains(ADMIN)
        ),
    )  # type: ignore[attr-defined]
    assert entries and entries[-1].changes["fields"] == ["id_number"]
    assert wanted.id_number not in str(entries[-1].changes)


async def test_org_admin_finds_a_student_by_phone_and_an_editor_cannot_look_up_by_it(
    world: Database,
) -> None:
    student = (await huli_students(world))[5]
    assert student.phone
    admin = await signed_in(world, ADMIN)
    assert names_listed(
        (await admin.post("/admin/scholarship-students", {"q": student.phone})).text
    ) == [student.name]

    # An editor sees masked numbers: a whole number finds nothing for her
    editor = await signed_in(world, EDITOR)
    assert (
        names_listed((await editor.post("/admin/scholarship-students", {"q": student.phone})).text)
        == []
    )
    assert (
        names_listed(
            (await editor.post("/admin/scholarship-students", {"q": student.id_number})).text
        )
        == []
    )


async def test_a_search_in_the_address_bar_is_ignored_and_searched_pages_go_on_by_post(
    world: Database,
) -> None:
    client = await signed_in(world, EDITOR)
    everyone = names_listed((await client.get("/admin/scholarship-students")).text)

    # A ?q= typed into a URL is not a search (searches travel in POST bodies only)
    assert names_listed((await client.get("/admin/scholarship-students?q=测试")).text) == everyone

    # A POSTed search by pinyin initials lists the names that read so, in pinyin order
    target = everyone[0]
    initials = (search_text(target, "person") or "").split()[-1][:3]
    response = await client.post("/admin/scholarship-students", {"q": initials})
    found = names_listed(response.text)
    assert target in found
    assert all(initials in (search_text(n, "person") or "") for n in found)
    # And its sort headers, export and next page are buttons of a POST form, not links with the text
    assert not any("q=" in href for href in hrefs(response.text))
    assert 'form="list-state"' in response.text and f'name="q" value="{initials}"' in response.text


# -- pickers ----------------------------------------------------------------------------------


async def test_picker_pages_through_every_student_in_scope_and_tells_namesakes_apart(
    world: Database,
) -> None:
    # Given the editor of 湖里区 and the picker's search endpoint
    client = await signed_in(world, EDITOR)
    seen: list[dict[str, Any]] = []
    after = ""
    while True:  # When she pages through an empty search
        response = await client.post(
            "/admin/scholarship-students/options", {"q": "", "after": after}
        )
        assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
        page = response.json()
        seen += page["results"]
        if not page["next"]:
            break
        after = page["next"]

    # Then she gets every student of her district exactly once (no cap), none from elsewhere
    huli = await huli_students(world)
    assert sorted(r["id"] for r in seen) == sorted(s.id for s in huli)
    # Each with the organisation path, the university and the masked ID tail to tell them apart
    first = next(r for r in seen if r["id"] == huli[0].id)
    assert first["detail"].startswith("湖里区 / ") and huli[0].university in first["detail"]
    assert f"尾号 {huli[0].id_number[-4:]}" in first["detail"]


async def test_picker_finds_by_initials_and_needs_the_form_token(world: Database) -> None:
    client = await signed_in(world, EDITOR)
    found = (await client.post("/admin/scholarship-students/options", {"q": "kcs"})).json()
    assert found["total"] == len(found["results"]) > 0
    assert all(r["title"][1:3] == "测试" for r in found["results"])
    refused = await client.post("/admin/scholarship-students/options", {"q": "kcs"}, csrf=False)
    assert refused.status_code == 403


async def test_without_javascript_the_find_button_lists_matches_and_keeps_what_was_typed(
    world: Database,
) -> None:
    client = await signed_in(world, EDITOR)
    response = await client.post(
        "/admin/grants/new",
        {
            "student_id": "",
            "student_id__q": "kcs",
            "_find": "student_id",
            "year": "2024",
            "amount": "1500",
        },
    )
    assert response.status_code == 200
    options = re.findall(
        r'<option value="(\d+)"[^>]*>([^<]+)</option>',
        response.text.split('name="student_id"')[1].split("</select>")[0],
    )
    assert options and all(text[1:3] == "测试" for _, text in options)
    assert 'value="1500"' in response.text  # the amount typed is still there
    assert (
        await rows(
            world,
            sa.select(AuditEntry).where(
                AuditEntry.action == "create",
                AuditEntry.entity == "Grant",
                AuditEntry.actor.contains(EDITOR),
            ),
        )
        == []
    )  # type: ignore[attr-defined]


# -- forms and flows ----------------------------------------------------------------------


async def test_student_page_offers_add_grant_and_the_form_arrives_with_the_student_chosen(
    world: Database,
) -> None:
    client = await signed_in(world, EDITOR)
    student = (await huli_students(world))[0]
    detail = (await client.get(f"/admin/scholarship-students/{student.id}")).text
    assert f'href="/admin/grants/new?student_id={student.id}"' in detail
    assert f'href="/admin/internships/new?student_id={student.id}"' in detail
    form = (await client.get(f"/admin/grants/new?student_id={student.id}")).text
    assert re.search(
        rf'<option value="{student.id}" selected>{re.escape(student.name)} · 湖里区', form
    )


async def test_required_markers_match_validation_and_a_left_empty_default_is_used(
    world: Database,
) -> None:
    client = await signed_in(world, EDITOR)
    form = (await client.get("/admin/scholarship-students/new")).text
    # 就业去向 is required (never empty) and arrives set to its default, 在读
    assert re.search(r'for="f-employment_outcome">就业去向 <span class="req"', form)
    assert re.search(r'<option value="studying" selected>在读</option>', form)
    assert not re.search(r'for="f-major">专业 <span class="req"', form)
    # A failed save marks the field for assistive technology and puts the cursor there
    failed = await client.post("/admin/scholarship-students/new", {"name": "", "gender": "female"})
    assert failed.status_code == 422
    assert re.search(
        r'id="f-name" name="name" value=""[^>]*aria-invalid="true" aria-describedby="err-name"[^>]*autofocus',
        failed.text,
    )


async def test_edit_form_in_clear_is_a_sensitive_read_and_shows_which_record(
    world: Database,
) -> None:
    student = (await huli_students(world))[7]
    admin = await signed_in(world, ADMIN)
    before = len(
        await rows(
            world,
            sa.select(AuditEntry).where(
                AuditEntry.action == "read_sensitive", AuditEntry.record_id == student.id
            ),
        )
    )
    form = (await admin.get(f"/admin/scholarship-students/{student.id}/edit")).text
    assert f'<span class="record-title">{student.name}</span>' in form
    after = await rows(
        world,
        sa.select(AuditEntry).where(
            AuditEntry.action == "read_sensitive", AuditEntry.record_id == student.id
        ),
    )
    assert len(after) == before + 1 and "id_number" in after[-1].changes["fields"]
    # An editor's form shows nothing in clear, so it is no read
    editor = await signed_in(world, EDITOR)
    await editor.get(f"/admin/scholarship-students/{student.id}/edit")
    assert len(
        await rows(
            world,
            sa.select(AuditEntry).where(
                AuditEntry.action == "read_sensitive", AuditEntry.record_id == student.id
            ),
        )
    ) == len(after)


async def test_instructor_drill_down_shows_its_filter_and_lists_what_the_figure_counts(
    world: Database,
) -> None:
    client = await signed_in(world, ADMIN)
    dashboard = (await client.get("/admin/")).text
    link = re.search(
        r'href="(/admin/enrolments\?organisation_id=\d+[^"]*)">([^<]+)</a></td><td>[^<]*</td><td>(\d+)</td>',
        dashboard,
    )
    assert link, "a community lacking instructors is listed"
    url, community, figure = link.group(1).replace("&amp;", "&"), link.group(2), int(link.group(3))
    listed = (await client.get(url)).text
    # The filter bar names the community and keeps it (a hidden field in the same form)
    assert re.search(r'class="chip"><input type="hidden" name="organisation_id"', listed)
    bar = text_of(listed.split('<form class="filters"')[1].split("</form>")[0])
    assert community in bar and "家庭健康指导员培训" in bar
    assert 'name="course_id.category" value="instructor_training"' in listed
    assert re.search(r'<option value="qualified" selected>', listed)
    total = int(re.search(r"共 (\d+) 条", listed).group(1))
    assert total == figure


# -- bulk actions -----------------------------------------------------------------------------


async def _internships(world: Database, status: InternshipStatus) -> list[Internship]:
    return await rows(
        world, sa.select(Internship).where(Internship.status == status).order_by(Internship.id)
    )


async def test_bulk_set_status_confirms_then_changes_every_ticked_row_in_one_audited_operation(
    world: Database,
) -> None:
    client = await signed_in(world, SUPERADMIN)
    ongoing = [i for i in await _internships(world, InternshipStatus.ONGOING)][:3]
    ids = [str(i.id) for i in ongoing]
    payload = {"action": "set:status", "value": "completed", "ids": ids}
    confirm = await client.http.post(
        "/admin/internships/bulk", data={**payload, "csrf_token": client.csrf}
    )
    assert confirm.status_code == 200
    assert "将把以下 3 条见习的“状态”设为“已完成”。" in text_of(confirm.text)
    # Nothing has changed yet
    assert {
        i.status for i in await rows(world, sa.select(Internship).where(Internship.id.in_(ids)))
    } == {InternshipStatus.ONGOING}  # type: ignore[union-attr]

    done = await client.post(
        "/admin/internships/bulk",
        {"action": "set:status", "value": "completed", "ids": ",".join(ids), "confirm": "1"},
    )
    assert done.status_code == 303
    changed = await rows(world, sa.select(Internship).where(Internship.id.in_(ids)))  # type: ignore[union-attr]
    assert {i.status for i in changed} == {InternshipStatus.COMPLETED}
    summary = (await rows(world, sa.select(AuditEntry).where(AuditEntry.action == "bulk_update")))[
        -1
    ]
    assert sorted(summary.changes["ids"]) == sorted(int(i) for i in ids)
    each = await rows(
        world,
        sa.select(AuditEntry).where(
            AuditEntry.request_id == summary.request_id, AuditEntry.action == "update"
        ),
    )
    assert sorted(e.record_id for e in each) == sorted(int(i) for i in ids)
    assert all(e.changes["status"] == ["ongoing", "completed"] for e in each)


async def test_bulk_delete_is_all_or_nothing(world: Database) -> None:
    # Given a district (it has live streets below it) and a company, ticked together
    client = await signed_in(world, SUPERADMIN)
    district = (await rows(world, sa.select(Organisation).where(Organisation.name == "集美区")))[0]
    leaf = (
        await rows(
            world,
            sa.select(Organisation)
            .where(Organisation.level == "community")
            .order_by(Organisation.id.desc()),
        )
    )[0]  # type: ignore[union-attr]
    done = await client.post(
        "/admin/organisations/bulk",
        {"action": "delete", "ids": f"{leaf.id},{district.id}", "confirm": "1"},
    )
    # Then the district's refusal is shown and the community was not deleted either
    assert done.status_code == 422 and "集美区" in done.text
    assert (await rows(world, sa.select(Organisation).where(Organisation.id == leaf.id)))[
        0
    ].deleted_at is None


async def test_bulk_all_matching_takes_the_filtered_rows_with_their_count(world: Database) -> None:
    client = await signed_in(world, ADMIN)
    response = await client.post(
        "/admin/scholarship-students/bulk", {"action": "export_csv", "all": "1", "q": "kcs"}
    )
    assert response.status_code == 200
    listed = names_listed((await client.post("/admin/scholarship-students", {"q": "kcs"})).text)
    assert f"将导出以下 {len(listed)} 条金秋助学学生。" in text_of(response.text)


async def test_when_the_list_count_is_capped_the_bulk_option_says_more_than_like_the_list(
    world: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a list with more matching rows than the admin counts exactly (the cap made small)
    monkeypatch.setattr("admin_ui.lists.COUNT_CAP", 3)
    client = await signed_in(world, ADMIN)
    # When the org admin opens it
    page = text_of((await client.get("/admin/scholarship-students")).text)
    # Then the count above the list and the bulk "all matching" option both say "more than 3"
    assert "超过 3 条" in page
    assert "全部符合条件的记录（超过 3 条）" in page
    assert "全部符合条件的记录（3 条）" not in page


# -- history and the audit log ------------------------------------------------------------------


async def test_editor_sees_her_own_edit_in_the_history_with_chinese_labels(world: Database) -> None:
    client = await signed_in(world, EDITOR)
    huli = (await rows(world, sa.select(Organisation).where(Organisation.name == "湖里区")))[0]
    subtree = sa.select(Organisation.id).where(Organisation.path.like(huli.path + "%"))  # type: ignore[attr-defined]
    huli_company = (
        await rows(
            world,
            sa.select(Company).where(Company.organisation_id.in_(subtree)).order_by(Company.id),
        )
    )[0]  # type: ignore[attr-defined]
    form = (await client.get(f"/admin/companies/{huli_company.id}/edit")).text
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    fields = dict(re.findall(r'<input type="text" id="f-\w+" name="(\w+)" value="([^"]*)"', form))
    saved = await client.post(
        f"/admin/companies/{huli_company.id}/edit",
        {
            **fields,
            "version": version,
            "industry": "家政服务",
            "organisation_id": str(huli_company.organisation_id),
            "intern_capacity": str(huli_company.intern_capacity or 0),
        },
    )
    assert saved.status_code == 303, saved.text[:2000]
    history = text_of((await client.get(f"/admin/companies/{huli_company.id}/history")).text)
    assert "行业" in history and "家政服务" in history
    # Staff who are not admins see who did it by name, never by e-mail (#12.1).
    table = history.split("操作人", 1)[1]  # the page header names the signed-in user herself
    assert "湖里区计生协编辑（演示）" in table and EDITOR not in table
    detail = text_of((await client.get(f"/admin/companies/{huli_company.id}")).text)
    assert "湖里区计生协编辑（演示）" in detail and "@" not in detail.split("最后修改人")[-1][:80]


async def test_sensitive_reads_are_a_separate_tab_for_admins_only(world: Database) -> None:
    student = (await huli_students(world))[9]
    admin = await signed_in(world, ADMIN)
    await admin.get(f"/admin/scholarship-students/{student.id}")  # a read in clear
    edits = text_of((await admin.get(f"/admin/scholarship-students/{student.id}/history")).text)
    reads = text_of(
        (await admin.get(f"/admin/scholarship-students/{student.id}/history?tab=reads")).text
    )
    assert "查看敏感信息" not in edits.split("修改记录 敏感信息查看")[-1]
    assert "查看敏感信息" in reads and "身份证号" in reads
    editor = await signed_in(world, EDITOR)
    editor_view = text_of(
        (await editor.get(f"/admin/scholarship-students/{student.id}/history?tab=reads")).text
    )
    assert "查看敏感信息" not in editor_view and "敏感信息查看" not in editor_view


async def test_audit_log_names_records_and_fields_in_chinese(world: Database) -> None:
    client = await signed_in(world, SUPERADMIN)
    text = text_of((await client.get("/admin/audit?entity=Internship&action=update")).text)
    assert "见习" in text and "状态" in text and "已完成" in text
    assert "Internship #" not in text and "status" not in text


# -- columns and saved views ----------------------------------------------------------------


async def test_a_saved_default_view_opens_with_its_columns_and_filter(world: Database) -> None:
    client = await signed_in(world, EDITOR)
    saved = await client.post(
        "/admin/scholarship-students/views",
        {
            "view_name": "女生·姓名与高校",
            "view_default": "1",
            "cols": "name,university",
            "f_gender": "female",
        },
    )
    assert saved.status_code == 303
    page = (await client.get("/admin/scholarship-students")).text
    headers = re.findall(r'<th scope="col">(?:<a [^>]*>)?([^<▲▼]+)', page)
    assert [h.strip() for h in headers if h.strip()] == ["姓名", "就读高校"]
    assert '<option value="female" selected>' in page
    # Another user's list is untouched
    other = await signed_in(world, ADMIN)
    assert "女生·姓名与高校" not in (await other.get("/admin/scholarship-students")).text


async def test_history_comes_fifty_entries_a_page_instead_of_a_cap(world: Database) -> None:
    # Given a service site edited 55 times
    from hongfan import crud
    from models import ServiceSite

    site = (await rows(world, sa.select(ServiceSite).order_by(ServiceSite.id.desc())))[0]  # type: ignore[union-attr]
    async with world.transaction(SYSTEM) as session:
        for n in range(55):
            await crud.update(session, ServiceSite, site.id or 0, None, {"address": f"第{n + 1}号"})
    client = await signed_in(world, SUPERADMIN)

    # When its history is opened, the newest 50 show, with a link to the older ones
    first = (await client.get(f"/admin/service-sites/{site.id}/history")).text
    assert first.count("<del>") == 50 and "第55号" in first
    older = re.search(r'href="([^"]+before=\d+)"', first)
    assert older
    rest = (await client.get(older.group(1).replace("&amp;", "&"))).text
    # Then the next page holds the remaining edits, back to the first
    assert rest.count("<del>") == 5 and "第1号" in rest and "第55号" not in rest


# -- two people editing the same record ---------------------------------------------------------


def form_values(page: str) -> dict[str, str]:
    """What a browser submits for the page's record form, as loaded (unchecked boxes left out)."""
    form = page.split('<form method="post" class="record"', 1)[1].split("</form>", 1)[0]
    values: dict[str, str] = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]+)"', tag)
        if not name or (kind and kind.group(1) in ("search", "submit")):
            continue
        if kind and kind.group(1) == "checkbox" and "checked" not in tag:
            continue
        values[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = chosen.group(1) if chosen else ""
    for name, body in re.findall(
        r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S
    ):
        values[name] = body
    return {k: html.unescape(v) for k, v in values.items()}


def conflict_rows(page: str) -> dict[str, str]:
    """The conflict table: field label (with its "both changed" badge) -> "saved now | yours"."""
    table = page.split('class="conflict"', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
        cells = [text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        found[cells[0]] = f"{cells[1]} | {cells[2]}"
    return found


async def test_a_stale_edit_counts_only_the_fields_its_user_changed_and_keeps_the_others_edit(
    world: Database,
) -> None:
    # Given a student's edit form open for the editor (A) and the org admin (B), same version
    target = (await huli_students(world))[11]
    a = await signed_in(world, EDITOR)
    b = await signed_in(world, ADMIN)
    path = f"/admin/scholarship-students/{target.id}/edit"
    a_form = form_values((await a.get(path)).text)
    b_form = form_values((await b.get(path)).text)
    assert a_form["version"] == b_form["version"] and b_form["major"] != "历史学"

    # When A changes 专业 and saves, then B changes only 就读高校 and saves
    assert (await a.post(path, {**a_form, "major": "历史学"})).status_code == 303
    stale = await b.post(path, {**b_form, "university": "集美大学"})

    # Then the conflict lists only 就读高校 as B's change, and the form offered keeps A's 专业
    assert stale.status_code == 409
    assert conflict_rows(stale.text) == {"就读高校": f"{target.university} | 集美大学"}
    offered = form_values(stale.text)
    assert offered["major"] == "历史学" and offered["university"] == "集美大学"

    # When B saves over ("以我的修改覆盖"), only her change is written onto A's
    assert (await b.post(path, offered)).status_code == 303
    saved = (
        await rows(world, sa.select(ScholarshipStudent).where(ScholarshipStudent.id == target.id))
    )[0]
    assert (saved.major, saved.university) == ("历史学", "集美大学")
    history = text_of((await b.get(f"/admin/scholarship-students/{target.id}/history")).text)
    assert "历史学 → " not in history  # nobody reverted A's 专业


async def test_a_field_both_people_changed_is_shown_as_a_real_conflict(world: Database) -> None:
    # Given the same student's edit form open for A and B, same version
    target = (await huli_students(world))[13]
    a = await signed_in(world, EDITOR)
    b = await signed_in(world, ADMIN)
    path = f"/admin/scholarship-students/{target.id}/edit"
    a_form = form_values((await a.get(path)).text)
    b_form = form_values((await b.get(path)).text)

    # When both change 专业, A first
    assert (await a.post(path, {**a_form, "major": "历史学"})).status_code == 303
    stale = await b.post(path, {**b_form, "major": "哲学", "university": "集美大学"})

    # Then 专业 is marked as changed by both, beside B's own 就读高校
    assert stale.status_code == 409
    assert conflict_rows(stale.text) == {
        "专业 双方都改了此字段": "历史学 | 哲学",
        "就读高校": f"{target.university} | 集美大学",
    }


async def test_a_form_refused_for_one_field_comes_back_with_every_other_field_as_loaded(
    world: Database,
) -> None:
    # Given a student's edit form
    target = (await huli_students(world))[15]
    client = await signed_in(world, ADMIN)
    path = f"/admin/scholarship-students/{target.id}/edit"
    loaded = form_values((await client.get(path)).text)
    # When the admin empties the required 就读高校 and saves
    refused = await client.post(path, {**loaded, "university": ""})
    # Then it is refused and the form keeps everything else as it was
    assert refused.status_code == 422
    offered = form_values(refused.text)
    assert offered["major"] == loaded["major"] and offered["name"] == loaded["name"]
