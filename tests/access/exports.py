"""The export column of the access matrix (tests/access/test_matrix.py), generated from
hongfan.policy: for every record type, the rows a role exports and every sensitive value
in clear only for the roles the policy lets read it in clear (masked or left out else)."""

from __future__ import annotations

import enum

from hongfan.db import Database
from hongfan.policy import ANON, FIELDS_BY_ROLE, Fields
from hongfan.principal import Role
from hongfan.transfer.exporting import export_rows
from models import ENTITIES
from models.base import column_meta
from models.rules import python_type
from tests.access.world import World


def _expected_visible(role: str, record, world: World) -> bool:  # type: ignore[no-untyped-def]
    """An export holds the caller's own part of the network (not every public row)."""
    from tests.access.test_matrix import expected_in_scope

    return expected_in_scope(role, record, world)


async def export_problems(database: Database, role: str, world: World, problems: list[str]) -> None:
    principal = world.principals[role]
    key = ANON if role == "anonymous" else Role(role)
    in_clear = FIELDS_BY_ROLE[key] is Fields.FULL
    for type_name, model in ENTITIES.items():
        _headers, rows = await export_rows(database, principal, type_name)
        visible = [r for r in world.all_of(type_name) if _expected_visible(role, r, world)]
        if len(rows) != len(visible):
            problems.append(f"{role} exports {len(rows)} {type_name}, expected {len(visible)}")
        cells = {str(cell) for row in rows for cell in row}
        sensitive = [
            c.name
            for c in model.__table__.columns  # type: ignore[attr-defined]
            if column_meta(model, c.name).sensitive
            # choices are exported by their label (a sealed choice is no sa.Enum column)
            and not (
                isinstance(python_type(model, c.name), type)
                and issubclass(python_type(model, c.name), enum.Enum)
            )
        ]
        for record in visible:
            for column in sensitive:
                value = getattr(record, column)
                if value is not None and (str(value) in cells) != in_clear:
                    problems.append(f"{role} exports {type_name}.{column} in clear={not in_clear}")
