"""Every relation, for every role, from the policy: a relation is its foreign key read the
other way, so it is open exactly when the caller may read that column.

Given a partner, who does not see a student's home community (``organisation`` is not
among its columns), when it asks an organisation for its ``scholarshipStudents`` (as a
field or a filter), then it is refused — it must not learn where its interns live that way.
The expectations come from the policy table in plain Python, never from the code under test.
"""

from __future__ import annotations

from typing import Any

from hongfan.policy import ANON, POLICY, Rows
from hongfan.principal import Role
from models import ENTITIES
from models.base import ToMany, ToOne
from tests.access.caller import Caller
from tests.access.world import ROLES, build_world

MAX_ALIASES = 25


def _policy_key(role: str) -> Any:
    return ANON if role == "anonymous" else Role(role)


def _column_hidden(role: str, type_name: str, column: str) -> bool:
    """The policy narrows ``type_name``'s columns for ``role`` and leaves ``column`` out."""
    narrowed = POLICY[type_name].partner_columns
    return role == "partner" and narrowed is not None and column not in narrowed


def _relation_hidden(role: str, type_name: str, relation: ToOne | ToMany) -> bool:
    owner = type_name if isinstance(relation, ToOne) else relation.target  # whose column the key is
    return _column_hidden(role, owner, relation.fk)


def _codes(body: dict[str, Any]) -> list[str]:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]


def _refused(body: dict[str, Any]) -> set[str]:
    """The response keys (aliases) refused with FORBIDDEN_FIELD, wherever in the path."""
    found: set[str] = set()
    for error in body.get("errors") or []:
        assert (error.get("extensions") or {}).get("code") == "FORBIDDEN_FIELD", body
        found |= {str(step) for step in error.get("path") or []}
    return found


async def test_a_relation_is_open_exactly_when_its_key_column_is_readable(database, make_caller):
    world = await build_world(database)
    problems: list[str] = []
    for role in ROLES:
        await _relation_problems(await make_caller(world, role), role, problems)
    assert problems == []


async def _relation_problems(caller: Caller, role: str, problems: list[str]) -> None:
    """Three requests per role, every relation of every type it may list in each (aliases)."""
    lists: dict[str, str] = {}  # alias → list field
    relations: dict[str, tuple[str, ToOne | ToMany]] = {}  # alias → (type alias, relation)
    for t, (type_name, model) in enumerate(ENTITIES.items()):
        if POLICY[type_name].rows.get(_policy_key(role), Rows.NONE) is not Rows.NONE:
            lists[f"t{t}"] = model.__entity__.plural
            for r, relation in enumerate(model.__entity__.relations):
                relations[f"t{t}r{r}"] = (f"t{t}", relation)
    type_of = {f"t{t}": type_name for t, type_name in enumerate(ENTITIES)}
    hidden = {a for a, (t, r) in relations.items() if _relation_hidden(role, type_of[t], r)}
    assert relations, role
    # as filters: refused, never an answer that tells which rows are linked
    aliases = list(relations)
    refused_filters: set[str] = set()
    for start in range(0, len(aliases), MAX_ALIASES):  # the API's alias limit
        chunk = aliases[start : start + MAX_ALIASES]
        filters = " ".join(
            f"{a}: {lists[relations[a][0]]}(first: 1, filter: {{ {relations[a][1].name}: {{}} }}) {{ edges {{ node {{ id }} }} }}"
            for a in chunk
        )
        body = await caller.call(f"{{ {filters} }}")
        if body.get("errors"):  # the first refusal ends the request: ask one by one
            for a in chunk:
                alone = f"{{ {a}: {lists[relations[a][0]]}(first: 1, filter: {{ {relations[a][1].name}: {{}} }}) {{ edges {{ node {{ id }} }} }} }}"
                refused_filters |= _refused(await caller.call(alone)) & {a}
    if refused_filters != hidden:
        problems.append(f"{role} filters: refused {refused_filters}, expected {hidden}")
    # as fields, through the planner and through the resolvers (a directive keeps the planner out)
    for directive in ("", " @include(if: true)"):
        batches: list[list[str]] = [[]]
        for t, plural in lists.items():
            fields = " ".join(
                f"{a}: {r.name}(first: 5){directive} {{ totalCount edges {{ node {{ id }} }} }}"
                if isinstance(r, ToMany)
                else f"{a}: {r.name}{directive} {{ id }}"
                for a, (owner, r) in relations.items()
                if owner == t
            )
            if (
                batches[-1]
                and sum(part.count(": ") for part in batches[-1]) + fields.count(": ") + 1
                > MAX_ALIASES
            ):
                batches.append([])
            batches[-1].append(f"{t}: {plural}(first: 10) {{ edges {{ node {{ id {fields} }} }} }}")
        shown: set[str] = set()
        refused: set[str] = set()
        for parts in batches:
            body = await caller.call(f"{{ {' '.join(parts)} }}")
            for t in lists:
                for edge in ((body.get("data") or {}).get(t) or {"edges": []})["edges"]:
                    node = (edge or {}).get("node") or {}
                    shown |= {
                        a
                        for a, (_, r) in relations.items()
                        if (node.get(a) or {}).get("edges" if isinstance(r, ToMany) else "id")
                    }
            refused |= _refused(body) & set(relations)
        if shown & hidden or not refused <= hidden:
            problems.append(
                f"{role} reads{directive}: shown {shown & hidden}, refused {refused - hidden}: {str(body)[:300]}"
            )


async def test_a_partner_does_not_learn_its_interns_home_community_through_the_organisation(
    database, make_caller
):
    world = await build_world(database)
    partner = await make_caller(world, "partner")
    student = next(iter(world.all_of("ScholarshipStudent")))
    name = student.name
    for query in (
        "{ organisations(filter: {scholarshipStudents: {}}) { edges { node { name } } } }",
        f'{{ organisations(filter: {{scholarshipStudents: {{name: {{eq: "{name}"}}}}}}) {{ totalCount }} }}',
        "{ organisations { edges { node { name scholarshipStudents { edges { node { name } } } } } } }",
    ):
        body = await partner.call(query)
        assert _codes(body) and set(_codes(body)) == {"FORBIDDEN_FIELD"}, (query, body)
        assert name not in str(body.get("data"))
    # the home community is still there for staff
    editor = await make_caller(world, "editor")
    data = await editor.data("{ organisations(filter: {scholarshipStudents: {}}) { totalCount } }")
    assert data["organisations"]["totalCount"] >= 1
