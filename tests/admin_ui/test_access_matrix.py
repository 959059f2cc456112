"""The admin UI's access matrix, generated from the one policy: every demo role (superadmin
and partner included) × every record type × list / new form / detail / edit form / CSV
export, sensitive fields included.

What each cell should show comes from ``hongfan.access`` — the very questions (which types
a role's admin lists, who may create or update, ``visibility`` of each column) every other
surface asks — applied to the demo data read as the system, never from the pages under
test. A type added later is covered as soon as it is declared: its view is derived and
its policy entry decides; nothing here names a type.

Given a demo user of each role, when it opens each page of each type, then it is let in
exactly where the policy says, and each personal value it can meet is in clear only where
its role reads it in clear, masked (as the mask shows it) where it reads it masked, and
nowhere where it is hidden.
"""

from __future__ import annotations

import enum
from typing import Any

import pytest
import sqlalchemy as sa

from admin_ui.registry import VIEWS, AdminView
from hongfan import access, accounts
from hongfan.access import Visibility
from hongfan.db import Database
from hongfan.policy import POLICY, Op, Rows
from hongfan.principal import SYSTEM, Principal, Role
from models import ENTITIES
from models.base import Record, column_meta
from models.coltypes import choice_label
from models.organisations import Organisation, OrganisationLevel
from tests.admin_ui.conftest import AdminClient, text_of

LOGINS: dict[str, tuple[Role, str | None]] = {
    "admin@demo.hongfan": (Role.SUPERADMIN, None),
    "huli.admin@demo.hongfan": (Role.ORG_ADMIN, "湖里区"),
    "huli.editor@demo.hongfan": (Role.EDITOR, "湖里区"),
    "siming.viewer@demo.hongfan": (Role.VIEWER, "思明区"),
    "partner@demo.hongfan": (Role.PARTNER, None),
}


async def _principal(db: Database, email: str) -> Principal:
    async with db.session(SYSTEM) as session:
        user = await accounts.get_user_by_email(session, email)
        assert user is not None
        return await accounts.principal_for(session, user)


async def _district_path(db: Database, name: str) -> str:
    async with db.session(SYSTEM) as session:
        statement = sa.select(Organisation.path).where(
            Organisation.name == name, Organisation.level == OrganisationLevel.DISTRICT
        )
        return str((await session.execute(statement)).scalar_one())


def _is_choice(model: type[Record], column: str) -> bool:
    kind = model.__table__.c[column].type  # type: ignore[attr-defined]
    return isinstance(kind, sa.Enum) or getattr(kind, "enum_cls", None) is not None


def _sensitive_columns(model: type[Record]) -> list[str]:
    table = model.__table__  # type: ignore[attr-defined]
    return [c.name for c in table.columns if column_meta(model, c.name).sensitive]


def _text_columns(model: type[Record]) -> list[str]:
    """The sensitive columns whose value is text (a choice is shown by its label)."""
    return [c for c in _sensitive_columns(model) if not _is_choice(model, c)]


async def _public(db: Database, view: AdminView, record: Any) -> bool:
    """Whether anyone may read ``record`` (signing in never hides it, #10.6)."""
    entry = POLICY[view.type_name]
    if entry.public is Rows.PUBLISHED:
        return bool(record.published)
    if entry.public is Rows.PUBLISHED_PARENT and entry.published_parent is not None:
        column, parent_type = entry.published_parent
        async with db.session(SYSTEM) as session:
            parent: Any = await session.get(ENTITIES[parent_type], getattr(record, column))
        return parent is not None and bool(parent.published) and parent.deleted_at is None
    return False


async def _samples(
    db: Database, principal: Principal, view: AdminView, path: str | None
) -> tuple[Record | None, Record | None, Record | None]:
    """One live record the role may see, with every personal value set when one has
    them (read as the system: rows inside the role's subtree, or the rows the partner's
    own session finds), and one live record outside its district (None without one): one
    nobody else may read, and one public (published)."""
    model: Any = view.model
    statement = sa.select(model).where(model.deleted_at.is_(None)).order_by(model.id)
    for column in _sensitive_columns(model):
        statement = statement.where(getattr(model, column).is_not(None))
    outside = public = None
    if path is not None:
        owner = model.path if model.__entity__.scope == "path" else Organisation.path
        if model.__entity__.scope != "path":
            statement = statement.join(Organisation, Organisation.id == model.organisation_id)
        async with db.session(SYSTEM) as session:
            candidates = (
                await session.execute(statement.where(sa.not_(owner.startswith(path))).limit(20))
            ).scalars()
            for candidate in list(candidates):
                if await _public(db, view, candidate):
                    public = public or candidate
                else:
                    outside = outside or candidate
        statement = statement.where(owner.startswith(path))
    reader = principal if principal.role is Role.PARTNER else SYSTEM
    async with db.session(reader) as session:
        inside = (await session.execute(statement.limit(1))).scalar_one_or_none()
    return inside, outside, public


