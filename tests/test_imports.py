"""Spreadsheet import: encodings, headers, relations, natural keys, scope, all-or-nothing."""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from hongfan import crud
from hongfan.db import Database
from hongfan.principal import Principal, Role, system
from hongfan.transfer import (
    ImportResult,
    UnknownType,
    commit_import,
    preview_import,
    resolve_type,
    template_headers,
)
from hongfan.transfer.sheets import SpreadsheetError, Table, read_table
from models import (
    AuditEntry,
    Company,
    Course,
    CourseSession,
    Enrolment,
    Grant,
    Internship,
    Organisation,
    ScholarshipStudent,
    ServiceSite,
)
from models.base import Record
from models.validators import make_credit_code
from tests import factories

SYSTEM = system("test")
SUPERADMIN = Principal(kind="user", actor="user:admin", role=Role.SUPERADMIN)
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


def editor(org: Organisation, lang: str = "zh") -> Principal:
    """An editor (user 41) bound to ``org``, speaking ``lang``."""
    return factories.staff(Role.EDITOR, org, actor="user:41:editor", user_id=41, language=lang)


@dataclass
class World:
    city: Organisation
    huli: Organisation
    dianqian: Organisation
    gaolin: Organisation
    siming: Organisation
    siming_street: Organisation
    siming_community: Organisation

    def editor(self, org: Organisation, lang: str = "zh") -> Principal:
        return editor(org, lang)


@pytest.fixture
async def world(database: Database) -> World:
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        huli = await factories.organisation(s, "湖里区", city)
        dianqian = await factories.organisation(s, "殿前街道", huli, level="street")
        gaolin = await factories.organisation(s, "高林社区", dianqian, level="community")
        siming = await factories.organisation(s, "思明区", city)
        siming_street = await factories.organisation(s, "嘉莲街道", siming, level="street")
        siming_community = await factories.organisation(
            s, "湖滨社区", siming_street, level="community"
        )
    return World(city, huli, dianqian, gaolin, siming, siming_street, siming_community)  # type: ignore[arg-type]


def ids(*genders: str) -> list[str]:
    return [factories.national_id(g) for g in genders]


def wrong_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def student_rows(numbers: list[str]) -> list[list[str]]:
    return [
        [
            "张测一",
            "女",
            numbers[0],
            "13800138000",
            "建档立卡贫困家庭",
            "厦门市/湖里区/殿前街道/高林社区",
            "厦门大学",
            "护理学",
            "2021",
            "2025",
        ],
        [
            "李测二",
            "男",
            numbers[1],
            "13800138001",
            "独生子女低保家庭",
            "高林社区",
            "集美大学",
            "",
            "2022",
            "2026",
        ],
        [
            "王测三",
            "女",
            numbers[2],
            "",
            "建档立卡贫困家庭",
            "殿前街道/高林社区",
            "厦门理工学院",
            "软件工程",
            "2020",
            "2024",
        ],
    ]


def csv_bytes(
    headers: list[str], rows: list[list[str]], encoding: str = "gbk", delimiter: str = ","
) -> bytes:
    lines = [delimiter.join(headers), *(delimiter.join(r) for r in rows)]
    text = "\r\n".join(lines) + "\r\n"
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    return text.encode(encoding)


