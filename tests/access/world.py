"""A small two-district world and one caller per role, for the access tests.

District A (湖里区) and district B (思明区) each hold one of every record type, built
from the type's declared sample (tests/samples.py): a new type needs nothing here;
the callers are bound to district A (staff) or to A's company (partner).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import crud
from hongfan.db import Database
from hongfan.policy import POLICY
from hongfan.principal import ANONYMOUS, SYSTEM, Principal, Role
from models import ENTITIES, Record
from models.base import ToOne
from tests import factories, samples


@dataclass
class World:
    records: dict[str, dict[str, Record]] = field(
        default_factory=dict
    )  # type → side ("A"/"B"/...) → record
    orgs: dict[str, Record] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)

    def all_of(self, type_name: str) -> list[Record]:
        return list(self.records[type_name].values())


ROLES = ["superadmin", "org_admin", "editor", "viewer", "partner", "anonymous"]


async def build_world(database: Database) -> World:
    world = World()
    for type_name in ENTITIES:
        world.records[type_name] = {}
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        world.orgs["city"] = city
        world.records["Organisation"]["city"] = city
        for side, district_name in (("A", "湖里区"), ("B", "思明区")):
            district = await factories.organisation(s, district_name, city)
            community = await factories.organisation(
                s, f"{district_name}示例社区", district, level="community"
            )
            hidden = await factories.organisation(
                s, f"{district_name}未发布组织", district, published=False
            )
            world.orgs[side] = district
            world.orgs[f"{side}-community"] = community
            world.records["Organisation"][side] = district
            world.records["Organisation"][f"{side}-community"] = community
            world.records["Organisation"][f"{side}-hidden"] = hidden
        for type_name in samples.dependency_order({"Organisation"}):
            model = ENTITIES[type_name]
            for side in ("A", "B"):
                world.records[type_name][side] = await _sample(s, model, world, side)
                if model.__entity__.public:  # and one the public must not see
                    world.records[type_name][f"{side}-hidden"] = await _sample(
                        s, model, world, side, published=False
                    )
        # A record public through its parent (Rows.PUBLISHED_PARENT: a course's sessions) under
        # an unpublished parent: nobody outside the staff may see it.
        for type_name, entry in POLICY.items():
            if entry.published_parent is not None:
                column, parent_type = entry.published_parent
                for side in ("A", "B"):
                    parent = world.records[parent_type][f"{side}-hidden"]
                    world.records[type_name][f"{side}-hidden-parent"] = await _sample(
                        s, ENTITIES[type_name], world, side, **{column: parent.id}
                    )
        # A district-B student interning at company A: the partner may see this student's
        # allowed fields (an intern of theirs), though the staff of district A may not.
        # (the partner rows rule, Rows.INTERNS_OF_OWN_COMPANY, not a per-type fixture)
        crossover = await factories.student(s, world.orgs["B-community"], "跨区见习学生")
        world.records["ScholarshipStudent"]["B-intern-at-A"] = crossover
        world.records["Grant"]["B-intern-at-A"] = await factories.grant(s, crossover, "900.00")
        world.records["Internship"]["B-intern-at-A"] = await factories.internship(
            s, crossover, world.records["Company"]["A"]
        )
    district_a = world.orgs["A"]
    staff = {"org_admin": Role.ORG_ADMIN, "editor": Role.EDITOR, "viewer": Role.VIEWER}
    world.principals["superadmin"] = Principal(
        kind="user", actor="user:superadmin", role=Role.SUPERADMIN
    )
    for name, role in staff.items():
        world.principals[name] = Principal(
            kind="user",
            actor=f"user:{name}",
            role=role,
            organisation_id=district_a.id,
            organisation_path=district_a.path,  # type: ignore[attr-defined]
        )
    world.principals["partner"] = Principal(
        kind="user",
        actor="user:partner",
        role=Role.PARTNER,
        company_id=world.records["Company"]["A"].id,
    )
    world.principals["anonymous"] = dataclasses.replace(ANONYMOUS)
    return world


async def _sample(
    session: AsyncSession, model: type[Record], world: World, side: str, **fields: Any
) -> Record:
    """One record of ``model`` in district ``side`` from its declared sample: references
    to organisations point at the side's community, any other at the side's record."""

    def pick(relation: ToOne) -> Record | None:
        if relation.target == "Organisation":
            return world.orgs[f"{side}-community"]
        return world.records[relation.target].get(side)

    data = {**samples.values(model), **samples.references(model, pick)}
    if "published" in model.__table__.c:  # type: ignore[attr-defined]
        data["published"] = fields.pop("published", True)
    return await crud.create(session, model, {**data, **fields})


def in_subtree(record: Record, world: World, side: str) -> bool:
    """True when ``record`` belongs to district ``side``'s subtree (by its organisation)."""
    path: str = world.orgs[side].path  # type: ignore[attr-defined]
    if record.__entity__.scope == "path":
        return str(record.path).startswith(path)  # type: ignore[attr-defined]
    organisation_id = record.organisation_id  # type: ignore[attr-defined]
    for org in world.records["Organisation"].values():
        if org.id == organisation_id:
            return str(org.path).startswith(path)  # type: ignore[attr-defined]
    raise AssertionError(f"no organisation {organisation_id}")


def published(record: Record) -> bool:
    return bool(getattr(record, "published", False))


def data(record: Record) -> dict[str, Any]:
    return {c.name: getattr(record, c.name) for c in record.__table__.columns}  # type: ignore[attr-defined]
