"""The admin UI's access matrix, generated from hongfan.policy and the admin registry:
every demo role × every record type × list / new form / detail, sensitive fields included.

Expected outcomes come from the policy table (rows, writes, fields) and the demo data read
as the system, never from the pages under test. A type added later is covered as soon as
it is declared: its view is derived and its policy entry decides.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from admin_ui.registry import VIEWS, AdminView
from hongfan.db import Database
from hongfan.policy import FIELDS_BY_ROLE, POLICY, Fields, Op, Rows
from hongfan.principal import SYSTEM, Role
from models.base import column_meta
from models.organisations import Organisation, OrganisationLevel
from tests.admin_ui.conftest import AdminClient, text_of

LOGINS: dict[str, tuple[Role, str | None]] = {
    "admin@demo.hongfan": (Role.SUPERADMIN, None),
    "huli.admin@demo.hongfan": (Role.ORG_ADMIN, "湖里区"),
    "huli.editor@demo.hongfan": (Role.EDITOR, "湖里区"),
    "siming.viewer@demo.hongfan": (Role.VIEWER, "思明区"),
    "partner@demo.hongfan": (Role.PARTNER, None),
}


def listed(role: Role, view: AdminView) -> bool:
    rows = POLICY[view.type_name].rows.get(role, Rows.NONE)
    # the partner's admin is about its interns, not the public network
    public = {Rows.PUBLISHED, Rows.PUBLISHED_PARENT}
    return rows is not Rows.NONE and not (role is Role.PARTNER and rows in public)


async def _district_path(db: Database, name: str) -> str:
    async with db.session(SYSTEM) as session:
        statement = sa.select(Organisation.path).where(
            Organisation.name == name, Organisation.level == OrganisationLevel.DISTRICT
        )
        return str((await session.execute(statement)).scalar_one())


async def _records(db: Database, view: AdminView, path: str | None, inside: bool) -> list[Any]:
    """Up to 20 live records of the view's type inside (or outside) the subtree ``path``."""
    model: Any = view.model
    statement = sa.select(model).where(model.deleted_at.is_(None))
    if path is not None:
        owner = model.path if model.__entity__.scope == "path" else Organisation.path
        if model.__entity__.scope != "path":
            statement = statement.join(Organisation, Organisation.id == model.organisation_id)
        condition = owner.startswith(path)
        statement = statement.where(condition if inside else sa.not_(condition))
    async with db.session(SYSTEM) as session:
        return list((await session.execute(statement.order_by(model.id).limit(20))).scalars())


def _sensitive(view: AdminView) -> list[str]:
    table = view.model.__table__  # type: ignore[attr-defined]
    return [c.name for c in table.columns if column_meta(view.model, c.name).sensitive]


@pytest.mark.parametrize(
    "email", [e for e in LOGINS if LOGINS[e][0] not in (Role.PARTNER, Role.SUPERADMIN)]
)
async def test_admin_pages_follow_the_policy(email: str, client: AdminClient, demo: Database):
    role, district = LOGINS[email]
    await client.login(email)
    path = await _district_path(demo, district) if district else None
    problems: list[str] = []
    checked: set[str] = set()
    for view in VIEWS:
        base = f"/admin/{view.slug}"
        shown = listed(role, view)
        status = (await client.get(base)).status_code
        if status != (200 if shown else 404):
            problems.append(f"{view.type_name} list: {status}")
        creates = Op.CREATE in POLICY[view.type_name].writes.get(role, frozenset())
        status = (await client.get(f"{base}/new")).status_code
        if status != ((200 if creates else 403) if shown else 404):
            problems.append(f"{view.type_name} new form: {status}")
        if not shown:
            continue
        mine = await _records(demo, view, path, inside=True)
        if path is not None:
            for record in (await _records(demo, view, path, inside=False))[:1]:
                status = (await client.get(f"{base}/{record.id}")).status_code
                if status != 404:
                    problems.append(f"{view.type_name} {record.id} outside the district: {status}")
        sensitive = _sensitive(view)
        with_values = [r for r in mine if all(getattr(r, c) for c in sensitive)] or mine
        for record in with_values[:1]:
            response = await client.get(f"{base}/{record.id}")
            if response.status_code != 200:
                problems.append(f"{view.type_name} {record.id}: {response.status_code}")
                continue
            page = text_of(response.text)
            checked.add(view.type_name)
            for column in sensitive:
                clear = str(
                    getattr(record, column).value
                    if hasattr(getattr(record, column), "value")
                    else getattr(record, column)
                )
                in_clear = clear in page
                if column in ("family_category",):
                    continue  # a choice is shown by its label, not its stored value
                if in_clear != (FIELDS_BY_ROLE[role] is Fields.FULL):
                    problems.append(f"{view.type_name}.{column} in clear={in_clear} for {role}")
    assert problems == []
    # every type the role lists was opened, the new ones with their masked phones included
    assert {v.type_name for v in VIEWS if listed(role, v)} == checked


async def test_the_partner_sees_only_the_types_its_policy_gives_it(client: AdminClient):
    await client.login("partner@demo.hongfan")
    for view in VIEWS:
        status = (await client.get(f"/admin/{view.slug}")).status_code
        assert status == (200 if listed(Role.PARTNER, view) else 404), view.type_name
