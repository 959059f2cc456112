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
    monkeypatch.setattr(probes, "LIMIT", 1)
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
    # the first taken number: vague; the budget of one is then spent, and every later
    # personal value is refused without looking, taken or not
    assert codes == [["unique.elsewhere"], ["unique.too_many"], ["unique.too_many"]], codes
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
    assert all([e.code for e in r.errors] == ["unique.too_many"] for r in again.rows)
