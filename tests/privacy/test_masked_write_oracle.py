"""A write never tells its writer what a field it may not read holds (outside tester)."""

from __future__ import annotations

from hongfan import crud
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from models import ScholarshipStudent
from tests import factories


async def test_an_editors_guess_at_a_masked_phone_moves_the_version_whether_right_or_wrong(
    database: Database,
) -> None:
    """Given a student whose phone an editor of the district sees masked, when the editor
    saves the phone with the current version — once the stored number (a right guess), once
    another — then both saves are writes: the version moves each time, so whether it moved
    says nothing about the guess (an equal value was skipped, the version stayed, and the
    guess was confirmed)."""
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        district = await factories.organisation(s, "湖里区", city)
        student = await factories.student(s, district)
        stored = student.phone
        editor = factories.staff(Role.EDITOR, district)
        student_id = student.id
    assert student_id is not None and stored
    for guess in (stored, "13700000000"):
        async with database.session(SYSTEM) as s:
            version = (await s.get(ScholarshipStudent, student_id)).version  # type: ignore[union-attr]
        async with database.transaction(editor) as s:
            await crud.update(s, ScholarshipStudent, student_id, version, {"phone": guess})
        async with database.session(SYSTEM) as s:
            after = (await s.get(ScholarshipStudent, student_id)).version  # type: ignore[union-attr]
        assert after == version + 1, guess
