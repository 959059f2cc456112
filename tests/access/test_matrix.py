"""The access matrix, generated from hongfan.policy: every role × every record type ×
list / count / node / export / create / update / delete, tried from the outside.

The expected outcome of each cell is computed from the policy table and the test
world's data in plain Python, never from the SQL under test.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from strawberry import relay

from hongfan.policy import ANON, POLICY, Op, Rows
from hongfan.principal import Role
from models import ENTITIES, Record
from models.base import ToOne
from tests import samples
from tests.access.caller import Caller
from tests.access.exports import export_problems
from tests.access.world import ROLES, World, build_world, in_subtree, published


def gid(record: Record) -> str:
    return str(relay.GlobalID(record.__entity__.type_name, str(record.id)))


def lower_first(name: str) -> str:
    return name[0].lower() + name[1:]


def policy_key(role: str) -> Any:
    return ANON if role == "anonymous" else Role(role)


def expected_in_scope(role: str, record: Record, world: World) -> bool:
    """The role may change the record (given the operation): its policy rows hold it."""
    rule = POLICY[record.__entity__.type_name].rows.get(policy_key(role), Rows.NONE)
    return _holds(rule, record, world)


def expected_visible(role: str, record: Record, world: World) -> bool:
    """The role reads the record: its own rows, and (signing in never hides them) every
    public row of a public type."""
    public = POLICY[record.__entity__.type_name].public
    return expected_in_scope(role, record, world) or (
        public is not None and _holds(public, record, world)
    )


def _holds(rule: Rows, record: Record, world: World) -> bool:
    type_name = record.__entity__.type_name
    company_a = world.records["Company"]["A"]
    if rule is Rows.ALL:
        return True
    if rule is Rows.SUBTREE:
        return in_subtree(record, world, "A")
    if rule is Rows.PUBLISHED:
        return published(record)
    if rule is Rows.PUBLISHED_PARENT:
        column, parent_type = POLICY[type_name].published_parent or ("", "")
        parent_id = getattr(record, column)
        return any(p.id == parent_id and published(p) for p in world.all_of(parent_type))
    if rule is Rows.OWN_COMPANY:
        return record.id == company_a.id
    if rule is Rows.AT_OWN_COMPANY:
        return getattr(record, "company_id", None) == company_a.id
    if rule is Rows.INTERNS_OF_OWN_COMPANY:
        interns = {i.student_id for i in world.all_of("Internship") if i.company_id == company_a.id}  # type: ignore[attr-defined]
        return record.id in interns
    return False


def may(role: str, type_name: str, op: Op) -> bool:
    return op in POLICY[type_name].writes.get(policy_key(role), frozenset())


def create_input(type_name: str, world: World, side: str) -> dict[str, Any]:
    """A new record of the type in district ``side``, from its declared sample."""
    model = ENTITIES[type_name]

    def candidates(relation: ToOne) -> list[Record]:
        if relation.target == "Organisation":  # a new organisation hangs under the district
            return [world.orgs[side if type_name == "Organisation" else f"{side}-community"]]
        records = world.records[relation.target]
        return [records[side]] + [r for k, r in records.items() if k.startswith(f"{side}-")]

    relations = samples.to_one(model)
    taken = {
        tuple(getattr(r, c) for c in model.__entity__.natural_key) for r in world.all_of(type_name)
    }
    # A natural key made of references only (a volunteer at an activity) must not repeat
    # the world's record: take the first combination of the side's records that is free.
    for choice in itertools.product(*(candidates(r) for r in relations)):
        data = {
            **samples.values(model),
            **{r.fk: c.id for r, c in zip(relations, choice, strict=True)},
        }
        if tuple(data.get(c) for c in model.__entity__.natural_key) not in taken:
            break
    return samples.graphql_input(model, data)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


BATCH = 25  # aliases per request (the schema allows 30): many cells, few round trips


async def _reads(caller: Caller, role: str, world: World, problems: list[str]) -> None:
    """Every type's list and count, and every record by node(id:), batched by alias."""
    listable = []
    for type_name, model in ENTITIES.items():
        plural = model.__entity__.plural
        listing = f"{plural}(first: 100) {{ totalCount edges {{ node {{ id }} }} }}"
        if role == "anonymous" and POLICY[type_name].rows.get(ANON, Rows.NONE) is Rows.NONE:
            # people: "sign in", never an empty list (nor a hint whether any exist)
            refused = await caller.call(f"{{ {listing} }}")
            codes = [e["extensions"]["code"] for e in refused.get("errors") or []]
            if refused.get("data") is not None or codes != ["UNAUTHENTICATED"]:
                problems.append(f"anonymous lists {type_name}: {refused}")
            continue
        listable.append((type_name, f"t{len(listable)}: {listing}"))
    for start in range(0, len(listable), BATCH):
        chunk = listable[start : start + BATCH]
        data = await caller.data("{ " + " ".join(q for _, q in chunk) + " }")
        for index, (type_name, _) in enumerate(chunk, start):
            found = data[f"t{index}"]
            expected = {gid(r) for r in world.all_of(type_name) if expected_visible(role, r, world)}
            listed = {e["node"]["id"] for e in found["edges"]}
            if listed != expected:
                problems.append(
                    f"{role} lists {type_name}: got {len(listed)}, expected {len(expected)}"
                )
            if found["totalCount"] != len(expected):
                problems.append(
                    f"{role} counts {type_name}: {found['totalCount']} != {len(expected)}"
                )
    records = [r for type_name in ENTITIES for r in world.all_of(type_name)]
    for start in range(0, len(records), BATCH):
        chunk = records[start : start + BATCH]
        query = " ".join(f'n{i}: node(id: "{gid(r)}") {{ id }}' for i, r in enumerate(chunk, start))
        data = await caller.data(f"{{ {query} }}")
        for i, record in enumerate(chunk, start):
            node = data[f"n{i}"]
            if (node is not None) != expected_visible(role, record, world):
                problems.append(
                    f"{role} node({record.__entity__.type_name} {record.id}) "
                    f"visible={node is not None}"
                )


