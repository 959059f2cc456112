"""An edit form's save is always checked against the version it was loaded at.

A save whose version is missing or malformed is refused: it would overwrite someone else's
change unchecked.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hongfan.access import INCLUDE_DELETED
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import ScholarshipStudent
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
