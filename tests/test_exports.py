"""Spreadsheet export: BOM and CRLF, formula neutralising, masking, XLSX, and export → import round trips."""

from __future__ import annotations

import codecs
import csv
import io
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from hongfan import crud
from hongfan.db import Database
from hongfan.principal import Principal, Role, system
from hongfan.transfer.cells import neutralise
from hongfan.transfer.exporting import export_file, export_headers, export_rows, iter_export
from hongfan.transfer.importing import commit_import, preview_import
from hongfan.transfer.sheets import read_table
from hongfan.transfer.writing import write_csv, write_xlsx
from models import (
    ENTITIES,
    AuditEntry,
    Company,
    Organisation,
    ScholarshipStudent,
    ServiceSite,
)
from models.base import Record
from tests import factories

SYSTEM = system("test")
SUPERADMIN = Principal(kind="user", actor="user:admin", role=Role.SUPERADMIN)
# Parents before children, so a file set re-imports into an empty database too.
ORDER = [
    "Organisation",
    "ServiceSite",
    "Course",
    "CourseSession",
    "Enrolment",
    "Company",
    "ScholarshipStudent",
    "Grant",
    "Internship",
]


async def build(database: Database) -> dict[str, Any]:
    w: dict[str, Any] = {}
    async with database.transaction(SYSTEM) as s:
        w["city"] = city = await factories.organisation(s, "厦门市")
        w["huli"] = huli = await factories.organisation(s, "湖里区", city)
        street = await factories.organisation(s, "殿前街道", huli, level="street")
        w["gaolin"] = gaolin = await factories.organisation(
            s, "高林社区", street, level="community", contact_phone="0592-5551234"
        )
        w["siming"] = siming = await factories.organisation(s, "思明区", city)
        w["siming_community"] = other = await factories.organisation(
            s, "湖滨社区", siming, level="community"
        )
        w["hut"] = hut = await factories.site(
            s, gaolin, "向日葵亲子小屋", opened_on="2021-06-01", recognition="city"
        )
        await factories.site(s, other, "向日葵亲子小屋")
        await factories.site(
            s, other, '=HYPERLINK("http://evil.example","点我")', kind="warm_heart_home"
        )
        course = await factories.course(
            s, huli, site_id=hut.id, capacity=40, description="+1 @SUM(A1) 课程简介"
        )
        await factories.course(s, siming)
        await crud.create(
            s,
            ENTITIES["CourseSession"],
            {
                "course_id": course.id,
                "session_date": "2022-10-14",
                "topic": "开班",
                "lecturer": "讲师甲",
            },
        )
        await factories.enrolment(
            s, course, gaolin, "钱测五", status="qualified", score=92, certificate_number="JKZD-1"
        )
        await factories.enrolment(s, course, other, "孙测六")
        w["student"] = student = await factories.student(
            s, gaolin, "张测一", id_number="350206200201020020", major="-"
        )
        w["other_student"] = other_student = await factories.student(
            s, other, "李测二", gender="male", phone=None
        )
        await factories.grant(s, student, "1500.50")
        await factories.grant(s, other_student, "2000.00", year=2023)
        w["company"] = company = await factories.company(s, huli)
        await factories.company(s, siming, "@SUM(1+1)")
        await factories.internship(
            s,
            student,
            company,
            start_date="2023-07-01",
            end_date="2023-08-31",
            evaluation="表现优秀",
        )
        await factories.internship(s, other_student, company)
    w["editor"] = Principal(
        kind="user",
        actor="user:editor",
        role=Role.EDITOR,
        organisation_id=huli.id,
        organisation_path=huli.path,
    )
    w["partner"] = Principal(
        kind="user", actor="user:partner", role=Role.PARTNER, company_id=company.id
    )
    return w


async def snapshot(database: Database) -> dict[str, list[dict[str, Any]]]:
    async with database.session(SYSTEM) as session:
        found = {}
        for name, model in ENTITIES.items():
            rows = (await session.execute(sa.select(model).order_by(model.id))).scalars().all()  # type: ignore[arg-type]
            found[name] = [r.model_dump() for r in rows]
        return found


