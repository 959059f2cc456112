"""The access matrix for spreadsheet exports, generated from hongfan.policy: every role ×
every record type, the rows exported and every sensitive value in clear only for the
roles the policy lets read it in clear (masked or left out for the others)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hongfan.policy import FIELDS_BY_ROLE, Fields
from hongfan.transfer.exporting import export_rows
from models import ENTITIES
from models.base import column_meta
from tests.access.test_matrix import expected_visible, policy_key
from tests.access.world import ROLES, build_world


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
async def test_exports_follow_the_policy(role: str, database):
    world = await build_world(database)
    principal = world.principals[role]
    in_clear = FIELDS_BY_ROLE[policy_key(role)] is Fields.FULL
    problems: list[str] = []
    for type_name, model in ENTITIES.items():
        _headers, rows = await export_rows(database, principal, type_name)
        visible = [r for r in world.all_of(type_name) if expected_visible(role, r, world)]
        if len(rows) != len(visible):
            problems.append(f"{role} exports {len(rows)} {type_name}, expected {len(visible)}")
        cells = {str(cell) for row in rows for cell in row}
        sensitive = [
            c.name
            for c in model.__table__.columns  # type: ignore[attr-defined]
            if column_meta(model, c.name).sensitive
            and not isinstance(c.type, sa.Enum)  # choices are exported by their label
        ]
        for record in visible:
            for column in sensitive:
                value = getattr(record, column)
                if value is None:
                    continue
                if (str(value) in cells) != in_clear:
                    problems.append(f"{role} {type_name}.{column} in clear={not in_clear}")
    assert problems == []
