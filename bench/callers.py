"""The bench's in-process callers and the district they share, from a bench database's facts.

``facts`` is the JSON the generator writes beside a bench database
(``bench/.tokens-<size>[-sqlite].json``): its ``admin_district`` has ``name``, ``id`` and
``path``. One place for what the admin list, export, dashboard and search benches act as.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hongfan.principal import Principal, Role
from models import Organisation, ScholarshipStudent


def superadmin() -> Principal:
    """A superadmin acting as the bench."""
    return Principal(kind="user", actor="bench", role=Role.SUPERADMIN)


def district_admin(facts: dict[str, Any]) -> Principal:
    """The org admin of the bench district (湖里区): its subtree, ID numbers in clear."""
    district = facts["admin_district"]
    return Principal(
        kind="user",
        actor="bench",
        role=Role.ORG_ADMIN,
        organisation_id=district["id"],
        organisation_path=district["path"],
    )


def admin_callers(facts: dict[str, Any]) -> dict[str, Principal]:
    """{label: principal} for a superadmin and the district's org admin, as reports name them."""
    return {
        "superadmin": superadmin(),
        f"org admin {facts['admin_district']['name']}": district_admin(facts),
    }


def students_in_district(facts: dict[str, Any]) -> sa.ColumnElement[bool]:
    """Students of the bench district, as a superadmin's filter (its path's subtree)."""
    organisation = Organisation.__table__  # type: ignore[attr-defined]
    students = ScholarshipStudent.__table__  # type: ignore[attr-defined]
    return students.c.organisation_id.in_(
        sa.select(organisation.c.id).where(
            organisation.c.path.like(facts["admin_district"]["path"] + "%")
        )
    )