async def audit_count(database: Database, **where: Any) -> int:
    async with database.session(SYSTEM) as session:
        statement = sa.select(sa.func.count(AuditEntry.id))  # type: ignore[arg-type]
        for name, value in where.items():
            statement = statement.where(getattr(AuditEntry, name) == value)
        return int((await session.execute(statement)).scalar_one())


# -- files -----------------------------------------------------------------------------------


async def test_csv_export_has_a_bom_crlf_and_reopens_with_the_same_chinese_headers(
    database: Database,
) -> None:
    await build(database)
    data = await export_file(database, SUPERADMIN, "ScholarshipStudent", "csv")
    assert data.startswith(codecs.BOM_UTF8)
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")
    headers = export_headers(SUPERADMIN, "ScholarshipStudent")
    assert headers == [
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
        "就业去向",
    ]
    table = read_table(data, "export.csv")
    assert table.headers == headers
    assert table.rows[0] == [
        "张测一",
        "女",
        "350206200201020020",
        "13800138000",
        "建档立卡贫困家庭",
        "厦门市/湖里区/殿前街道/高林社区",
        "厦门大学",
        "-",
        "2021",
        "2025",
        "在读",
    ]
    # Decoded as Excel would: UTF-8 with its BOM.
    text = data.decode("utf-8-sig")
    assert text.startswith("姓名,性别,身份证号")


async def test_english_headers_and_labels(database: Database) -> None:
    await build(database)
    headers, rows = await export_rows(database, SUPERADMIN, "ServiceSite", lang="en")
    assert headers == [
        "Name",
        "Kind",
        "Organisation",
        "Address",
        "Opened on",
        "Recognition",
        "Published",
    ]
    assert rows[0] == [
        "向日葵亲子小屋",
        "Sunflower parent-child hut",
        "厦门市/湖里区/殿前街道/高林社区",
        None,
        "2021-06-01",
        "City",
        "Yes",
    ]


async def test_formula_cells_are_neutralised_in_csv_and_xlsx(database: Database) -> None:
    await build(database)
    data = await export_file(database, SUPERADMIN, "ServiceSite", "csv")
    cells = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    names = [r[0] for r in cells[1:]]
    assert '\'=HYPERLINK("http://evil.example","点我")' in names
    # A course referring to a site is rendered the way imports read it back.
    _headers, course_rows = await export_rows(database, SUPERADMIN, "Course")
    assert course_rows[0][3] == "向日葵亲子小屋（厦门市/湖里区/殿前街道/高林社区）"
    assert course_rows[0][7] == "+1 @SUM(A1) 课程简介"
    course_csv = await export_file(database, SUPERADMIN, "Course", "csv")
    assert "'+1 @SUM(A1) 课程简介" in course_csv.decode("utf-8-sig")
    company_csv = (await export_file(database, SUPERADMIN, "Company", "csv")).decode("utf-8-sig")
    assert "\r\n'@SUM(1+1)" in company_csv

    xlsx = await export_file(database, SUPERADMIN, "ServiceSite", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).worksheets[0]
    # XLSX: the exact stored text in a string cell (never a formula), quote-prefixed so
    # Excel keeps it text when edited; no apostrophe inside the value.
    evil = [c for c in sheet["A"] if c.value == '=HYPERLINK("http://evil.example","点我")']
    assert evil and evil[0].data_type == "s" and evil[0].quotePrefix
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    # Reading the file back gives the stored value, so it survives a round trip.
    assert '=HYPERLINK("http://evil.example","点我")' in [
        r[0] for r in read_table(xlsx, "x.xlsx").rows
    ]


