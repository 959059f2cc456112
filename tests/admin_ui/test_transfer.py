"""Import and export in the admin: GBK spreadsheets, a preview before anything is written,
all-or-nothing commits, and exports that honour the caller's rows and masking."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import re
from datetime import date

import httpx
import openpyxl
import sqlalchemy as sa

from hongfan.principal import SYSTEM
from models import ScholarshipStudent
from models.validators import make_national_id
from tests.admin_ui.conftest import AdminClient, csrf_of, text_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
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


def students_csv(bad_row: bool) -> bytes:
    rows = []
    for i in range(3):
        id_number = make_national_id("350206", date(2004, 2, 10 + i), 21 + i * 2, "female")
        if bad_row and i == 1:
            id_number = id_number[:-1] + ("1" if id_number[-1] != "1" else "2")
        rows.append(
            [
                f"导入示例{i}",
                "女",
                id_number,
                "13800001111",
                "建档立卡贫困家庭",
                "厦门市/湖里区/金山街道/高林社区",
                "集美大学",
                "护理学",
                "2022",
                "2026",
            ]
        )
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode("gbk")


async def _count(demo, prefix: str) -> int:
    async with demo.session(SYSTEM) as session:
        return int(
            (
                await session.execute(
                    sa.select(sa.func.count(ScholarshipStudent.id)).where(
                        ScholarshipStudent.name.like(prefix + "%")
                    )
                )
            ).scalar_one()
        )


async def _upload(client: AdminClient, data: bytes, name: str = "学生.csv") -> httpx.Response:
    """Upload, then follow the job until its check is done; the job page."""
    response = await client.http.post(
        "/admin/scholarship-students/import",
        data={"csrf_token": client.csrf},
        files={"file": (name, data, "text/csv")},
    )
    if response.status_code != 303:
        return response
    return await _finished(client, response.headers["location"])


async def _finished(client: AdminClient, url: str) -> httpx.Response:
    job = url.rstrip("/").rsplit("/", 1)[-1]
    for _ in range(600):
        status = (await client.get(f"/admin/jobs/{job}.json")).json()
        if status["state"] in ("done", "failed"):
            break
        await asyncio.sleep(0.05)
    return await client.get(url)


async def test_gbk_file_with_a_bad_row_writes_nothing_and_the_corrected_file_writes_all(
    client: AdminClient, demo
):
    await client.login("huli.editor@demo.hongfan")
    # When the editor uploads a GBK file with a bad row, the upload returns at once and the
    # job page shows the row's problem; nothing is written and there is nothing to confirm
    preview = await _upload(client, students_csv(bad_row=True))
    assert preview.status_code == 422
    page = text_of(preview.text)
    assert "校验位" in page and "未写入任何数据" in page and "第 1 行为表头" in page
    assert "确认导入" not in preview.text
    assert await _count(demo, "导入示例") == 0
    # And the rows come back as an Excel file with an error column next to each row
    errors_link = re.search(
        r'href="(/admin/scholarship-students/import/[0-9a-f]+/errors.xlsx)"', preview.text
    )
    assert errors_link
    book = openpyxl.load_workbook(io.BytesIO((await client.get(errors_link.group(1))).content))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][-1] == "错误说明" and len(values) == 4
    assert values[1][-1] is None and "校验位" in values[2][-1]

    good = await _upload(client, students_csv(bad_row=False))
    assert good.status_code == 200 and "确认导入" in good.text
    assert await _count(demo, "导入示例") == 0  # a preview writes nothing
    action = re.search(r'action="(/admin/scholarship-students/import/[0-9a-f]+/commit)"', good.text)
    assert action
    started = await client.http.post(action.group(1), data={"csrf_token": csrf_of(good.text)})
    assert started.status_code == 303
    done = await _finished(client, started.headers["location"])
    assert done.status_code == 200 and "导入完成" in done.text
    assert await _count(demo, "导入示例") == 3

    again = await _upload(client, students_csv(bad_row=False))
    assert "新增 0 行" in text_of(again.text)  # re-importing updates instead of duplicating

    # Another account, even an admin of the same district, neither sees nor commits the job
    action = re.search(
        r'action="(/admin/scholarship-students/import/[0-9a-f]+)/commit"', again.text
    )
    assert action
    await client.login("huli.admin@demo.hongfan")
    assert (await client.get(action.group(1))).status_code == 404
    refused = await client.http.post(action.group(1) + "/commit", data={"csrf_token": client.csrf})
    assert refused.status_code == 404


async def test_export_csv_opens_in_excel_with_chinese_headers_and_masked_ids(client: AdminClient):
    await client.login("huli.editor@demo.hongfan")
    response = await client.get("/admin/scholarship-students/export.csv?q=示例")
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "姓名" and "身份证号" in rows[0]
    id_column = rows[0].index("身份证号")
    assert len(rows) > 1 and all("**********" in row[id_column] for row in rows[1:])


async def test_export_xlsx_reopens_and_follows_the_list_filters(client: AdminClient):
    await client.login("admin@demo.hongfan")
    response = await client.get("/admin/service-sites/export.xlsx?f_kind=sunflower_hut")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + 23
    assert all("向日葵亲子小屋" in str(row[values[0].index("类型")]) for row in values[1:])


async def test_oversized_or_unreadable_files_get_a_clear_message(client: AdminClient):
    await client.login("huli.editor@demo.hongfan")
    junk = await _upload(client, b"\x00\x01\x02" * 100, "x.xlsx")
    assert junk.status_code == 400 and "Traceback" not in junk.text
    assert re.search(r'class="error"[^>]*>[^<]*[\u4e00-\u9fff]', junk.text)
    big = await client.http.post(
        "/admin/scholarship-students/import",
        data={"csrf_token": client.csrf},
        files={"file": ("big.csv", b"a" * (10 * 1024 * 1024 + 10), "text/csv")},
    )
    assert big.status_code == 400 and "10 MB" in text_of(big.text)
    # A file that only looks like an .xlsx fails its job; the server answers meanwhile
    bomb = b"PK\x03\x04" + b"\x00" * 64
    response = await client.http.post(
        "/admin/scholarship-students/import",
        data={"csrf_token": client.csrf},
        files={"file": ("bomb.xlsx", bomb, XLSX)},
    )
    assert (await client.get("/healthz")).status_code == 200
    page = await _finished(client, response.headers["location"])
    assert page.status_code == 400 and "未写入任何数据" in text_of(page.text)


async def test_a_large_export_runs_in_the_background_and_downloads_every_row(
    client: AdminClient, demo
):
    # Given an admin whose list holds more rows than an export may download at once
    await client.login("admin@demo.hongfan")
    client.http._transport.app.state.settings = dataclasses.replace(
        demo.settings, export_inline_rows=50
    )  # type: ignore[attr-defined]
    async with demo.session(SYSTEM) as session:
        total = int(
            (await session.execute(sa.select(sa.func.count(ScholarshipStudent.id)))).scalar_one()
        )
    # When they export, the export becomes a job with its own page
    started = await client.get("/admin/scholarship-students/export.csv")
    assert (
        started.status_code == 303
        and "/admin/scholarship-students/export/" in started.headers["location"]
    )
    page = await _finished(client, started.headers["location"])
    assert f"共 {total} 行" in text_of(page.text)
    # Then the download holds every row, not a page of them
    download = await client.get(started.headers["location"] + "/download")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + total


async def test_an_export_after_a_search_is_named_in_the_audit_log_with_its_search_masked(
    client: AdminClient, demo
):
    # Given the 湖里 org admin who searched her students by one's whole ID number
    await client.login("huli.admin@demo.hongfan")
    async with demo.session(SYSTEM) as session:
        listed = (await client.post("/admin/scholarship-students", {"q": "示例"})).text
        first = re.search(r'href="/admin/scholarship-students/(\d+)"', listed).group(1)
        student = await session.get(ScholarshipStudent, int(first))
    # When she exports that searched list (the list's export form posts the search)
    exported = await client.post("/admin/scholarship-students/export.csv", {"q": student.id_number})
    assert exported.status_code == 200
    assert len(list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))) == 2

    # Then the audit log names the action 导出, offers it as a filter, and says what was exported
    page = (await client.get("/admin/audit?action=export")).text
    text = text_of(page)
    assert "action.export" not in page
    assert '<option value="export" selected>导出</option>' in page
    masked = "*" * (len(student.id_number) - 4 - (not student.id_number[-1].isdigit()))
    assert f"1 条（CSV），条件：本单位范围内；搜索“{masked}" in text
    assert student.id_number not in page and student.id_number[:6] not in text.split("导出")[-1]
    english = (await client.get("/admin/audit?action=export&lang=en")).text
    assert "action.export" not in english