def _value_problems(
    where: str, principal: Principal, view: AdminView, record: Record, text: str
) -> list[str]:
    """Each personal value of ``record`` shown exactly as ``visibility`` says (a choice by
    its label, not in a form, which lists every choice)."""
    problems = []
    for column in _sensitive_columns(view.model):
        if not _is_choice(view.model, column) or where == "form":  # a form lists every choice
            continue
        shown = choice_label(getattr(record, column), "zh") in text  # a choice: by its label
        if shown != (access.visibility(principal, view.model, column) is Visibility.CLEAR):
            problems.append(f"{where} {view.type_name}.{column}: label shown={shown}")
    for column in _text_columns(view.model):
        raw = getattr(record, column)
        value = str(raw.value if isinstance(raw, enum.Enum) else raw)
        seen = access.visibility(principal, view.model, column)
        if (value in text) != (seen is Visibility.CLEAR):
            problems.append(f"{where} {view.type_name}.{column}: in clear={value in text}, {seen}")
        if seen is Visibility.MASKED and where != "form":  # a form leaves a masked value blank
            masked = str(access.present(principal, view.model, column, raw))
            if masked not in text:
                problems.append(f"{where} {view.type_name}.{column}: mask {masked} not shown")
    return problems


@pytest.mark.parametrize("email", list(LOGINS))
async def test_admin_pages_follow_the_policy(email: str, client: AdminClient, demo: Database):
    role, district = LOGINS[email]
    principal = await _principal(demo, email)
    await client.login(email)
    path = await _district_path(demo, district) if district else None
    problems: list[str] = []
    opened: set[str] = set()
    for view in VIEWS:
        model, base = view.model, f"/admin/{view.slug}"
        listed = access.in_admin(principal, model)
        expected = {
            "list": 200 if listed else 404,
            "new form": (200 if access.can_write(principal, model, Op.CREATE) else 403)
            if listed
            else 404,
            "export": 200 if listed else 404,
        }
        for what, url in (("list", base), ("new form", f"{base}/new")):
            status = (await client.get(url)).status_code
            if status != expected[what]:
                problems.append(f"{view.type_name} {what}: {status}, expected {expected[what]}")
        export = await client.get(f"{base}/export.csv")
        if export.status_code != expected["export"]:
            problems.append(f"{view.type_name} export: {export.status_code}")
        if not listed:
            continue
        record, outside, public = await _samples(demo, principal, view, path)
        updates = access.can_write(principal, model, Op.UPDATE)
        if outside is not None:  # out of reach looks like missing (a form: forbidden first)
            for suffix, status_expected in (("", 404), ("/edit", 404 if updates else 403)):
                status = (await client.get(f"{base}/{outside.id}{suffix}")).status_code
                if status != status_expected:
                    problems.append(f"{view.type_name} {outside.id}{suffix} outside: {status}")
        if public is not None:  # published elsewhere: shown, read-only (#10.6)
            status = (await client.get(f"{base}/{public.id}")).status_code
            if status != 200:
                problems.append(f"{view.type_name} {public.id} published outside: {status}")
        if record is None:
            continue
        detail = await client.get(f"{base}/{record.id}")
        if detail.status_code != 200:
            problems.append(f"{view.type_name} {record.id}: {detail.status_code}")
            continue
        opened.add(view.type_name)
        problems += _value_problems("detail", principal, view, record, text_of(detail.text))
        problems += _value_problems("export", principal, view, record, export.text)
        form = await client.get(f"{base}/{record.id}/edit")
        if form.status_code != (200 if updates else 403):
            problems.append(f"{view.type_name} {record.id} edit form: {form.status_code}")
        elif updates:
            problems += _value_problems("form", principal, view, record, form.text)
    assert problems == []
    # every type the role's admin lists was opened (a partner: the types holding its interns)
    listed_types = {v.type_name for v in VIEWS if access.in_admin(principal, v.model)}
    missing = listed_types - opened
    assert not missing or role is Role.PARTNER, missing
    assert opened, "no record opened at all"
