"""Import and export in the admin: GBK spreadsheets, a preview before anything is written,
all-or-nothing commits, and exports that honour the caller's rows and masking."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import openpyxl
import sqlalchemy as sa

from hongfan.principal import SYSTEM
from models import ScholarshipStudent
from models.validators import make_national_id
from tests.admin_ui.conftest import AdminClient, csrf_of, text_of

HEADERS = ["姓名", "性别", "身份证号", "手机号码", "家庭类别", "所在组织", "就读高校", "专业", "入学年份", "毕业年份"]


def students_csv(bad_row: bool) -> bytes:
    rows = []
    for i in range(3):
        id_number = make_national_id("350206", date(2004, 2, 10 + i), 21 + i * 2, "female")
        if bad_row and i == 1:
            id_number = id_number[:-1] + ("1" if id_number[-1] != "1" else "2")
        rows.append([f"导入示例{i}", "女", id_number, "13800001111", "建档立卡贫困家庭", "厦门市/湖里区/殿前街道/高林社区", "集美大学", "护理学", "2022", "2026"])
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return text.getvalue().encode("gbk")


async def _count(demo, prefix: str) -> int:
    async with demo.session(SYSTEM) as session:
        return int((await session.execute(sa.select(sa.func.count(ScholarshipStudent.id)).where(ScholarshipStudent.name.like(prefix + "%")))).scalar_one())


async def _upload(client: AdminClient, data: bytes, name: str = "学生.csv"):
    return await client.http.post(
        "/admin/scholarship-students/import",
        data={"csrf_token": client.csrf},
        files={"file": (name, data, "text/csv")},
    )


async def test_gbk_file_with_a_bad_row_writes_nothing_and_the_corrected_file_writes_all(client: AdminClient, demo):
    await client.login("huli.editor@demo.hongfan")
    preview = await _upload(client, students_csv(bad_row=True))
    assert preview.status_code == 422
    page = text_of(preview.text)
    assert "校验位" in page and "未写入任何数据" in page
    assert 'name="payload"' not in preview.text  # no way to commit a file with errors
    assert await _count(demo, "导入示例") == 0

    good = await _upload(client, students_csv(bad_row=False))
    assert good.status_code == 200 and "确认导入" in good.text
    assert await _count(demo, "导入示例") == 0  # a preview writes nothing
    form = dict(re.findall(r'name="(payload|signature|filename)" value="([^"]*)"', good.text))
    done = await client.http.post("/admin/scholarship-students/import", data={**form, "csrf_token": csrf_of(good.text)})
    assert done.status_code == 200 and "导入完成" in done.text
    assert await _count(demo, "导入示例") == 3

    again = await _upload(client, students_csv(bad_row=False))
    assert "新增 0 行" in text_of(again.text)  # re-importing updates instead of duplicating


async def test_a_tampered_preview_cannot_be_committed(client: AdminClient, demo):
    await client.login("huli.editor@demo.hongfan")
    good = await _upload(client, students_csv(bad_row=False))
    form = dict(re.findall(r'name="(payload|signature|filename)" value="([^"]*)"', good.text))
    form["signature"] = "0" * 64
    refused = await client.http.post("/admin/scholarship-students/import", data={**form, "csrf_token": client.csrf})
    assert refused.status_code == 400
    assert await _count(demo, "导入示例") == 0


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