def xlsx_bytes(headers: list[str], rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def rows_of(database: Database, model: type[Record]) -> list[Any]:
    async with database.session(SYSTEM) as session:
        result = await session.execute(sa.select(model).order_by(model.id))  # type: ignore[arg-type]
        return list(result.scalars().all())


# -- students from a GBK CSV ------------------------------------------------------------


async def test_gbk_csv_with_a_bad_check_digit_is_reported_in_chinese_and_nothing_is_written(
    database: Database, world: World
) -> None:
    numbers = ids("female", "male", "female")
    rows = student_rows(numbers)
    rows[1][2] = wrong_check_digit(numbers[1])
    data = csv_bytes(STUDENT_HEADERS, rows, "gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really GBK
    table = read_table(data, "金秋助学学生.csv")
    assert table.headers == STUDENT_HEADERS

    preview = await preview_import(database, SYSTEM, "ScholarshipStudent", table)
    assert [r.row for r in preview.rows] == [2, 3, 4]
    assert [r.action for r in preview.rows] == ["create", "create", "create"]
    assert preview.failed == 1 and preview.created == 2
    [(row, error)] = preview.errors
    assert row == 3
    assert error.column == "身份证号"
    assert error.code == "id_number.check_digit"
    assert "校验位" in error.message
    assert await rows_of(database, ScholarshipStudent) == []

    result = await commit_import(database, SYSTEM, "ScholarshipStudent", table)
    assert isinstance(result, ImportResult)
    assert not result.committed and not result.ok
    assert [(row, e.code) for row, e in result.errors] == [(3, "id_number.check_digit")]
    assert await rows_of(database, ScholarshipStudent) == []
    async with database.session(SYSTEM) as session:
        assert (
            await session.execute(
                sa.select(sa.func.count(AuditEntry.id)).where(
                    AuditEntry.entity == "ScholarshipStudent"
                )
            )
        ).scalar_one() == 0  # type: ignore[arg-type]

    # The corrected file: every row written, organisation paths resolved.
    rows[1][2] = numbers[1]
    fixed = read_table(csv_bytes(STUDENT_HEADERS, rows, "gbk"), "金秋助学学生.csv")
    done = await commit_import(database, SYSTEM, "ScholarshipStudent", fixed)
    assert done.committed and done.ok, done.errors
    assert (done.created, done.updated, done.unchanged) == (3, 0, 0)
    students = await rows_of(database, ScholarshipStudent)
    assert [s.name for s in students] == ["张测一", "李测二", "王测三"]
    assert {s.organisation_id for s in students} == {world.gaolin.id}
    assert [s.id_number for s in students] == numbers
    assert students[0].family_category.value == "registered_poor"
    assert students[1].family_category.value == "only_child_low_income"
    assert students[1].major is None and students[2].phone is None
    assert students[1].gender.value == "male"
    assert [r.record_id for r in done.rows] == [s.id for s in students]

    # The same file again: nothing created, nothing duplicated.
    again = await commit_import(database, SYSTEM, "ScholarshipStudent", fixed)
    assert again.committed
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert len(await rows_of(database, ScholarshipStudent)) == 3

    # A changed cell updates that record only, through crud (version bump, audit).
    rows[2][6] = "华侨大学"
    changed = await commit_import(
        database,
        SYSTEM,
        "ScholarshipStudent",
        read_table(csv_bytes(STUDENT_HEADERS, rows), "x.csv"),
    )
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 2)
    assert [r.action for r in changed.rows] == ["unchanged", "unchanged", "update"]
    students = await rows_of(database, ScholarshipStudent)
    assert len(students) == 3 and students[2].university == "华侨大学" and students[2].version == 2
    async with database.session(SYSTEM) as session:
        actions = (
            (
                await session.execute(
                    sa.select(AuditEntry.action).where(
                        AuditEntry.entity == "ScholarshipStudent",
                        AuditEntry.record_id == students[2].id,
                    )  # type: ignore[arg-type]
                )
            )
            .scalars()
            .all()
        )
    assert sorted(actions) == ["create", "update"]


@pytest.mark.parametrize(
    "form", ["utf-8-sig", "utf-8", "gb18030", "utf-16", "tab", "semicolon", "xlsx"]
)
async def test_every_encoding_and_format_imports_the_same(
    database: Database, world: World, form: str
) -> None:
    numbers = ids("female", "male", "female")
    rows = student_rows(numbers)
    if form == "xlsx":
        cells: list[list[Any]] = [
            [*r[:8], int(r[8]), float(r[9])] for r in rows
        ]  # years as numbers, one as 2025.0
        data, name = xlsx_bytes(STUDENT_HEADERS, cells), "students.xlsx"
    elif form == "tab":
        data, name = csv_bytes(STUDENT_HEADERS, rows, "gbk", "\t"), "students.txt"
    elif form == "semicolon":
        data, name = csv_bytes(STUDENT_HEADERS, rows, "utf-8", ";"), "students.csv"
    elif form == "utf-16":
        text = "\r\n".join("\t".join(r) for r in [STUDENT_HEADERS, *rows])
        data, name = text.encode("utf-16"), "students.txt"
    else:
        data, name = csv_bytes(STUDENT_HEADERS, rows, form), "students.csv"
    table = read_table(data, name)
    assert table.headers == STUDENT_HEADERS
    assert table.rows[0][8:10] == ["2021", "2025"]
    result = await commit_import(database, SYSTEM, "scholarshipStudents", table)
    assert result.committed, result.errors
    students = await rows_of(database, ScholarshipStudent)
    assert [(s.name, s.id_number, s.organisation_id, s.graduation_year) for s in students] == [
        ("张测一", numbers[0], world.gaolin.id, 2025),
        ("李测二", numbers[1], world.gaolin.id, 2026),
        ("王测三", numbers[2], world.gaolin.id, 2024),
    ]


async def test_english_and_snake_case_headers(database: Database, world: World) -> None:
    number = factories.national_id("male")
    headers = [
        "Name",
        "gender",
        "ID number",
        "phone",
        "Family category",
        "Home organisation",
        "university",
        "Enrolment year",
        "graduation_year",
        "序号",
    ]
    row = [
        "Test Student",
        "Male",
        number.lower(),
        "+86 138 0013 8000",
        "Registered poor family",
        "厦门市/湖里区",
        "厦门大学",
        "2021",
        "2025",
        "1",
    ]
    result = await commit_import(database, SYSTEM, "金秋助学学生", Table(headers, [row]))
    assert result.committed, result.errors
    assert result.ignored_headers == ["序号"]
    [student] = await rows_of(database, ScholarshipStudent)
    assert student.id_number == number.upper() and student.organisation_id == world.huli.id
    assert student.phone == "13800138000"


# -- scope --------------------------------------------------------------------------------


async def test_a_district_editor_cannot_import_into_another_district(
    database: Database, world: World
) -> None:
    numbers = ids("female", "male")
    rows = [
        [
            "湖里学生",
            "女",
            numbers[0],
            "13800138000",
            "建档立卡贫困家庭",
            "厦门市/湖里区/殿前街道/高林社区",
            "厦门大学",
            "",
            "2021",
            "2025",
        ],
        [
            "思明学生",
            "男",
            numbers[1],
            "13800138001",
            "建档立卡贫困家庭",
            "厦门市/思明区/嘉莲街道/湖滨社区",
            "厦门大学",
            "",
            "2021",
            "2025",
        ],
    ]
    editor = world.editor(world.huli)
    table = read_table(csv_bytes(STUDENT_HEADERS, rows), "s.csv")
    result = await commit_import(database, editor, "ScholarshipStudent", table)
    assert not result.committed
    [(row, error)] = result.errors
    assert row == 3 and error.column == "所在组织"
    assert error.code == "import.reference"
    assert "厦门市/思明区/嘉莲街道/湖滨社区" in error.message and "无权访问" in error.message
    assert await rows_of(database, ScholarshipStudent) == []

    # The plain name of an organisation outside the subtree is not found either.
    rows[1][5] = "湖滨社区"
    result = await preview_import(
        database,
        editor,
        "ScholarshipStudent",
        read_table(csv_bytes(STUDENT_HEADERS, rows), "s.csv"),
    )
    assert [e.code for _row, e in result.errors] == ["import.reference"]

    # Within the subtree, full paths from the root and tails of them both work.
    rows[1][5] = "殿前街道/高林社区"
    result = await commit_import(
        database,
        editor,
        "ScholarshipStudent",
        read_table(csv_bytes(STUDENT_HEADERS, rows), "s.csv"),
    )
    assert result.committed, result.errors
    students = await rows_of(database, ScholarshipStudent)
    assert {s.organisation_id for s in students} == {world.gaolin.id}
    assert {s.created_by for s in students} == {41}  # a user reference, no e-mail


async def test_an_editor_gets_english_messages_in_english(database: Database, world: World) -> None:
    rows = [
        [
            "某学生",
            "女",
            "350206200201010000",
            "",
            "建档立卡贫困家庭",
            "湖滨社区",
            "厦门大学",
            "",
            "2021",
            "2025",
        ]
    ]
    result = await preview_import(
        database, world.editor(world.huli, "en"), "ScholarshipStudent", Table(STUDENT_HEADERS, rows)
    )
    messages = {e.code: e.message for _row, e in result.errors}
    assert "you may not see it" in messages["import.reference"]
    assert messages["id_number.check_digit"].startswith("The resident ID number")


async def test_an_editor_cannot_create_a_root_organisation(
    database: Database, world: World
) -> None:
    headers = ["名称", "层级", "上级组织"]
    result = await preview_import(
        database, world.editor(world.huli), "Organisation", Table(headers, [["新城市", "市", None]])
    )
    assert [e.code for _row, e in result.errors] == ["root_forbidden"]


# -- organisations, companies, courses, enrolments, grants, internships --------------------------


async def test_organisations_by_path_including_parents_created_in_the_same_file(
    database: Database, world: World
) -> None:
    headers = ["名称", "类型", "层级", "上级组织", "地址", "已发布"]
    rows = [
        ["金山街道", "计生协", "街道/镇", "厦门市/湖里区", "金山路1号", "是"],
        ["金山社区", "计生协", "社区/村", "厦门市/湖里区/金山街道", "", "否"],
        ["高林社区", "计生协", "社区/村", "厦门市/湖里区/殿前街道", "高林路2号", "是"],
    ]
    result = await commit_import(database, SYSTEM, "organisations", Table(headers, rows))
    assert result.committed, result.errors
    assert [r.action for r in result.rows] == ["create", "create", "update"]
    orgs = {o.name: o for o in await rows_of(database, Organisation)}
    assert orgs["金山社区"].parent_id == orgs["金山街道"].id
    assert orgs["金山社区"].path == f"{orgs['金山街道'].path}{orgs['金山社区'].id}/"
    assert orgs["金山社区"].published is False
    assert orgs["高林社区"].address == "高林路2号"

    again = await commit_import(database, SYSTEM, "组织", Table(headers, rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


async def test_an_organisation_import_keeps_the_levels_in_order_or_writes_nothing(
    database: Database, world: World
) -> None:
    """Given 厦门市/湖里区/殿前街道, when a file creates a street under 殿前街道 and then a
    district under that street (or straight under 殿前街道), then the import writes nothing
    and says which row and which organisation is in the way, in Chinese — as the admin and
    GraphQL refuse it (a district inside a street would count its rows in no district)."""
    headers = ["名称", "类型", "层级", "上级组织"]
    before = {o.name for o in await rows_of(database, Organisation)}
    # a change of level alone, over the streets below it (a re-tester turned 海沧区 into a
    # community this way, its streets and sites then counted in no district)
    relevelled = await commit_import(
        database,
        SYSTEM,
        "organisations",
        Table(headers, [["湖里区", "计生协", "社区/村", "厦门市"]]),
    )
    assert not relevelled.committed
    assert any("层级须高于其下级组织" in e.message for _row, e in relevelled.errors)
    levels = {o.name: str(o.level) for o in await rows_of(database, Organisation)}
    assert levels["湖里区"] == "district"
    for rows in (
        [["测试假区", "计生协", "区", "厦门市/湖里区/殿前街道"]],
        [
            ["测试层级", "计生协", None, "厦门市/湖里区/殿前街道"],
            ["测试假区", "计生协", "区", "厦门市/湖里区/殿前街道/测试层级"],
        ],
    ):
        result = await commit_import(database, SYSTEM, "organisations", Table(headers, rows))
        assert not result.committed
        texts = [e.message for _row, e in result.errors]
        assert any("低于上级组织" in t and "殿前街道" in t for t in texts), texts
        assert {o.name for o in await rows_of(database, Organisation)} == before


async def test_ambiguous_plain_names_ask_for_a_path(database: Database, world: World) -> None:
    async with database.transaction(SYSTEM) as s:
        await factories.organisation(s, "高林社区", world.siming_street, level="community")
    number = factories.national_id("female")
    row = [
        "某学生",
        "女",
        number,
        "",
        "建档立卡贫困家庭",
        "高林社区",
        "厦门大学",
        "",
        "2021",
        "2025",
    ]
    result = await preview_import(
        database, SYSTEM, "ScholarshipStudent", Table(STUDENT_HEADERS, [row])
    )
    [(_row, error)] = result.errors
    assert error.code == "import.ambiguous_reference" and "完整路径" in error.message
    # …but a district editor sees only one of them.
    editor_view = await preview_import(
        database, world.editor(world.huli), "ScholarshipStudent", Table(STUDENT_HEADERS, [row])
    )
    assert editor_view.ok, editor_view.errors


async def test_companies_internships_grants_courses_enrolments_and_sites(
    database: Database, world: World
) -> None:
    code = make_credit_code("91350206MA0000001")
    companies = Table(
        ["企业名称", "统一社会信用代码", "所属组织", "行业", "授牌日期", "见习岗位数", "已发布"],
        [["厦门测试科技有限公司", code.lower(), "湖里区", "软件", "2022/9/24", "5", "是"]],
    )
    result = await commit_import(database, SYSTEM, "Company", companies)
    assert result.committed, result.errors
    [company] = await rows_of(database, Company)
    assert company.credit_code == code and company.plaque_date == date(2022, 9, 24)
    assert company.intern_capacity == 5 and company.organisation_id == world.huli.id

    number = factories.national_id("male")
    async with database.transaction(SYSTEM) as s:
        student = await factories.student(
            s, world.gaolin, "赵测四", id_number=number, gender="male"
        )
    internships = Table(
        ["见习学生", "见习企业", "见习岗位", "开始日期", "结束日期", "状态"],
        [[number, "厦门测试科技有限公司", "行政助理", "2023年7月1日", "2023.8.31", "已完成"]],
    )
    result = await commit_import(database, SYSTEM, "internships", internships)
    assert result.committed, result.errors
    [internship] = await rows_of(database, Internship)
    assert (internship.student_id, internship.company_id) == (student.id, company.id)
    assert internship.organisation_id == world.gaolin.id
    assert (internship.start_date, internship.end_date) == (date(2023, 7, 1), date(2023, 8, 31))
    # By credit code, re-imported: the same internship, updated.
    internships.rows[0][1] = code
    internships.rows[0][5] = "见习中"
    again = await commit_import(database, SYSTEM, "Internship", internships)
    assert [r.action for r in again.rows] == ["update"]
    assert len(await rows_of(database, Internship)) == 1

    grants = Table(
        ["受助学生", "发放年度", "金额（元）", "资金来源"],
        [[number, "2022", "1,500.5", "金秋助学专项"], [number, "2023", "￥2000", "金秋助学专项"]],
    )
    result = await commit_import(database, SYSTEM, "Grant", grants)
    assert result.committed, result.errors
    assert [str(g.amount) for g in await rows_of(database, Grant)] == ["1500.50", "2000.00"]
    assert (await commit_import(database, SYSTEM, "Grant", grants)).unchanged == 2

    sites = Table(
        ["名称", "类型", "所属组织", "启用日期", "示范级别"],
        [
            ["向日葵亲子小屋", "向日葵亲子小屋", "高林社区", "2021-06-01", "市级"],
            ["向日葵亲子小屋", "向日葵亲子小屋", "湖滨社区", "", "无"],
        ],
    )
    result = await commit_import(database, SYSTEM, "服务阵地", sites)
    assert result.committed, result.errors
    courses = Table(
        ["课程名称", "类别", "主办组织", "举办阵地", "开始日期", "结束日期", "名额"],
        [
            [
                "家庭健康指导员培训",
                "家庭健康指导员培训",
                "湖里区",
                "向日葵亲子小屋（高林社区）",
                "2022-10-14",
                "2022-10-16",
                "40",
            ],
            ["家庭健康指导员培训", "家庭健康指导员培训", "思明区", "", "2022-11-01", "", ""],
        ],
    )
    result = await commit_import(database, SYSTEM, "Course", courses)
    assert result.committed, result.errors
    course_rows = await rows_of(database, Course)
    site_rows = await rows_of(database, ServiceSite)
    assert course_rows[0].site_id == site_rows[0].id and course_rows[1].site_id is None

    enrolments = Table(
        ["所属课程", "所在社区", "姓名", "手机号码", "状态", "考核成绩", "证书编号"],
        [
            [
                "家庭健康指导员培训（湖里区）",
                "高林社区",
                "钱测五",
                "13900139000",
                "已合格",
                "92",
                "JKZD-1",
            ],
            ["家庭健康指导员培训", "高林社区", "孙测六", "", "已报名", "", ""],
        ],
    )
    result = await preview_import(database, SYSTEM, "Enrolment", enrolments)
    assert [r.ok for r in result.rows] == [True, False]
    assert result.rows[1].errors[0].code == "import.ambiguous_reference"
    enrolments.rows[1][0] = "家庭健康指导员培训（厦门市/思明区）"
    enrolments.rows[1][1] = "湖滨社区"
    result = await commit_import(database, SYSTEM, "Enrolment", enrolments)
    assert result.committed, result.errors
    enrolled = await rows_of(database, Enrolment)
    assert [(e.course_id, e.score) for e in enrolled] == [
        (course_rows[0].id, 92),
        (course_rows[1].id, None),
    ]

    sessions = Table(
        ["所属课程", "日期", "主题", "授课人"],
        [
            ["家庭健康指导员培训（湖里区）", "2022-10-14", "开班", "讲师甲"],
            ["家庭健康指导员培训（湖里区）", "2022-10-14", "实操", "讲师乙"],
        ],
    )
    result = await commit_import(database, SYSTEM, "CourseSession", sessions)
    assert result.committed, result.errors
    assert (await commit_import(database, SYSTEM, "CourseSession", sessions)).unchanged == 2
    assert len(await rows_of(database, CourseSession)) == 2


async def test_namesakes_are_told_apart_by_certificate_or_by_every_column(
    database: Database, world: World
) -> None:
    async with database.transaction(SYSTEM) as s:
        course = await factories.course(s, world.huli)
        first = await factories.enrolment(
            s, course, world.gaolin, "同名", phone="13900000001", certificate_number="C-1"
        )
        await factories.enrolment(
            s, course, world.gaolin, "同名", phone="13900000002", certificate_number="C-2"
        )
    headers = ["所属课程", "所在社区", "姓名", "手机号码", "证书编号", "考核成绩"]
    table = Table(headers, [["家庭健康指导员培训", "高林社区", "同名", "13900000001", "C-1", "88"]])
    result = await commit_import(database, SYSTEM, "Enrolment", table)
    assert [(r.action, r.record_id) for r in result.rows] == [("update", first.id)]
    unclear = Table(headers[:3] + ["考核成绩"], [["家庭健康指导员培训", "高林社区", "同名", "70"]])
    result = await preview_import(database, SYSTEM, "Enrolment", unclear)
    assert [e.code for _r, e in result.errors] == ["import.ambiguous_key"]


# -- file and header problems ----------------------------------------------------------------


async def test_duplicate_rows_in_one_file_are_refused(database: Database, world: World) -> None:
    [number] = ids("female")
    row = [
        "张测一",
        "女",
        number,
        "",
        "建档立卡贫困家庭",
        "高林社区",
        "厦门大学",
        "",
        "2021",
        "2025",
    ]
    result = await commit_import(
        database, SYSTEM, "ScholarshipStudent", Table(STUDENT_HEADERS, [row, list(row)])
    )
    assert not result.committed
    [(row_number, error)] = result.errors
    assert row_number == 3 and error.code == "import.duplicate_row" and "第2行" in error.message
    assert await rows_of(database, ScholarshipStudent) == []


async def test_missing_required_values_and_columns(database: Database, world: World) -> None:
    [number] = ids("female")
    headers = ["姓名", "身份证号", "所在组织"]
    result = await preview_import(
        database, SYSTEM, "ScholarshipStudent", Table(headers, [["某", number, "高林社区"]])
    )
    missing = {e.column for _r, e in result.errors if e.code == "required"}
    assert {"性别", "家庭类别", "就读高校", "入学年份", "毕业年份"} <= missing
    with pytest.raises(SpreadsheetError) as caught:
        await preview_import(
            database, SYSTEM, "ScholarshipStudent", Table(["姓名", "性别"], [["某", "女"]])
        )
    assert caught.value.code == "import.missing_column" and "身份证号" in caught.value.message("zh")
    with pytest.raises(SpreadsheetError) as caught:
        await preview_import(
            database,
            SYSTEM,
            "ScholarshipStudent",
            Table(["姓名", "Name", "身份证号"], [["a", "b", number]]),
        )
    assert caught.value.code == "import.duplicate_column"
    with pytest.raises(SpreadsheetError) as caught:
        await preview_import(
            database, SYSTEM, "ScholarshipStudent", Table(["甲", "乙"], [["a", "b"]])
        )
    assert caught.value.code == "import.no_columns"


async def test_progress_is_reported(
    database: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hongfan.transfer.filecheck.PROGRESS_EVERY", 50)
    numbers = ids(*(["female"] * 120))
    rows = [
        ["学生", "女", n, "", "建档立卡贫困家庭", "高林社区", "厦门大学", "", "2021", "2025"]
        for n in numbers
    ]
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    result = await commit_import(
        database, SYSTEM, "ScholarshipStudent", Table(STUDENT_HEADERS, rows), progress
    )
    assert result.committed and result.created == 120
    assert seen == [(50, 120), (100, 120), (120, 120)]


def test_read_table_limits_and_formats() -> None:
    with pytest.raises(SpreadsheetError) as caught:
        read_table(b"a,b\n" + b"1,2\n" * 100, "big.csv", max_bytes=100)
    assert caught.value.code == "import.too_large"
    assert "不能超过" in caught.value.message("zh") and "MB" in caught.value.message("en")
    with pytest.raises(SpreadsheetError) as caught:
        read_table(b"x" * (10 * 1024 * 1024 + 1), "big.csv")
    assert caught.value.code == "import.too_large" and "10 MB" in caught.value.message("zh")
    with pytest.raises(SpreadsheetError) as caught:
        read_table(b"a,b\n" + b"1,2\n" * 21, "many.csv", max_rows=20)
    assert caught.value.code == "import.too_many_rows" and "20行" in caught.value.message("zh")
    with pytest.raises(SpreadsheetError) as caught:
        read_table(("姓名\n" + "某\n" * 20_001).encode(), "many.csv")
    assert caught.value.code == "import.too_many_rows"
    with pytest.raises(SpreadsheetError) as caught:
        read_table(b"", "empty.csv")
    assert caught.value.code == "import.empty"
    with pytest.raises(SpreadsheetError) as caught:
        read_table("姓名,性别\n".encode(), "headers-only.csv")
    assert caught.value.code == "import.empty"
    with pytest.raises(SpreadsheetError) as caught:
        read_table(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "old.xls")
    assert caught.value.code == "import.format" and ".xlsx" in caught.value.message("zh")
    with pytest.raises(SpreadsheetError) as caught:
        read_table(b"PK\x03\x04 not really a zip", "broken.xlsx")
    assert caught.value.code == "import.unreadable"
    with pytest.raises(SpreadsheetError) as caught:
        read_table(b"\x00\x01\x02\xff\xfe\x00", "binary.csv")
    assert caught.value.code == "import.unreadable"


def test_read_table_cells() -> None:
    text = '\ufeff 姓名 ,备注,,\r\n\r\n张三,"a,b""c",,\r\n,,,\r\n李四,\'=1+2,,\r\n'
    table = read_table(text.encode("utf-8"), "t.csv")
    assert table.headers == ["姓名", "备注"]
    assert table.rows == [["张三", 'a,b"c'], ["李四", "=1+2"]]
    assert table.row_numbers == [3, 5]

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["日期", "时间", "整数", "小数", "布尔", "文本", "空"])
    sheet.append(
        [
            datetime(2022, 9, 24),
            datetime(2022, 9, 24, 8, 30),
            2021.0,
            1500.5,
            True,
            "  湖里区 ",
            None,
        ]
    )
    sheet.append([date(2023, 1, 2), None, 13800138000, 0.1, False, "'+86", "   "])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), "t.xlsx")
    assert table.headers == ["日期", "时间", "整数", "小数", "布尔", "文本", "空"]
    assert table.rows == [
        ["2022-09-24", "2022-09-24 08:30:00", "2021", "1500.5", "TRUE", "湖里区", None],
        ["2023-01-02", None, "13800138000", "0.1", "FALSE", "+86", None],
    ]


def test_type_names_and_templates() -> None:
    for name in (
        "ScholarshipStudent",
        "scholarshipStudents",
        "scholarship_students",
        "金秋助学学生",
        "students",
    ):
        assert resolve_type(name) is ScholarshipStudent
    assert resolve_type("服务阵地") is ServiceSite and resolve_type("Enrolments") is Enrolment
    with pytest.raises(UnknownType) as caught:
        resolve_type("AuditEntry")
    assert "AuditEntry" in caught.value.message("zh")
    headers = template_headers("ScholarshipStudent", "zh")
    assert (
        headers[:3] == ["姓名", "性别", "身份证号"]
        and "编号" not in headers
        and "版本号" not in headers
    )
    assert template_headers("Organisation", "en") == [
        "Name",
        "Kind",
        "Level",
        "Parent",
        "Address",
        "Contact",
        "Contact phone",
        "Official name",
        "Division code",
        "Published",
    ]
    # A template's headers are read back as the columns they name.
    for type_name in (
        "ScholarshipStudent",
        "Organisation",
        "Company",
        "Course",
        "Enrolment",
        "Grant",
        "Internship",
        "ServiceSite",
        "CourseSession",
    ):
        for lang in ("zh", "en"):
            assert len(set(template_headers(type_name, lang))) == len(
                template_headers(type_name, lang)
            )


async def test_preview_rolls_back_even_when_every_row_is_valid(
    database: Database, world: World
) -> None:
    numbers = ids("female", "male", "female")
    table = Table(STUDENT_HEADERS, student_rows(numbers))
    preview = await preview_import(database, replace(SUPERADMIN), "ScholarshipStudent", table)
    assert preview.ok and preview.created == 3
    assert all(r.record_id is None for r in preview.rows)
    assert await rows_of(database, ScholarshipStudent) == []
    async with database.session(SYSTEM) as session:
        assert (await session.execute(sa.select(sa.func.count(AuditEntry.id)))).scalar_one() == 7  # type: ignore[arg-type]


async def test_editor_reimport_of_masked_values_keeps_them(
    database: Database, world: World
) -> None:
    async with database.transaction(SYSTEM) as s:
        student = await factories.student(s, world.gaolin, "原名")
    masked = student.id_number[:4] + "*" * 10 + student.id_number[-4:]
    editor = world.editor(world.huli)
    # An editor cannot find a student by a masked ID number…
    headers = ["姓名", "身份证号", "手机号码", "所在组织"]
    result = await preview_import(
        database,
        editor,
        "ScholarshipStudent",
        Table(headers, [["新名", masked, "138****8000", "高林社区"]]),
    )
    assert not result.ok
    # …but with the full number, masked phone cells and blank sensitive cells keep the stored values.
    headers = ["姓名", "身份证号", "手机号码", "家庭类别", "所在组织"]
    result = await commit_import(
        database,
        editor,
        "ScholarshipStudent",
        Table(headers, [["新名", student.id_number, "138****8000", None, "高林社区"]]),
    )
    assert result.committed, result.errors
    [stored] = await rows_of(database, ScholarshipStudent)
    assert (
        stored.name == "新名"
        and stored.phone == "13800138000"
        and stored.family_category.value == "registered_poor"
    )


async def test_a_record_changed_between_check_and_write_fails_the_whole_import(
    database: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two students in the database and a file that updates one and adds another
    async with database.transaction(SYSTEM) as s:
        first = await factories.student(s, world.gaolin, "原名甲")
    numbers = ids("female")
    headers = [
        "姓名",
        "身份证号",
        "性别",
        "家庭类别",
        "所在组织",
        "就读高校",
        "入学年份",
        "毕业年份",
    ]
    rows = [
        [
            "新名甲",
            first.id_number,
            "女",
            "建档立卡贫困家庭",
            "高林社区",
            "厦门大学",
            "2021",
            "2025",
        ],
        ["新生乙", numbers[0], "女", "建档立卡贫困家庭", "高林社区", "厦门大学", "2021", "2025"],
    ]
    from hongfan.transfer import importing

    real_write = importing.write_checked

    async def someone_else_edits_first(session: Any, *args: Any, **kwargs: Any) -> Any:
        # When someone else saves the first student after the check but before the write
        async with database.transaction(SYSTEM) as other:
            await crud.update(
                other, ScholarshipStudent, first.id, first.version, {"university": "集美大学"}
            )
        return await real_write(session, *args, **kwargs)

    monkeypatch.setattr(importing, "write_checked", someone_else_edits_first)
    result = await commit_import(database, SYSTEM, "ScholarshipStudent", Table(headers, rows))

    # Then nothing is written, the other person's change is kept, and the file says why
    assert not result.committed
    assert [e.code for _row, e in result.errors] == ["import.changed_meanwhile"]
    students = await rows_of(database, ScholarshipStudent)
    assert [(s.name, s.university) for s in students] == [("原名甲", "集美大学")]


# -- the command line ------------------------------------------------------------------------------


def cli_parser() -> Any:
    from hongfan.cli import build_parser

    return build_parser()  # the real one: --lang comes from hongfan.cli for every command


def cli_world(tmp_path: Any) -> Any:
    import asyncio

    from tests.conftest import _reset_schema, create_engine, settings_for

    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")

    async def setup() -> None:
        engine = create_engine(settings)
        await _reset_schema(engine)
        db = Database(settings, engine)
        async with db.transaction(SYSTEM) as s:
            city = await factories.organisation(s, "厦门市")
            huli = await factories.organisation(s, "湖里区", city)
            await factories.organisation(s, "高林社区", huli, level="community")
        await db.dispose()

    asyncio.run(setup())
    return settings


def test_cli_import_dry_run_errors_and_commit(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = cli_world(tmp_path)
    parser = cli_parser()
    numbers = ids("female", "male", "female")
    rows = student_rows(numbers)
    for row in rows:
        row[5] = "厦门市/湖里区/高林社区"
    rows[1][2] = wrong_check_digit(numbers[1])
    bad = tmp_path / "学生.csv"
    bad.write_bytes(csv_bytes(STUDENT_HEADERS, rows, "gbk"))

    args = parser.parse_args(["import", "金秋助学学生", str(bad)])
    assert args.handler(settings, args) == 1
    out = capsys.readouterr().out
    assert "共 3 行" in out and "出错 1" in out and "第3行 身份证号：身份证号校验位不正确" in out
    assert "未写入任何数据" in out

    rows[1][2] = numbers[1]
    good = tmp_path / "学生.xlsx"
    good.write_bytes(xlsx_bytes(STUDENT_HEADERS, rows))
    args = parser.parse_args(
        ["import", "scholarshipStudents", str(good), "--dry-run", "--lang", "en"]
    )
    assert args.handler(settings, args) == 0
    out = capsys.readouterr().out
    assert "3 rows: 3 to create" in out and "Dry run" in out

    args = parser.parse_args(["import", "ScholarshipStudent", str(good)])
    assert args.handler(settings, args) == 0
    assert "新增 3" in capsys.readouterr().out
    args = parser.parse_args(["import", "ScholarshipStudent", str(good)])
    assert args.handler(settings, args) == 0
    assert "新增 0，更新 0，未变 3" in capsys.readouterr().out

    # Without --as, ID numbers in clear only when asked for explicitly, and audited.
    args = parser.parse_args(["export", "students", "--output", str(tmp_path / "out.xlsx")])
    assert args.handler(settings, args) == 2
    assert "--unmasked" in capsys.readouterr().err and not (tmp_path / "out.xlsx").exists()
    args = parser.parse_args(
        ["export", "students", "--unmasked", "--output", str(tmp_path / "out.xlsx")]
    )
    assert args.handler(settings, args) == 0
    exported = read_table((tmp_path / "out.xlsx").read_bytes(), "out.xlsx")
    assert [r[2] for r in exported.rows] == numbers
    import asyncio

    async def exports() -> list[Any]:
        db = Database(settings)
        async with db.session(SYSTEM) as session:
            found = (
                (await session.execute(sa.select(AuditEntry).where(AuditEntry.action == "export")))
                .scalars()
                .all()
            )  # type: ignore[arg-type]
        await db.dispose()
        return list(found)

    [entry] = asyncio.run(exports())
    assert entry.actor == "system:cli" and entry.entity == "ScholarshipStudent"
    assert entry.changes["count"] == 3 and "id_number" in entry.changes["fields_in_clear"]
    args = parser.parse_args(["export", "组织", "--lang", "en"])
    capsys.readouterr()
    assert args.handler(settings, args) == 0
    assert capsys.readouterr().out.startswith("\ufeffName,Kind,Level,Parent")

    args = parser.parse_args(["import", "Nonsense", str(good)])
    assert args.handler(settings, args) == 2
    args = parser.parse_args(["import", "ScholarshipStudent", str(tmp_path / "missing.csv")])
    assert args.handler(settings, args) == 2
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
    args = parser.parse_args(["import", "ScholarshipStudent", str(tmp_path / "old.xls")])
    assert args.handler(settings, args) == 1
    assert ".xlsx" in capsys.readouterr().err


def test_cli_as_an_account(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """--as runs with the account's scope and masking (needs the accounts module)."""
    import asyncio

    pytest.importorskip("hongfan.accounts")
    accounts_models = pytest.importorskip("models.accounts")
    settings = cli_world(tmp_path)
    numbers = ids("female", "male", "female")
    rows = student_rows(numbers)
    for row in rows:
        row[5] = "湖里区/高林社区"
    data = tmp_path / "学生.csv"
    data.write_bytes(csv_bytes(STUDENT_HEADERS, rows, "gbk"))
    parser = cli_parser()
    args = parser.parse_args(["import", "ScholarshipStudent", str(data)])
    assert args.handler(settings, args) == 0

    async def add_editor() -> None:
        db = Database(settings)
        async with db.session(SYSTEM) as session:
            huli = (
                await session.execute(sa.select(Organisation).where(Organisation.name == "湖里区"))
            ).scalar_one()  # type: ignore[arg-type]
        async with db.transaction(SYSTEM) as session:
            session.add(
                accounts_models.User(
                    email="editor@example.org",
                    password_hash="x",
                    role="editor",
                    organisation_id=huli.id,
                )
            )
        await db.dispose()

    asyncio.run(add_editor())
    capsys.readouterr()
    args = parser.parse_args(["export", "ScholarshipStudent", "--as", "editor@example.org"])
    assert args.handler(settings, args) == 0
    exported = read_table(capsys.readouterr().out.encode("utf-8"), "out.csv")
    assert [r[2] for r in exported.rows] == [n[:4] + "*" * 10 + n[-4:] for n in numbers]

    # An account's export of a public type is its own part; stderr says what it leaves out.
    args = parser.parse_args(["export", "Organisation", "--as", "editor@example.org"])
    assert args.handler(settings, args) == 0
    captured = capsys.readouterr()
    organisations = read_table(captured.out.encode("utf-8"), "out.csv")
    said = re.search(
        r"导出本单位及下级的 (\d+) 条组织（其他单位公开的 (\d+) 条不在导出范围）", captured.err
    )
    assert said is not None, captured.err
    assert int(said.group(1)) == len(organisations.rows) and int(said.group(2)) > 0

    args = parser.parse_args(["export", "Organisation", "--as", "nobody@example.org"])
    assert args.handler(settings, args) == 1
    assert "找不到账号：nobody@example.org" in capsys.readouterr().err


async def test_an_editor_cannot_confirm_a_guess_at_a_masked_value(
    database: Database, world: World
) -> None:
    async with database.transaction(SYSTEM) as s:
        student = await factories.student(s, world.gaolin, "某生", phone="13812345678")
    editor = world.editor(world.huli)
    headers = ["姓名", "身份证号", "手机号码", "所在组织"]
    outcomes = []
    for guess in ("13812345678", "13812340000"):
        table = Table(headers, [["某生", student.id_number, guess, "高林社区"]])
        preview = await preview_import(database, editor, "ScholarshipStudent", table)
        outcomes.append([r.action for r in preview.rows])
    assert outcomes == [["update"], ["update"]]
