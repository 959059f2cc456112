"""Hongfan answers list requests exactly as the reference model does (tests/graph/reference.py).

Property-based: hypothesis generates small networks with blanks, duplicate values, missing
links (courses without a site), soft-deleted rows and children of soft-deleted parents
(grants of a deleted student), and requests with random filter trees (every operator,
``and``/``or``/``not`` nested, relation filters both ways), orderings and page walks,
a nested connection included. Each request runs for a superadmin, a district viewer and an
anonymous caller, by field resolution on SQLite and PostgreSQL and by the planner on
PostgreSQL; every page (ids, ``pageInfo``, ``totalCount``, the nested connections) must be
the model's.

Fixed seed (``derandomize``), ``HONGFAN_DIFFERENTIAL_EXAMPLES`` examples per database
(default 12, each several requests × roles × paths × pages); ``HONGFAN_DIFFERENTIAL_RANDOM=1``
explores new cases, ``HONGFAN_DIFFERENTIAL_SHRINK=1`` shrinks a failure to its smallest.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import functools
import json
import os
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from graph.context import Context
from graph.fastlane import Credential, FastLane
from graph.schema import build_schema
from hongfan import access
from hongfan.db import Database
from hongfan.principal import ANONYMOUS, Principal, Role
from models import ENTITIES
from models.base import ToMany, ToOne
from models.pinyin import derived_values
from tests.graph.reference import Caller, World

EXAMPLES = int(os.environ.get("HONGFAN_DIFFERENTIAL_EXAMPLES", "12"))
# Shrinking a failure re-runs many examples against the database: minutes. On request only.
PHASES = [Phase.explicit, Phase.generate] + (
    [Phase.shrink] if os.environ.get("HONGFAN_DIFFERENTIAL_SHRINK") else []
)

TEXTS = ["学", "会计", "护理学", "小屋", "向日葵小屋", "Ab", "ab", "a%b", "x_y", "培训"]
DATES = [datetime.date(2024, 1, 1), datetime.date(2024, 6, 1), datetime.date(2025, 1, 1)]
DELETED = datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC)

# What the generator may filter and order on, per type: field → kind of value.
FIELDS: dict[str, dict[str, str]] = {
    "Organisation": {"name": "text", "address": "text", "published": "bool"},
    "ServiceSite": {"name": "text", "address": "text", "openedOn": "date", "published": "bool"},
    "Course": {
        "title": "text",
        "capacity": "int",
        "endDate": "date",
        "startDate": "date",
        "published": "bool",
    },
    "ScholarshipStudent": {"name": "text", "major": "text", "graduationYear": "year"},
    "Grant": {"year": "grantyear", "amount": "money"},
    "Company": {"name": "text", "industry": "text", "published": "bool"},
}
# Partners read none of these (their students are their interns, with no home community):
# their requests stay on the public types.
PEOPLE = {"ScholarshipStudent", "Grant"}
TYPES = list(FIELDS)
OPERATORS = {
    "text": ["eq", "ne", "in", "notIn", "contains", "startsWith", "isNull"],
    "bool": ["eq", "ne", "isNull"],
}
ORDERED = ["eq", "ne", "in", "notIn", "lt", "lte", "gt", "gte", "isNull"]
VALUES: dict[str, list[Any]] = {
    "text": [*TEXTS, ""],
    "bool": [True, False],
    "date": [d.isoformat() for d in DATES] + ["2024-03-01"],
    "int": [0, 5, 10, 20],
    "year": [2024, 2025, 2026],
    "grantyear": [2021, 2022, 2023],
    "money": ["100.00", "250.50", "99.99"],
}

# No user ids: the fast lane then keeps each caller's plans like an anonymous caller's, with
# no token check in the replayed statement (tests/graph/test_fastlane.py covers that check),
# so the replayed statements themselves are compared here; one lane per caller.
CALLERS: dict[str, tuple[Principal, Caller]] = {
    "superadmin": (
        Principal(kind="user", actor="user:1", role=Role.SUPERADMIN),
        Caller("all"),
    ),
    "district viewer": (
        Principal(
            kind="user",
            actor="user:2",
            role=Role.VIEWER,
            organisation_id=2,
            organisation_path="/1/2/",
        ),
        Caller("subtree", "/1/2/"),
    ),
    "org admin": (
        Principal(
            kind="user",
            actor="user:3",
            role=Role.ORG_ADMIN,
            organisation_id=3,
            organisation_path="/1/3/",
        ),
        Caller("subtree", "/1/3/"),
    ),
    "partner": (
        Principal(kind="user", actor="user:4", role=Role.PARTNER, company_id=1),
        Caller("partner", company_id=1),
    ),
    "anonymous": (ANONYMOUS, Caller("anonymous")),
}


# -- data ----------------------------------------------------------------------------------


@st.composite
def worlds(draw: st.DrawFn) -> World:
    maybe_text = st.none() | st.sampled_from(TEXTS)
    deleted = st.sampled_from([None, None, None, DELETED])
    organisations = [
        {
            "id": 1,
            "name": "厦门市",
            "parent_id": None,
            "path": "/1/",
            "address": None,
            "published": True,
            "deleted_at": None,
        },
        {
            "id": 2,
            "name": "湖里区",
            "parent_id": 1,
            "path": "/1/2/",
            "address": None,
            "published": True,
            "deleted_at": None,
        },
        {
            "id": 3,
            "name": "同安区",
            "parent_id": 1,
            "path": "/1/3/",
            "address": None,
            "published": True,
            "deleted_at": None,
        },
    ]
    for pk in range(4, 4 + draw(st.integers(0, 3))):
        parent = draw(st.sampled_from(organisations))
        organisations.append(
            {
                "id": pk,
                "name": f"{draw(st.sampled_from(TEXTS))}{pk}",  # unique among siblings
                "parent_id": parent["id"],
                "path": f"{parent['path']}{pk}/",
                "address": draw(maybe_text),
                "published": draw(st.booleans()),
                "deleted_at": draw(deleted),
            }
        )
    org_ids = st.sampled_from([o["id"] for o in organisations])
    sites = [
        {
            "id": pk,
            "name": draw(st.sampled_from(TEXTS)),
            "organisation_id": draw(org_ids),
            "address": draw(maybe_text),
            "opened_on": draw(st.none() | st.sampled_from(DATES)),
            "published": draw(st.booleans()),
            "deleted_at": draw(deleted),
        }
        for pk in range(1, 1 + draw(st.integers(0, 5)))
    ]
    site_ids = st.none() | st.sampled_from([s["id"] for s in sites]) if sites else st.none()
    courses = [
        {
            "id": pk,
            "title": draw(st.sampled_from(TEXTS)),
            "organisation_id": draw(org_ids),
            "site_id": draw(site_ids),
            "capacity": draw(st.none() | st.sampled_from([0, 5, 10, 30])),
            "start_date": draw(st.sampled_from(DATES)),
            "end_date": draw(st.none() | st.sampled_from(DATES)),
            "published": draw(st.booleans()),
            "deleted_at": draw(deleted),
        }
        for pk in range(1, 1 + draw(st.integers(0, 5)))
    ]
    students = [
        {
            "id": pk,
            "name": draw(st.sampled_from(TEXTS)),
            "organisation_id": draw(org_ids),
            "major": draw(maybe_text),
            "graduation_year": draw(st.sampled_from([2024, 2025, 2026])),
            "deleted_at": draw(deleted),
        }
        for pk in range(1, 1 + draw(st.integers(0, 4)))
    ]
    grants = []
    if students:
        for pk in range(1, 1 + draw(st.integers(0, 6))):
            student = draw(st.sampled_from(students))
            grants.append(
                {
                    "id": pk,
                    "student_id": student["id"],
                    "organisation_id": student["organisation_id"],
                    "year": draw(st.sampled_from([2021, 2022, 2023])),
                    "amount": draw(st.sampled_from([Decimal("100.00"), Decimal("250.50")])),
                    "deleted_at": draw(deleted),
                }
            )
    companies = [
        {
            "id": pk,
            "name": f"{draw(st.sampled_from(TEXTS))}{pk}",
            "credit_code": f"91350200TEST{pk:05d}X",
            "organisation_id": draw(org_ids),
            "industry": draw(maybe_text),
            "published": draw(st.booleans()),
            "deleted_at": draw(deleted),
        }
        for pk in range(1, 1 + draw(st.integers(0, 3)))
    ]
    world = World(
        {
            "Organisation": organisations,
            "ServiceSite": sites,
            "Course": courses,
            "ScholarshipStudent": students,
            "Grant": grants,
            "Company": companies,
        }
    )
    for type_name, rows in world.rows.items():
        for row in rows:
            row.update(derived_values(ENTITIES[type_name], row))
    return world


_FILLERS: dict[str, dict[str, Any]] = {
    "Organisation": {"kind": "association", "level": "district"},
    "ServiceSite": {"kind": "sunflower_hut", "recognition": "none"},
    "Course": {"category": "parenting"},
    "ScholarshipStudent": {
        "gender": "female",
        "phone": None,
        "family_category": "registered_poor",
        "university": "厦门大学",
        "enrolment_year": 2020,
        "employment_outcome": "unknown",
    },
    "Grant": {"funding_source": None},
    "Company": {},
}


async def _store(database: Database, world: World) -> None:
    """Replace the database's rows with the world's, written as they are (no write rules)."""
    async with database.engine.begin() as connection:
        for type_name in reversed(TYPES):
            await connection.execute(sa.delete(ENTITIES[type_name].__table__))  # type: ignore[attr-defined]
        for type_name in TYPES:
            rows = world.rows[type_name]
            if not rows:
                continue
            table = ENTITIES[type_name].__table__  # type: ignore[attr-defined]
            values = []
            for row in rows:
                value = {**_FILLERS[type_name], **row}
                if type_name == "ScholarshipStudent":
                    value["id_number"] = f"35020620020101{row['id']:04d}"
                values.append({k: v for k, v in value.items() if k in table.c})
            await connection.execute(sa.insert(table), values)


# -- requests --------------------------------------------------------------------------------


def _relations(type_name: str) -> list[ToOne | ToMany]:
    return [r for r in ENTITIES[type_name].__entity__.relations if r.target in FIELDS]


def filters(type_name: str, depth: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    def condition(field_name: str) -> st.SearchStrategy[dict[str, Any]]:
        kind = FIELDS[type_name][field_name]
        operators = OPERATORS.get(kind, ORDERED)
        values = VALUES[kind]

        def operand(op: str) -> st.SearchStrategy[Any]:
            if op == "isNull":
                return st.booleans()
            if op in ("in", "notIn"):
                return st.lists(st.sampled_from(values), max_size=2)
            return st.sampled_from(values)

        return st.sampled_from(operators).flatmap(
            lambda op: operand(op).map(lambda v: {field_name: {op: v}})
        )

    leaves = st.sampled_from(list(FIELDS[type_name])).flatmap(condition)
    if type_name == "Organisation":
        within = st.integers(1, 7).map(
            lambda pk: {"within": base64.b64encode(f"Organisation:{pk}".encode()).decode()}
        )
        leaves = leaves | within
    if depth == 0:
        return leaves
    inner = filters(type_name, depth - 1)
    options = [
        leaves,
        inner.map(lambda f: {"not": f}),
        st.lists(inner, max_size=2).map(lambda fs: {"and": fs}),
        st.lists(inner, max_size=2).map(lambda fs: {"or": fs}),
        st.tuples(leaves, inner).map(lambda pair: {**pair[1], **pair[0]}),
    ]
    for relation in _relations(type_name):
        options.append(
            filters(relation.target, depth - 1).map(lambda f, name=relation.name: {name: f})
        )
        options.append(st.just({relation.name: {}}))
    return st.one_of(*options)


def orders(type_name: str) -> st.SearchStrategy[list[tuple[str, str]]]:
    keys = st.tuples(st.sampled_from(list(FIELDS[type_name])), st.sampled_from(["ASC", "DESC"]))
    return st.lists(keys, max_size=2, unique_by=lambda k: k[0])


@dataclasses.dataclass
class Request:
    type_name: str
    where: dict[str, Any] | None
    order: list[tuple[str, str]]
    first: int
    nested: tuple[ToMany, dict[str, Any] | None, list[tuple[str, str]], int] | None


@st.composite
def requests(draw: st.DrawFn) -> Request:
    type_name = draw(st.sampled_from(TYPES))
    where = draw(st.none() | filters(type_name))
    nested = None
    to_many = [r for r in _relations(type_name) if isinstance(r, ToMany)]
    if to_many and draw(st.booleans()):
        relation = draw(st.sampled_from(to_many))
        nested = (
            relation,
            draw(st.none() | filters(relation.target, 1)),
            draw(orders(relation.target)),
            draw(st.integers(0, 3)),
        )
    return Request(type_name, where, draw(orders(type_name)), draw(st.integers(1, 4)), nested)


def _document(request: Request) -> str:
    model = ENTITIES[request.type_name]
    name = request.type_name
    to_one = " ".join(f"{r.name} {{ id }}" for r in _relations(name) if isinstance(r, ToOne))
    nested = ""
    if request.nested is not None:
        relation = request.nested[0]
        target = relation.target
        nested = (
            f"{relation.name}(filter: $nf, orderBy: $no, first: $nfirst) {{ totalCount "
            f"edges {{ node {{ id }} }} pageInfo {{ hasNextPage }} }}"
        )
        variables = f", $nf: {target}Filter, $no: [{target}Order!], $nfirst: Int"
    else:
        variables = ""
    return (
        f"query($f: {name}Filter, $o: [{name}Order!], $first: Int, $after: String, $last: Int, $before: String"
        f"{variables}) {{ {model.__entity__.plural}(filter: $f, orderBy: $o, first: $first, after: $after, "
        f"last: $last, before: $before) {{ totalCount "
        f"edges {{ cursor node {{ id {to_one} {nested} }} }} "
        f"pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }} }} }}"
    )


@functools.cache
def _schema() -> Any:
    return build_schema()


def _pk(global_id: str | None) -> int | None:
    if global_id is None:
        return None
    return int(base64.b64decode(global_id).decode().split(":")[1])


def _order_variable(order: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{name: direction} for name, direction in order]


def _expected_node(
    world: World, caller: Caller, request: Request, row: dict[str, Any]
) -> dict[str, Any]:
    node: dict[str, Any] = {"id": row["id"]}
    for relation in _relations(request.type_name):
        if isinstance(relation, ToOne):
            linked = [
                r for r in world.visible(caller, relation.target) if r["id"] == row[relation.fk]
            ]
            node[relation.name] = linked[0]["id"] if linked else None
    if request.nested is not None:
        relation, where, order, first = request.nested
        children = [
            c
            for c in world.matching(caller, relation.target, where, order)
            if c[relation.fk] == row["id"]
        ]
        node[relation.name] = {
            "totalCount": len(children),
            "ids": [c["id"] for c in children[:first]],
            "hasNextPage": len(children) > first,
        }
    return node


def _actual_node(request: Request, node: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"id": _pk(node["id"])}
    for relation in _relations(request.type_name):
        if isinstance(relation, ToOne):
            found[relation.name] = _pk(node[relation.name]["id"]) if node[relation.name] else None
    if request.nested is not None:
        connection = node[request.nested[0].name]
        found[request.nested[0].name] = {
            "totalCount": connection["totalCount"],
            "ids": [_pk(e["node"]["id"]) for e in connection["edges"]],
            "hasNextPage": connection["pageInfo"]["hasNextPage"],
        }
    return found


def _touches(request: Request, type_names: set[str]) -> bool:
    """Whether the request lists, filters on or nests one of ``type_names``."""
    names = {
        r.name
        for t in FIELDS
        for r in ENTITIES[t].__entity__.relations
        if r.target in type_names or t in type_names
    }
    text = json.dumps([request.where, request.nested[1] if request.nested else None])
    nested = request.nested[0].target if request.nested else None
    return (
        request.type_name in type_names
        or nested in type_names
        or any(f'"{name}"' in text for name in names)
        or any(
            isinstance(r, ToOne) and r.target in type_names for r in _relations(request.type_name)
        )
    )


# Requests answered by a replayed statement, per kind: "exact" (the same request again) and
# "rebound" (an unseen request for a known document: the next page, from the template).
REPLAYED: dict[str, int] = {"exact": 0, "rebound": 0}


async def _replay(
    lane: FastLane, document: str, variables: dict[str, Any], expected: dict[str, Any] | None
) -> bool:
    """Ask the fast lane for the request; when it answers, the answer must be ``expected``."""
    body = json.dumps({"query": document, "variables": variables}).encode()
    text = await lane.answer((Credential("anonymous"), body), datetime.datetime.now(datetime.UTC))
    if text is None:
        return False
    assert json.loads(text) == {"data": expected}, f"replayed: {document} {variables}"
    return True


async def _walk(
    database: Database,
    world: World,
    request: Request,
    who: str,
    planned: bool,
    backward: bool,
    lane: FastLane | None = None,
) -> None:
    """Every page of the request, forwards (first/after) or backwards from the end (last/before).

    Planned (``lane`` given): each page is then replayed from the statement the planner ran,
    and each later page is first asked of the lane, which re-binds the first page's statement.
    """
    principal, caller = CALLERS[who]
    if caller.kind == "partner" and _touches(request, PEOPLE):
        return
    if access.needs_sign_in(principal, ENTITIES[request.type_name]):
        # Lists of people answer an anonymous caller "sign in" (UNAUTHENTICATED) rather than
        # an empty page: tests/graph/test_schema_contract.py and the access matrix hold that.
        return
    expected = world.matching(caller, request.type_name, request.where, request.order)
    schema = _schema()
    document = _document(request)
    size = request.first
    variables: dict[str, Any] = {"f": request.where, "o": _order_variable(request.order)}
    variables["last" if backward else "first"] = size
    if request.nested is not None:
        _, nested_where, nested_order, nested_first = request.nested
        variables.update(nf=nested_where, no=_order_variable(nested_order), nfirst=nested_first)
    cursor = None
    position = len(expected) - size if backward else 0  # where the page starts in the model's order
    while True:
        start = max(position, 0)
        context = Context(database, database.settings, principal)
        context.planning_enabled = planned
        given = {**variables, "before" if backward else "after": cursor}
        rebound = None
        if lane is not None and cursor is not None:
            body = json.dumps({"query": document, "variables": given}).encode()
            rebound = await lane.answer(
                (Credential("anonymous"), body), datetime.datetime.now(datetime.UTC)
            )
        try:
            result = await schema.execute(document, variable_values=given, context_value=context)
        finally:
            await context.close()
        how = f"{'planned' if planned else 'resolved'}, {'backwards' if backward else 'forwards'}"
        where = f"{who}, {how}, page at {start}: {document} {variables}"
        assert result.errors is None, f"{result.errors} — {where}"
        assert result.data is not None
        if planned and not context.planned:
            pytest.fail(f"not planned: {where}")
        if rebound is not None:
            assert json.loads(rebound) == {"data": result.data}, f"re-bound: {where}"
            REPLAYED["rebound"] += 1
        if lane is not None and context.replayable is not None:
            body = json.dumps({"query": document, "variables": given}).encode()
            key = (Credential("anonymous"), body)
            lane.remember(key, context.replayable, principal, None, (document, given, None))
            assert await _replay(lane, document, given, result.data), f"not replayed: {where}"
            REPLAYED["exact"] += 1
        connection = result.data[ENTITIES[request.type_name].__entity__.plural]
        page = expected[start : position + size]
        assert connection["totalCount"] == len(expected), where
        assert [_actual_node(request, e["node"]) for e in connection["edges"]] == [
            _expected_node(world, caller, request, r) for r in page
        ], where
        info = connection["pageInfo"]
        if backward:  # rows before the page are counted; the cursor says rows follow it
            assert (info["hasPreviousPage"], info["hasNextPage"]) == (
                start > 0,
                cursor is not None,
            ), where
        else:
            assert (info["hasNextPage"], info["hasPreviousPage"]) == (
                len(expected) > position + size,
                position > 0,
            ), where
        cursors = [e["cursor"] for e in connection["edges"]]
        assert (info["startCursor"], info["endCursor"]) == (
            (cursors[0], cursors[-1]) if cursors else (None, None)
        ), where
        if backward:
            if not info["hasPreviousPage"]:
                return
            cursor = info["startCursor"]
            position -= size
        else:
            if not info["hasNextPage"]:
                return
            cursor = info["endCursor"]
            position += size


@given(world=worlds(), batch=st.lists(requests(), min_size=1, max_size=3))
@settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("HONGFAN_DIFFERENTIAL_RANDOM"),  # fixed seed unless exploring
    deadline=None,
    database=None,
    phases=PHASES,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
async def test_every_list_answer_is_the_reference_models(
    database: Database, world: World, batch: list[Request]
) -> None:
    await _store(database, world)
    paths = (False, True) if database.dialect == "postgresql" else (False,)
    for index, request in enumerate(batch):
        for who in CALLERS:
            for planned in paths:
                lane = FastLane(database, database.settings, enabled=True) if planned else None
                # Forwards or backwards by turns, so each direction meets every kind of request.
                await _walk(
                    database,
                    world,
                    request,
                    who,
                    planned,
                    backward=(index + len(who)) % 2 == 1,
                    lane=lane,
                )


def test_the_model_says_not_of_a_to_many_filter_is_no_related_row():
    """The model itself, on the issue's first example: a site without courses is 'not courses: {}'."""
    world = World(
        {
            "Organisation": [
                {
                    "id": 1,
                    "path": "/1/",
                    "published": True,
                    "deleted_at": None,
                    "parent_id": None,
                    "name": "厦门市",
                }
            ],
            "ServiceSite": [
                {
                    "id": 1,
                    "organisation_id": 1,
                    "published": True,
                    "deleted_at": None,
                    "name": "有课",
                },
                {
                    "id": 2,
                    "organisation_id": 1,
                    "published": True,
                    "deleted_at": None,
                    "name": "没课",
                },
            ],
            "Course": [
                {
                    "id": 1,
                    "organisation_id": 1,
                    "site_id": 1,
                    "published": True,
                    "deleted_at": None,
                    "title": "培训",
                }
            ],
        }
    )
    caller = Caller("anonymous")
    assert [
        r["id"] for r in world.matching(caller, "ServiceSite", {"not": {"courses": {}}}, [])
    ] == [2]
    assert [
        r["id"]
        for r in world.matching(caller, "Course", {"not": {"site": {"name": {"eq": "没课"}}}}, [])
    ] == [1]
