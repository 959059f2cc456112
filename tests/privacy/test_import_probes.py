"""An import is an existence check too (#12.6): an editor's file with ID numbers registered
in another district is told neither where they are nor more than the hourly budget allows,
and each hit is in the audit log, in a preview as in a commit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hongfan import probes
from hongfan.db import Database
from hongfan.transfer import preview_import
from hongfan.transfer.sheets import read_table
from models import AuditEntry
from tests import factories
from tests.test_imports import STUDENT_HEADERS, SYSTEM, World, csv_bytes, ids, student_rows, world  # noqa: F401


async def test_given_an_editor_importing_id_numbers_of_another_district_then_the_rows_do_not_say_where_and_each_check_is_audited(
    database: Database,
    world: World,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(probes, "IMPORT_LIMIT", 1)
    numbers = ids("female", "male", "female")
    async with database.transaction(SYSTEM) as s:
        for number, gender in zip(
            numbers[:2], ("female", "male"), strict=True
        ):  # two of three: 思明区's
            await factories.student(
                s, world.siming_community, "思明学生", id_number=number, gender=gender
            )
    table = read_table(csv_bytes(STUDENT_HEADERS, student_rows(numbers), "utf-8-sig"), "学生.csv")
    preview = await preview_import(
        database, world.editor(world.gaolin), "ScholarshipStudent", table
    )
    codes = [[e.code for e in r.errors] for r in preview.rows]
    # the first taken number: vague; the budget of one is then spent, so the next taken
    # one is refused as too many checks, while a number registered nowhere proceeds
    assert codes == [["unique.elsewhere"], ["unique.too_many"], []], codes
    texts = " ".join(e.message for r in preview.rows for e in r.errors)
    assert "思明" not in texts and not any(n in texts for n in numbers)
    async with database.session(SYSTEM) as s:
        entries = list(
            (
                await s.execute(sa.select(AuditEntry).where(AuditEntry.action == probes.ACTION))
            ).scalars()
        )
    assert [(e.actor, e.changes) for e in entries] == [
        ("user:41:editor", {"fields": ["id_number"], "visible": False})
    ]
    again = await preview_import(database, world.editor(world.gaolin), "ScholarshipStudent", table)
    assert [[e.code for e in r.errors] for r in again.rows] == [
        ["unique.too_many"],
        ["unique.too_many"],
        [],
    ]


async def test_given_an_office_file_of_50_students_who_moved_in_then_it_imports_and_new_numbers_still_register(
    database: Database,
    world: World,  # noqa: F811 - the fixture
) -> None:
    """Tester finding 3: 50 students registered in 思明区 moved to 湖里区, and the office's
    file also has two brand-new students. Every moved student is told "registered
    elsewhere" (the file's 50 hits fit the import allowance) and the new students proceed;
    a brand-new number also proceeds after the hourly allowance is spent."""
    moved = ids(*["female"] * 50)
    new = ids("female", "female")
    async with database.transaction(SYSTEM) as s:
        for n, number in enumerate(moved):
            await factories.student(
                s, world.siming_community, f"思明学生{n}", id_number=number, gender="female"
            )
    template = student_rows(ids("female", "male", "female"))[0]
    rows = [
        [f"迁入{chr(0x4E00 + n)}", "女", number, "", *template[4:]]
        for n, number in enumerate(moved + new)
    ]
    table = read_table(csv_bytes(STUDENT_HEADERS, rows, "utf-8-sig"), "学生.csv")
    editor = world.editor(world.gaolin)
    preview = await preview_import(database, editor, "ScholarshipStudent", table)
    codes = [[e.code for e in r.errors] for r in preview.rows]
    assert codes == [["unique.elsewhere"]] * 50 + [[], []], codes
    # Past the allowance a taken number is refused as too many checks, a new one proceeds
    for _ in range(3):
        await preview_import(database, editor, "ScholarshipStudent", table)
    again = await preview_import(database, editor, "ScholarshipStudent", table)
    codes = [[e.code for e in r.errors] for r in again.rows]
    assert codes[-3:] == [["unique.too_many"], [], []], codes[-3:]
