"""Two people editing the same record: a stale save that changes nothing says so plainly.

Given a student's edit form open for the editor (A) and the org admin (B) at the same
version, when A saves first and B then saves a form whose changes are already what is
saved now (or changes nothing), then B is not shown a conflict page with an empty table:
she lands on the record as saved now with a sentence saying there was nothing to save,
and nothing is written for her. (A real difference still shows the side-by-side table:
tests/admin_ui/test_workday.py.)
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hongfan.db import Database
from models import AuditEntry, ScholarshipStudent
from tests.admin_ui.conftest import text_of
from tests.admin_ui.test_workday import (  # noqa: F401  (world: the module's demo copy)
    ADMIN,
    EDITOR,
    form_values,
    huli_students,
    rows,
    signed_in,
    world,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _edits(world: Database, pk: int) -> int:  # noqa: F811
    found = await rows(
        world,
        sa.select(AuditEntry).where(
            AuditEntry.entity == "ScholarshipStudent",  # type: ignore[arg-type]
            AuditEntry.record_id == pk,  # type: ignore[arg-type]
            AuditEntry.action == "update",  # type: ignore[arg-type]
        ),
    )
    return len(found)


async def test_given_both_made_the_same_change_when_the_second_saves_then_she_is_told_it_is_saved(
    world: Database,  # noqa: F811
) -> None:
    """Given A and B's forms at one version; when A changes 专业 to 历史学 and saves, and B
    makes the very same change and saves; then B lands on the student with 'nothing to
    save' in words — no conflict table — and no second edit is written."""
    target = (await huli_students(world))[17]
    a, b = await signed_in(world, EDITOR), await signed_in(world, ADMIN)
    path = f"/admin/scholarship-students/{target.id}/edit"
    a_form, b_form = form_values((await a.get(path)).text), form_values((await b.get(path)).text)
    assert (await a.post(path, {**a_form, "major": "历史学"})).status_code == 303
    edits = await _edits(world, int(target.id or 0))

    stale = await b.post(path, {**b_form, "major": "历史学"})

    assert stale.status_code == 303, text_of(stale.text)[:300]
    shown = await b.get(stale.headers["location"])
    page = text_of(shown.text)
    assert "你改的字段现在已是你要的内容，无需再保存" in page and "保存冲突" not in page
    assert "历史学" in page
    assert await _edits(world, int(target.id or 0)) == edits
    english = text_of((await b.get(stale.headers["location"] + "&lang=en")).text)
    assert "the fields you changed already hold what you wanted" in english


async def test_given_a_form_left_unchanged_when_saved_after_another_save_then_she_is_told_so(
    world: Database,  # noqa: F811
) -> None:
    """Given A and B's forms at one version; when A changes 就读高校 and saves, and B presses
    保存 without changing anything; then B lands on the student as A saved it, told she
    changed nothing, and A's change stands."""
    target = (await huli_students(world))[19]
    a, b = await signed_in(world, EDITOR), await signed_in(world, ADMIN)
    path = f"/admin/scholarship-students/{target.id}/edit"
    a_form, b_form = form_values((await a.get(path)).text), form_values((await b.get(path)).text)
    assert (await a.post(path, {**a_form, "university": "集美大学"})).status_code == 303

    stale = await b.post(path, b_form)

    assert stale.status_code == 303, text_of(stale.text)[:300]
    page = text_of((await b.get(stale.headers["location"])).text)
    assert "你没有改动任何字段，无需保存" in page and "集美大学" in page
    saved = (
        await rows(world, sa.select(ScholarshipStudent).where(ScholarshipStudent.id == target.id))
    )[0]
    assert saved.university == "集美大学"