def test_neutralise_and_writers() -> None:
    for text in ('=HYPERLINK("x")', "+1", "-1", "@SUM(A1)", "\tTAB", "\rCR"):
        assert neutralise(text) == "'" + text
    for text in ("湖里区", "1500.50", "'quoted", "a=b"):
        assert neutralise(text) == text
    data = write_csv(["a", "b", "c"], [["=1+2", -5, None], ["@x", "ok", True]])
    assert data == codecs.BOM_UTF8 + "a,b,c\r\n'=1+2,-5,\r\n'@x,ok,是\r\n".encode()
    xlsx = write_xlsx(["姓名", "金额"], [["+86", 3], ["张三", "1500.50"]], "名单/2022")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx))
    sheet = workbook.worksheets[0]
    assert sheet.title == "名单 2022"
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["姓名", "金额"],
        ["+86", 3],
        ["张三", "1500.50"],
    ]


async def test_xlsx_export_reopens_with_openpyxl(database: Database) -> None:
    await build(database)
    data = await export_file(database, SUPERADMIN, "Grant", "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert sheet.title == "助学金发放"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert [c.value for c in sheet[1]] == ["受助学生", "发放年度", "金额（元）", "资金来源"]
    # Money is a number Excel can sum, shown with two decimals; the ID number stays text.
    assert [c.value for c in sheet[2]] == ["350206200201020020", 2022, 1500.5, "金秋助学专项"]
    assert sheet["C2"].number_format == "0.00" and sheet["A2"].number_format == "@"
    assert sheet.column_dimensions["A"].width >= 18
    sites = openpyxl.load_workbook(
        io.BytesIO(await export_file(database, SUPERADMIN, "ServiceSite", "xlsx"))
    ).worksheets[0]
    opened = sites.cell(row=2, column=[c.value for c in sites[1]].index("启用日期") + 1)
    assert opened.is_date and opened.number_format == "yyyy-mm-dd"
    # And imports unchanged.
    result = await commit_import(database, SUPERADMIN, "Grant", read_table(data, "grants.xlsx"))
    assert result.committed and result.unchanged == 2, result.errors


# -- who sees what -------------------------------------------------------------------------------


async def test_editor_export_masks_sensitive_values_and_sees_only_the_subtree(
    database: Database,
) -> None:
    w = await build(database)
    headers, rows = await export_rows(database, w["editor"], "ScholarshipStudent")
    assert "家庭类别" not in headers  # a masked choice would always be blank
    assert [r[0] for r in rows] == ["张测一"]
    assert rows[0][2] == "3502**********0020"
    assert rows[0][3] == "138****8000"
    before = await audit_count(database, action="read_sensitive")
    # Grants and internships name the student by name when the ID number is masked.
    _h, grants = await export_rows(database, w["editor"], "Grant")
    assert grants == [["张测一", 2022, "1500.50", "金秋助学专项"]]
    assert await audit_count(database, action="read_sensitive") == before == 0


async def test_an_export_is_audited_once_with_its_count_filter_and_fields_in_clear(
    database: Database,
) -> None:
    await build(database)
    model = ENTITIES["ScholarshipStudent"]
    await iter_export_all(
        database, SUPERADMIN, "ScholarshipStudent", where=model.name.like("%测%"), note={"q": "测"}
    )  # type: ignore[attr-defined]
    assert await audit_count(database, action="read_sensitive") == 0  # not one entry per row
    async with database.session(SYSTEM) as session:
        entry = (
            await session.execute(sa.select(AuditEntry).where(AuditEntry.action == "export"))
        ).scalar_one()  # type: ignore[arg-type]
    assert entry.actor == "user:admin" and entry.entity == "ScholarshipStudent"
    assert entry.changes == {
        "count": 2,
        "filter": {"q": "测"},
        "format": "rows",
        "fields_in_clear": ["family_category", "id_number", "phone"],
    }
    assert entry.request_id.startswith("export:")


async def test_given_a_search_for_a_number_in_any_spelling_when_exported_then_the_audit_row_keeps_its_last_four_digits_only(
    database: Database,
) -> None:
    # Given searches the way people type a phone or an ID number (a re-test found the spaced,
    # hyphenated and +86 forms stored in clear in the export's audit entry)
    await build(database)
    model = ENTITIES["ScholarshipStudent"]
    spellings = [
        "139-0000-0033",
        "+86 139 0000 0033",
        "350206 20010816 9795",
        "３５０２０６２００１０８１６９７９５",
        "13900000033",
    ]
    for text in spellings:
        # When the searched list is exported (every surface goes through iter_export)
        await iter_export_all(
            database,
            SUPERADMIN,
            "ScholarshipStudent",
            where=model.name.like("%测%"),  # type: ignore[attr-defined]
            note={"q": text, "f_year": "2022"},
        )
    async with database.session(SYSTEM) as session:
        entries = (
            (await session.execute(sa.select(AuditEntry).where(AuditEntry.action == "export")))
            .scalars()
            .all()
        )
    # Then each entry keeps only the last four digits of the number, and a short value as is
    searched = [entry.changes["filter"]["q"] for entry in entries]
    assert sorted(searched) == sorted(
        [
            "***-****-0033",
            "+** *** **** 0033",
            "****** ******** 9795",
            "**************9795",
            "*******0033",
        ]
    )
    assert {entry.changes["filter"]["f_year"] for entry in entries} == {"2022"}


async def iter_export_all(
    database: Database, principal: Principal, type_name: str, *, where: Any, note: dict[str, str]
) -> list[Any]:
    return [
        r async for r in iter_export(database, principal, type_name, where=where, filter_note=note)
    ]


async def test_partner_export_is_narrowed(database: Database) -> None:
    w = await build(database)
    headers, rows = await export_rows(database, w["partner"], "ScholarshipStudent")
    assert headers == ["姓名", "性别", "就读高校", "专业", "毕业年份"]
    assert sorted(r[0] for r in rows) == ["张测一", "李测二"]
    headers, rows = await export_rows(database, w["partner"], "Internship")
    assert headers == [
        "见习学生",
        "见习企业",
        "见习岗位",
        "开始日期",
        "结束日期",
        "状态",
        "企业评价",
    ]
    assert [r[0] for r in rows] == ["张测一", "李测二"]
    assert {r[1] for r in rows} == {w["company"].name}
    _h, companies = await export_rows(database, w["partner"], "Company")
    # its own company only: an export is the caller's own part, not every public record
    assert [c[0] for c in companies] == [w["company"].name]
    _h, grants = await export_rows(database, w["partner"], "Grant")
    assert grants == []


async def test_where_limit_and_pages(database: Database) -> None:
    await build(database)
    model = ENTITIES["Organisation"]
    _h, rows = await export_rows(
        database, SUPERADMIN, "Organisation", where=model.level == "community"
    )  # type: ignore[attr-defined]
    assert [r[0] for r in rows] == ["高林社区", "湖滨社区"]
    paged = [r async for r in iter_export(database, SUPERADMIN, "Organisation", page_size=2)]
    _h, whole = await export_rows(database, SUPERADMIN, "Organisation")
    assert paged == whole and len(whole) == 6


async def test_a_download_cancelled_after_one_page_counts_what_it_handed_out(
    database: Database,
) -> None:
    """Given an export read a page at a time (the next page already asked for while one is
    written out), when its reader stops after the first page, then the export's audit entry
    counts the two rows handed out, and the next export still reads every row."""
    await build(database)
    rows = iter_export(database, SUPERADMIN, "Organisation", page_size=2)
    first = [await rows.__anext__(), await rows.__anext__()]
    await rows.aclose()
    async with database.session(SYSTEM) as session:
        entry = (
            await session.execute(
                sa.select(AuditEntry.changes)  # type: ignore[call-overload]
                .where(AuditEntry.action == "export")
                .order_by(AuditEntry.id.desc())  # type: ignore[union-attr]
                .limit(1)
            )
        ).scalar_one()
    assert entry["count"] == 2
    _h, whole = await export_rows(database, SUPERADMIN, "Organisation")
    assert whole[:2] == first and len(whole) == 6


# -- round trips ---------------------------------------------------------------------------------


async def test_export_then_import_as_superadmin_changes_nothing(database: Database) -> None:
    await build(database)
    before = await snapshot(database)
    audit_before = await audit_count(database)
    for type_name in ORDER:
        for fmt in ("csv", "xlsx"):
            data = await export_file(database, SUPERADMIN, type_name, fmt)  # type: ignore[arg-type]
            table = read_table(data, f"{type_name}.{fmt}")
            result = await commit_import(database, SUPERADMIN, type_name, table)
            assert result.committed, (type_name, fmt, result.errors)
            assert result.unchanged == len(table.rows) == len(before[type_name]), (type_name, fmt)
    assert await snapshot(database) == before
    writes = (
        await audit_count(database) - audit_before - await audit_count(database, action="export")
    )
    assert writes == 0


async def test_an_export_rebuilds_the_records_in_an_empty_database(database: Database) -> None:
    await build(database)
    files = {t: await export_file(database, SUPERADMIN, t, "csv") for t in ORDER}
    before = await snapshot(database)
    async with database.engine.begin() as connection:
        for name in reversed(ORDER):
            await connection.execute(sa.delete(ENTITIES[name].__table__))  # type: ignore[attr-defined]
    for type_name in ORDER:
        result = await commit_import(
            database, SUPERADMIN, type_name, read_table(files[type_name], "x.csv")
        )
        assert result.committed and result.created == len(before[type_name]), (
            type_name,
            result.errors,
        )
    after = await snapshot(database)
    ignore = {
        "id",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "path",
        "parent_id",
        "organisation_id",
        "student_id",
        "company_id",
        "course_id",
        "site_id",
    }
    for type_name in ORDER:
        strip = [{k: v for k, v in r.items() if k not in ignore} for r in before[type_name]]
        assert strip == [
            {k: v for k, v in r.items() if k not in ignore} for r in after[type_name]
        ], type_name
    # Relations point at the same records by name.
    _h, old_rows = await export_rows(database, SUPERADMIN, "Internship")
    assert read_table(files["Internship"], "x.csv").rows == [
        [None if v is None else str(v) for v in r] for r in old_rows
    ]


async def test_demo_network_round_trip(demo_database: Database) -> None:
    database = demo_database
    for type_name in ORDER:
        headers, rows = await export_rows(database, SUPERADMIN, type_name)
        result = await commit_import(
            database, SUPERADMIN, type_name, read_table(write_csv(headers, rows), "demo.csv")
        )
        assert result.committed and result.unchanged == len(rows), (type_name, result.errors[:3])


async def test_editor_round_trip_of_own_subtree_changes_nothing(database: Database) -> None:
    w = await build(database)
    before = await snapshot(database)
    for type_name in ("Organisation", "ServiceSite", "Company", "Enrolment", "ScholarshipStudent"):
        data = await export_file(database, w["editor"], type_name, "xlsx")
        table = read_table(data, "x.xlsx")
        preview = await preview_import(database, w["editor"], type_name, table)
        if type_name == "ScholarshipStudent":
            # Masked ID numbers cannot name a student: refused, never guessed.
            assert not preview.ok
            continue
        assert preview.ok and preview.unchanged == len(table.rows), (type_name, preview.errors)
    assert await snapshot(database) == before


@pytest.mark.parametrize("model", [Organisation, ServiceSite, Company, ScholarshipStudent])
def test_headers_are_labels(model: type[Record]) -> None:
    headers = export_headers(SYSTEM, model.__entity__.type_name, "zh")
    assert headers and all(not h.isascii() for h in headers)


async def test_an_org_admin_csv_export_reimports_unchanged_for_every_type(
    database: Database,
) -> None:
    # Given a district org admin (full access to sensitive fields, within the district)
    w = await build(database)
    org_admin = Principal(
        kind="user",
        actor="user:huli-admin",
        role=Role.ORG_ADMIN,
        organisation_id=w["huli"].id,
        organisation_path=w["huli"].path,
    )
    before = await snapshot(database)
    for type_name in ORDER:
        # When each type is exported as CSV and imported again as the same person
        data = await export_file(database, org_admin, type_name, "csv")
        table = read_table(data, f"{type_name}.csv")
        result = await commit_import(database, org_admin, type_name, table)
        # Then nothing changes
        assert result.committed and result.unchanged == len(table.rows), (type_name, result.errors)
    assert await snapshot(database) == before
