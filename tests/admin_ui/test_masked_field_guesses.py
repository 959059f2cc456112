"""An editor who sees a person's phone or ID number masked, and the family category hidden,
cannot learn them by guessing through the edit form.

The form shows such a field blank. Whatever she types into it is her change, and it is
never compared with the stored value: a stale save answers with the same conflict page
whether her guess is the stored value or not, and a form left blank still saves nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from admin_ui.form_changes import LOADED_FIELD, digest
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import Enrolment, Organisation, ScholarshipStudent
from models.base import Record
from models.volunteers import Volunteer
from tests.admin_ui.conftest import text_of
from tests.admin_ui.test_workday import (  # noqa: F401  (world: the module's demo copy)
    EDITOR,
    conflict_rows,
    form_values,
    huli_students,
    rows,
    signed_in,
    world,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _in_huli(world: Database, model: type[Record], index: int) -> Any:  # noqa: F811
    """The ``index``-th record of ``model`` in 湖里区 (the editor's district) with a phone."""
    huli = (await rows(world, sa.select(Organisation).where(Organisation.name == "湖里区")))[0]
    subtree = sa.select(Organisation.id).where(Organisation.path.like(huli.path + "%"))  # type: ignore[attr-defined]
    found = await rows(
        world,
        sa.select(model)
        .where(model.organisation_id.in_(subtree), model.phone.is_not(None))  # type: ignore[attr-defined]
        .order_by(model.id),  # type: ignore[arg-type]
    )
    return found[index]


async def _someone_saves(world: Database, model: type[Record], pk: int) -> None:  # noqa: F811
    """Someone else saves the record meanwhile: its version moves on."""
    table = model.__table__  # type: ignore[attr-defined]
    async with world.transaction(SYSTEM) as session:
        await session.execute(
            sa.update(table).where(table.c.id == pk).values(version=table.c.version + 1)
        )


@pytest.mark.parametrize(
    ("model", "slug"),
    [
        (ScholarshipStudent, "scholarship-students"),
        (Volunteer, "volunteers"),
        (Enrolment, "enrolments"),
    ],
)
async def test_given_a_masked_phone_when_the_editor_guesses_it_in_a_stale_form_then_right_and_wrong_answer_alike(
    world: Database,  # noqa: F811
    model: type[Record],
    slug: str,
) -> None:
    """Given the 湖里 editor's edit form of a person whose phone she sees masked (shown
    blank), and someone saving the record meanwhile; when she sends the stale form back
    once with the stored phone typed in and once with another number; then both answers
    are the same conflict page listing 手机号码 as her change (saved now: masked), never
    'nothing to save' for the right guess."""
    record = await _in_huli(world, model, 1)
    client = await signed_in(world, EDITOR)
    path = f"/admin/{slug}/{record.id}/edit"
    loaded = form_values((await client.get(path)).text)
    assert loaded["phone"] == ""  # shown blank, never the number
    await _someone_saves(world, model, int(record.id))
    wrong = "13900000000" if record.phone != "13900000000" else "13911111111"

    right_guess = await client.post(path, {**loaded, "phone": record.phone})
    wrong_guess = await client.post(path, {**loaded, "phone": wrong})

    assert (right_guess.status_code, wrong_guess.status_code) == (409, 409)
    assert list(conflict_rows(right_guess.text)) == list(conflict_rows(wrong_guess.text))
    label = next(iter(conflict_rows(right_guess.text)))
    assert label.startswith("手机号码") and "双方都改了" not in label
    assert record.phone not in conflict_rows(right_guess.text)[label].split(" | ")[0]


async def test_given_a_hidden_family_category_when_the_editor_guesses_it_then_right_and_wrong_answer_alike(
    world: Database,  # noqa: F811
) -> None:
    """Given the editor's form of a student whose family category is hidden from her, and
    someone saving the student meanwhile; when she sends the stale form back with each of
    the two categories chosen; then both answers are a 409 conflict listing 家庭类别, its
    saved value shown as 已隐藏, and nothing is written."""
    student = (await huli_students(world))[21]
    client = await signed_in(world, EDITOR)
    path = f"/admin/scholarship-students/{student.id}/edit"
    loaded = form_values((await client.get(path)).text)
    assert loaded["family_category"] == ""
    await _someone_saves(world, ScholarshipStudent, int(student.id or 0))

    answers = [
        await client.post(path, {**loaded, "family_category": category})
        for category in ("registered_poor", "only_child_low_income")
    ]

    assert [a.status_code for a in answers] == [409, 409]
    tables = [conflict_rows(a.text) for a in answers]
    assert [list(t) for t in tables] == [["家庭类别"], ["家庭类别"]]
    assert [t["家庭类别"].split(" | ")[0] for t in tables] == ["已隐藏", "已隐藏"]
    saved = (
        await rows(world, sa.select(ScholarshipStudent).where(ScholarshipStudent.id == student.id))
    )[0]
    assert saved.family_category == student.family_category


async def test_given_a_form_whose_digest_holds_the_real_value_when_the_right_guess_is_sent_then_it_is_still_her_change(
    world: Database,  # noqa: F811
) -> None:
    """Given an editor's form carrying a digest of the stored ID number (as forms did before
    this rule; the digest is the server's, she cannot make one); when she sends it stale
    with the stored ID number typed in; then the answer is still the conflict listing
    身份证号: a field she cannot read is compared only with the blank her form showed."""
    student = (await huli_students(world))[23]
    client = await signed_in(world, EDITOR)
    path = f"/admin/scholarship-students/{student.id}/edit"
    loaded = form_values((await client.get(path)).text)
    secret, pk = world.settings.secret_key, int(student.id or 0)
    real = digest(secret, ScholarshipStudent, pk, "id_number", student.id_number)
    assert real not in loaded[LOADED_FIELD]  # the page's digest is of the blank it shows
    old_style = ",".join(
        f"id_number:{real}" if part.startswith("id_number:") else part
        for part in loaded[LOADED_FIELD].split(",")
    )
    await _someone_saves(world, ScholarshipStudent, pk)

    answer = await client.post(
        path, {**loaded, LOADED_FIELD: old_style, "id_number": student.id_number}
    )

    assert answer.status_code == 409, text_of(answer.text)[:300]
    assert list(conflict_rows(answer.text)) == ["身份证号"]


async def test_given_masked_fields_left_blank_when_a_stale_form_is_saved_then_nothing_to_save(
    world: Database,  # noqa: F811
) -> None:
    """Given the editor's form with phone and ID number shown blank; when someone saves the
    student and she presses 保存 without typing anything; then she is told she changed
    nothing (the blanks are not her changes), and nothing is written."""
    student = (await huli_students(world))[25]
    client = await signed_in(world, EDITOR)
    path = f"/admin/scholarship-students/{student.id}/edit"
    loaded = form_values((await client.get(path)).text)
    await _someone_saves(world, ScholarshipStudent, int(student.id or 0))

    stale = await client.post(path, loaded)

    assert stale.status_code == 303, text_of(stale.text)[:300]
    page = text_of((await client.get(stale.headers["location"])).text)
    assert "你没有改动任何字段，无需保存" in page
