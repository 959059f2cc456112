"""An edit form's save is always checked against the version it was loaded at, and what a
refused or conflicting save says is in words people use.

A save whose version is missing or malformed is refused (it would overwrite someone else's
change unchecked); a conflict shows a choice by its label; a save of a record deleted or
moved out of the user's reach meanwhile says so, not "新建…".
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hongfan.access import INCLUDE_DELETED
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import AuditEntry, Organisation, ScholarshipStudent
from models.base import utcnow
from tests.admin_ui.conftest import text_of
from tests.admin_ui.test_workday import (  # noqa: F401  (world: the module's demo copy)
    ADMIN,
    EDITOR,
    conflict_rows,
    form_values,
    huli_students,
    rows,
    signed_in,
    world,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

STUDENTS = ScholarshipStudent.__table__  # type: ignore[attr-defined]


async def _student(world: Database, pk: int) -> ScholarshipStudent:  # noqa: F811
    """The student as stored, deleted or not."""
    statement = sa.select(ScholarshipStudent).where(ScholarshipStudent.id == pk)
    return (await rows(world, statement.execution_options(**{INCLUDE_DELETED: True})))[0]


async def _change(world: Database, pk: int, **values: object) -> None:  # noqa: F811
    """Someone else (or the system) changes the student meanwhile."""
    async with world.transaction(SYSTEM) as session:
        await session.execute(
            sa.update(STUDENTS)
            .where(STUDENTS.c.id == pk)
            .values(version=STUDENTS.c.version + 1, **values)
        )


@pytest.mark.parametrize("version", [None, "", "0", "-1", "abc"])
async def test_given_an_edit_form_without_a_valid_version_when_saved_then_refused_and_nothing_written(
    world: Database,  # noqa: F811
    version: str | None,
) -> None:
    """Given the editor's edit form of a student; when she saves a change to 专业 with the
    form's version removed, empty, 0, -1 or 'abc'; then the save is refused (422) with
    表单已过期，请重新打开后再改, nothing is written, and the form offered again carries no
    version, so saving it again is refused too."""
    student = (await huli_students(world))[3]
    client = await signed_in(world, EDITOR)
    path = f"/admin/scholarship-students/{student.id}/edit"
    loaded = form_values((await client.get(path)).text)
    assert loaded["version"] == str(student.version)
    sent = {**loaded, "major": "考古学"}
    if version is None:
        del sent["version"]
    else:
        sent["version"] = version

    refused = await client.post(path, sent)

    assert refused.status_code == 422, text_of(refused.text)[:300]
    assert "表单已过期，请重新打开后再改" in text_of(refused.text)
    assert "编辑金秋助学学生" in text_of(refused.text)
    saved = await _student(world, int(student.id or 0))
    assert (saved.major, saved.version) == (student.major, student.version)
    offered = form_values(refused.text)
    assert "version" not in offered and offered["major"] == "考古学"
    assert (await client.post(path, offered)).status_code == 422
    assert (await _student(world, int(student.id or 0))).version == student.version


async def test_given_a_conflict_on_a_choice_then_both_sides_show_its_label_not_its_code(
    world: Database,  # noqa: F811
) -> None:
    """Given the org admin's edit form of a student, and someone saving the student
    meanwhile; when she changes 家庭类别 to the other category and saves; then the conflict
    table shows both sides as labels (独生子女低保家庭 / 建档立卡贫困家庭), never
    only_child_low_income; in English too."""
    student = (await huli_students(world))[5]
    client = await signed_in(world, ADMIN)
    path = f"/admin/scholarship-students/{student.id}/edit"
    loaded = form_values((await client.get(path)).text)
    await _change(world, int(student.id or 0))
    current = student.family_category.value
    other = "registered_poor" if current == "only_child_low_income" else "only_child_low_income"

    stale = await client.post(path, {**loaded, "family_category": other})

    assert stale.status_code == 409
    table = conflict_rows(stale.text)
    labels = {"registered_poor": "建档立卡贫困家庭", "only_child_low_income": "独生子女低保家庭"}
    assert table == {"家庭类别": f"{labels[current]} | {labels[other]}"}
    english = await client.post(path + "?lang=en", {**loaded, "family_category": other})
    assert "Only-child low-income family" in text_of(english.text)
    assert "only_child_low_income" not in text_of(english.text)


async def test_given_a_student_deleted_meanwhile_when_the_editor_saves_then_she_is_told_it_is_gone(
    world: Database,  # noqa: F811
) -> None:
    """Given the editor's edit form of a student; when the student is deleted meanwhile and
    she saves a change; then she is told the record has been deleted or is no longer hers
    to change (404), not shown a form headed 新建金秋助学学生, and nothing is written."""
    student = (await huli_students(world))[7]
    client = await signed_in(world, EDITOR)
    path = f"/admin/scholarship-students/{student.id}/edit"
    loaded = form_values((await client.get(path)).text)
    await _change(world, int(student.id or 0), deleted_at=utcnow())

    answer = await client.post(path, {**loaded, "major": "考古学"})

    page = text_of(answer.text)
    assert answer.status_code == 404, page[:300]
    assert "这条记录已被删除，或已不在你可以修改的范围内" in page and "新建" not in page
    assert (await _student(world, int(student.id or 0))).major == student.major


@pytest.mark.parametrize("stale", [False, True])
async def test_given_a_student_moved_to_another_district_when_the_editor_saves_then_she_is_told_it_is_gone(
    world: Database,  # noqa: F811
    stale: bool,
) -> None:
    """Given the 湖里 editor's edit form of a student; when the student is moved to 集美区
    meanwhile (with her form's version still current, or not); then her save is told the
    record is no longer hers to change, in Chinese, and nothing of hers is written."""
    student = (await huli_students(world))[9 + stale]
    client = await signed_in(world, EDITOR)
    path = f"/admin/scholarship-students/{student.id}/edit"
    loaded = form_values((await client.get(path)).text)
    jimei = (await rows(world, sa.select(Organisation).where(Organisation.name == "集美区")))[0]
    await _change(world, int(student.id or 0), organisation_id=jimei.id)
    if not stale:
        loaded["version"] = str(student.version + 1)

    answer = await client.post(path, {**loaded, "major": "考古学"})

    page = text_of(answer.text)
    assert answer.status_code == 404, page[:300]
    assert "已不在你可以修改的范围内" in page and "新建" not in page
    assert (await _student(world, int(student.id or 0))).major == student.major
    edits = await rows(
        world,
        sa.select(AuditEntry).where(
            AuditEntry.record_id == student.id,  # type: ignore[arg-type]
            AuditEntry.entity == "ScholarshipStudent",  # type: ignore[arg-type]
            AuditEntry.action == "update",  # type: ignore[arg-type]
        ),
    )
    assert edits == []