async def _mutations(
    caller: Caller, calls: list[tuple[str, str, str, Any]]
) -> list[dict[str, Any] | None]:
    """Run mutations batched, BATCH to a document; each is still its own transaction (as
    every mutation field is), run in order. ``calls``: (field, argument type, selection,
    argument value) with the argument written ``$v``; the payloads come back in order."""
    payloads: list[dict[str, Any] | None] = []
    for start in range(0, len(calls), BATCH):
        chunk = list(enumerate(calls[start : start + BATCH], start))
        head = ", ".join(f"$v{i}: {kind}" for i, (_, kind, _, _) in chunk)
        body = " ".join(
            f"m{i}: {field.replace('$v', f'$v{i}')} {{ {selection} }}"
            for i, (field, _, selection, _) in chunk
        )
        result = await caller.call(
            f"mutation({head}) {{ {body} }}", {f"v{i}": value for i, (*_, value) in chunk}
        )
        data = result.get("data")
        if data is None and len(chunk) > 1:
            # a refusal raised as an error nulls the whole answer (payloads are non-null)
            # and may stop the rest: then each of the chunk is asked on its own
            for _, call in chunk:
                payloads += await _mutations(caller, [call])
            continue
        payloads += [(data or {}).get(f"m{i}") for i, _ in chunk]
    return payloads


