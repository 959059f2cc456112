"""Browser tests of the background import: upload, progress, preview, error file, commit.

Runs on the shared e2e fixtures (tests/e2e/conftest.py): a live server on the demo
network and Debian's Chromium, at desktop and phone widths.
"""

from __future__ import annotations

import io
import secrets
from datetime import date
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models.accounts import User
from models.jobs import TransferJob
from models.scholarships import ScholarshipStudent
from models.validators import make_national_id
from tests.e2e.conftest import LiveServer, shot

EDITOR = "huli.editor@demo.hongfan"
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
GAOLIN = "湖里区/金山街道/高林社区"
PHONE = {"width": 390, "height": 844}


def gbk_csv(rows: list[list[str]]) -> bytes:
    return ("\r\n".join(",".join(r) for r in [HEADERS, *rows]) + "\r\n").encode("gbk")


def fresh_numbers(server: LiveServer, count: int, start: int) -> list[str]:
    """Valid ID numbers no student has yet."""

    async def taken(session: AsyncSession) -> set[str]:
        return set((await session.execute(sa.select(ScholarshipStudent.id_number))).scalars())  # type: ignore[call-overload]

    used = server.query(taken)
    numbers: list[str] = []
    sequence = start
    while len(numbers) < count:
        number = make_national_id("350206", date(2003, 5, 6), sequence, "female")
        if number not in used:
            numbers.append(number)
        sequence += 2
    return numbers


def stored(server: LiveServer, numbers: list[str]) -> list[str]:
    async def fetch(session: AsyncSession) -> list[str]:
        found = await session.execute(
            sa.select(ScholarshipStudent.name).where(col(ScholarshipStudent.id_number).in_(numbers))
        )
        return sorted(found.scalars())

    return server.query(fetch)


def upload(page: Any, data: bytes, name: str = "金秋助学学生.csv") -> None:
    page.goto("/admin/scholarship-students/import")
    page.set_input_files(
        "input[type=file]", files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    page.click("form:has(input[type=file]) button:has-text('上传并检查')")
    page.wait_for_url("**/admin/scholarship-students/import/*")


def finished(page: Any) -> None:
    """Wait (the page refreshes itself) until the job has stopped running."""
    page.wait_for_selector(
        "section.job[data-state=done], section.job[data-state=failed]", timeout=30_000
    )


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_editor_imports_in_the_background_fixes_the_rows_from_the_error_file_and_commits(
    new_page: Any, live_server: LiveServer, viewport: Any, tmp_path: Any
) -> None:
    numbers = fresh_numbers(live_server, 3, 501 if viewport is None else 901)
    rows = [
        [
            "张后台一",
            "女",
            numbers[0],
            "13800138000",
            "建档立卡贫困家庭",
            GAOLIN,
            "厦门大学",
            "护理学",
            "2021",
            "2025",
        ],
        [
            "李后台二",
            "女",
            numbers[1][:-1] + ("0" if numbers[1][-1] != "0" else "1"),
            "13800138001",
            "独生子女低保家庭",
            GAOLIN,
            "集美大学",
            "",
            "2022",
            "2026",
        ],
        [
            "王后台三",
            "女",
            numbers[2],
            "",
            "建档立卡贫困家庭",
            GAOLIN,
            "厦门理工学院",
            "软件工程",
            "2020",
            "2024",
        ],
    ]
    # Given the Huli editor on the import page
    page = new_page(EDITOR)
    if viewport is not None:
        page.set_viewport_size(viewport)

    # When they upload a GBK file with one bad ID number, the upload returns at once on the job's page
    upload(page, gbk_csv(rows))
    job_url = page.url
    finished(page)

    # Then the check names the row, the column and the problem; nothing is written
    assert "有错误 1 行" in page.locator("p.summary").inner_text()
    cells = [
        c.strip()
        for c in page.locator("table.import-errors tbody tr").first.locator("td").all_inner_texts()
    ]
    assert cells[:2] == ["3", "身份证号"] and "校验位" in cells[2]
    assert page.locator("button:has-text('确认导入')").count() == 0
    shot(page, "10-import-job-errors" if viewport is None else "10-import-job-errors-phone")
    assert stored(live_server, numbers) == []

    # And a reload shows the same job (it lives in the database, not the page)
    page.reload()
    assert page.url == job_url and "有错误 1 行" in page.locator("p.summary").inner_text()

    # When they download the error file, fix the marked row in it and upload it again
    with page.expect_download() as downloading:
        page.click("a:has-text('下载标注错误的文件')")
    path = tmp_path / downloading.value.suggested_filename
    downloading.value.save_as(path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet is not None
    assert sheet.cell(row=1, column=len(HEADERS) + 1).value == "错误说明"
    assert "校验位" in str(sheet.cell(row=3, column=len(HEADERS) + 1).value)
    sheet.cell(row=3, column=3).value = numbers[1]
    fixed = io.BytesIO()
    book.save(fixed)
    upload(page, fixed.getvalue(), "金秋助学学生_改.xlsx")
    finished(page)
    assert "有错误 0 行" in page.locator("p.summary").inner_text()

    # And confirm: the commit runs in the background too, then says what it wrote
    page.click("button:has-text('确认导入')")
    page.wait_for_selector("section.job[data-phase=commit][data-state=done]", timeout=30_000)
    assert "导入完成：新增 3 行" in page.locator(".flash").first.inner_text()
    assert stored(live_server, numbers) == ["张后台一", "李后台二", "王后台三"]


def test_a_running_job_shows_rows_checked_and_refreshes_itself(
    new_page: Any, live_server: LiveServer
) -> None:
    # Given a job of the editor's that is halfway through its check
    async def running(session: AsyncSession) -> str:
        user = (await session.execute(sa.select(User).where(User.email == EDITOR))).scalar_one()  # type: ignore[arg-type]
        job = TransferJob(
            id=secrets.token_hex(16),
            kind="import",
            type_name="ScholarshipStudent",
            phase="check",
            state="running",
            actor=f"user:{user.id}:{EDITOR}",
            user_id=user.id,
            filename="大文件.xlsx",
            total=10_000,
            checked=4_000,
        )
        session.add(job)
        await session.commit()
        return job.id

    job_id = live_server.query(running)
    page = new_page(EDITOR)
    # When they open its page
    page.goto(f"/admin/scholarship-students/import/{job_id}")
    # Then they see how far the check has come, on a page that reloads itself
    assert "已检查 4000 / 10000 行" in page.locator("p.summary").inner_text()
    assert page.locator("progress").get_attribute("value") == "4000"
    assert page.locator("meta[http-equiv=refresh]").count() == 1
    shot(page, "11-import-job-progress")