async def _creates(caller: Caller, role: str, world: World, problems: list[str]) -> None:
    cells = [(type_name, side) for type_name in ENTITIES for side in ("A", "B")]
    payloads = await _mutations(
        caller,
        [
            (
                f"create{t}(input: $v)",
                f"Create{t}Input!",
                f"{lower_first(t)} {{ id }} errors {{ field code }}",
                create_input(t, world, side),
            )
            for t, side in cells
        ],
    )
    for (type_name, side), payload in zip(cells, payloads, strict=True):
        created = payload is not None and payload[lower_first(type_name)] is not None
        allowed = may(role, type_name, Op.CREATE) and (role == "superadmin" or side == "A")
        if created != allowed:
            problems.append(f"{role} create {type_name} in {side}: created={created} ({payload})")
        elif not allowed and payload is not None:
            codes = {e["code"] for e in payload["errors"]}
            if not codes & {"forbidden", "invalid_reference"}:
                problems.append(f"{role} create {type_name} in {side}: unclear refusal {codes}")


def _is_part(type_name: str) -> bool:
    relations = ENTITIES[type_name].__entity__.relations
    return any(isinstance(r, ToOne) and r.on_delete == "cascade" for r in relations)


async def _updates_and_deletes(
    caller: Caller, role: str, world: World, problems: list[str]
) -> None:
    cells = [(type_name, side) for type_name in ENTITIES for side in ("A", "B")]
    calls = []
    for type_name, side in cells:
        record = world.records[type_name][side]
        column, value = samples.update_column(ENTITIES[type_name])
        calls.append(
            (
                f"update{type_name}(input: $v)",
                f"Update{type_name}Input!",
                f"{lower_first(type_name)} {{ id version }} errors {{ field code }}",
                {"id": gid(record), "version": record.version, column: value},
            )
        )
    for (type_name, side), payload in zip(cells, await _mutations(caller, calls), strict=True):
        record = world.records[type_name][side]
        column, _ = samples.update_column(ENTITIES[type_name])
        updated = payload is not None and payload[lower_first(type_name)] is not None
        # Read-only outside the role's scope, however visible the record is.
        allowed = may(role, type_name, Op.UPDATE) and expected_in_scope(role, record, world)
        if role == "partner" and allowed:
            allowed = _snake(column) in POLICY[type_name].partner_writable
        if updated != allowed:
            problems.append(f"{role} update {type_name} {side}: updated={updated} ({payload})")
        if updated:
            record.version += 1
    # Parts before their owners: a deleted student's grants are gone with it (on_delete="cascade").
    # Districts have children; deleting them is refused for everyone.
    cells = [
        (type_name, side)
        for type_name in sorted(ENTITIES, key=lambda name: not _is_part(name))
        if type_name != "Organisation"
        for side in ("A", "B")
    ]
    calls = [
        (
            f"delete{t}(id: $v)",
            "ID!",
            f"{lower_first(t)} {{ id }} errors {{ code }}",
            gid(world.records[t][side]),
        )
        for t, side in cells
    ]
    for (type_name, side), payload in zip(cells, await _mutations(caller, calls), strict=True):
        record = world.records[type_name][side]
        deleted = payload is not None and payload[lower_first(type_name)] is not None
        # Refused because live records still depend on it (hongfan.integrity, checked only
        # once the caller may delete it): access was granted; tests/graph/test_integrity.py
        # covers the refusal itself.
        codes = {e["code"] for e in payload["errors"]} if payload is not None else set()
        deleted = deleted or codes == {"has_dependents"}
        allowed = may(role, type_name, Op.DELETE) and expected_in_scope(role, record, world)
        if deleted != allowed:
            problems.append(f"{role} delete {type_name} {side}: deleted={deleted} ({payload})")


@pytest.mark.parametrize("role", ROLES)
async def test_access_matrix(role: str, database, make_caller):
    world = await build_world(database)
    caller: Caller = await make_caller(world, role)
    problems: list[str] = []
    await _reads(caller, role, world, problems)
    if role != "anonymous":  # exports are for signed-in staff and partners
        await export_problems(database, role, world, problems)
    await _creates(caller, role, world, problems)
    await _updates_and_deletes(caller, role, world, problems)
    assert problems == []


def test_every_table_has_a_policy_entry():
    assert set(POLICY) == set(ENTITIES), (
        "a record type without a policy entry is invisible: add it to hongfan/policy.py"
    )
