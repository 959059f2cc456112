"""The planned path (one SQL statement per query) answers exactly like field-by-field resolution.

A differential test: queries generated over every record type, their fields, nested
relations and list arguments, run as every role through both paths; the responses and
the audit of sensitive reads must be identical.
"""

from __future__ import annotations

import dataclasses
import json
import random
from typing import Any

import pytest
import sqlalchemy as sa
from strawberry import relay

from graph.context import Context
from graph.schema import build_schema
from hongfan import accounts
from hongfan.db import Database
from hongfan.principal import ANONYMOUS, Principal
from models import ENTITIES, Record
from models.accounts import User
from models.base import ToOne, column_meta
from models.pinyin import derived_from
from tests.budget import cases

ROLE_EMAILS = {
    "superadmin": "admin@demo.hongfan",
    "org_admin": "huli.admin@demo.hongfan",
    "editor": "huli.editor@demo.hongfan",
    "viewer": "siming.viewer@demo.hongfan",
    "partner": "partner@demo.hongfan",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _scalars(model: type[Record]) -> list[str]:
    return [
        c.name
        for c in model.__table__.columns  # type: ignore[attr-defined]
        if not c.foreign_keys
        and c.name not in ("id", "path")
        and not derived_from(c)  # pinyin keys are no fields
    ]


def _orderable(model: type[Record]) -> list[str]:
    return [
        c
        for c in _scalars(model)
        if column_meta(model, c).orderable and not column_meta(model, c).sensitive
    ]


class QueryMaker:
    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def arguments(self, model: type[Record]) -> str:
        parts = []
        if self.random.random() < 0.7:
            parts.append(f"first: {self.random.choice([0, 1, 2, 3, 5, 8])}")
        if self.random.random() < 0.6:
            keys = self.random.sample(_orderable(model), k=min(2, len(_orderable(model))))
            parts.append(
                "orderBy: ["
                + ", ".join(
                    f"{{ {_camel(k)}: {self.random.choice(['ASC', 'DESC'])} }}" for k in keys
                )
                + "]"
            )
        if self.random.random() < 0.3:
            text_columns = [c for c in _orderable(model) if column_meta(model, c).searchable]
            if text_columns:
                parts.append(
                    f'filter: {{ {_camel(self.random.choice(text_columns))}: {{ contains: "{self.random.choice(["区", "社区", "示", "例", "培训", "a"])}" }} }}'
                )
        return "(" + ", ".join(parts) + ")" if parts else ""

    def node(self, model: type[Record], depth: int) -> str:
        fields = self.random.sample(
            _scalars(model), k=min(len(_scalars(model)), self.random.randint(1, 5))
        )
        selection = ["id"] + [_camel(f) for f in fields]
        if self.random.random() < 0.2:
            selection.append("__typename")
        if depth < 3:
            for relation in model.__entity__.relations:
                if self.random.random() < 0.35:
                    target = ENTITIES[relation.target]
                    if isinstance(relation, ToOne):
                        selection.append(f"{relation.name} {{ {self.node(target, depth + 1)} }}")
                    else:
                        alias = "related: " if self.random.random() < 0.2 else ""
                        selection.append(
                            f"{alias}{relation.name}{self.arguments(target)} {{ {self.connection(target, depth + 1)} }}"
                        )
        self.random.shuffle(selection)
        return " ".join(selection)

    def connection(self, model: type[Record], depth: int) -> str:
        parts = [
            f"edges {{ {'cursor ' if self.random.random() < 0.5 else ''}node {{ {self.node(model, depth)} }} }}"
        ]
        if self.random.random() < 0.6:
            parts.append("totalCount")
        if self.random.random() < 0.5:
            parts.append("pageInfo { hasNextPage hasPreviousPage startCursor endCursor }")
        if self.random.random() < 0.1:
            parts.append("totalCountIsExact")
        self.random.shuffle(parts)
        return " ".join(parts)

    def query(self) -> str:
        roots = self.random.sample(list(ENTITIES.values()), k=self.random.randint(1, 2))
        body = " ".join(
            f"{m.__entity__.plural}{self.arguments(m)} {{ {self.connection(m, 1)} }}" for m in roots
        )
        return "{ " + body + " }"


async def _principals(database: Database) -> dict[str, Principal]:
    found = {"anonymous": ANONYMOUS}
    async with database.session(accounts.AUTH) as session:
        for role, email in ROLE_EMAILS.items():
            user = (await session.execute(sa.select(User).where(User.email == email))).scalar_one()
            found[role] = await accounts.principal_for(session, user)
    return found


@pytest.fixture
def on_postgresql(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the planner compiles to PostgreSQL")


@pytest.fixture
async def principals(on_postgresql: None, demo_database: Database) -> dict[str, Principal]:
    """The demo network loaded (a copy of it: tests/conftest.py), and a principal per role."""
    return await _principals(demo_database)


async def _run(
    database: Database,
    principal: Principal,
    query: str,
    planned: bool,
    variables: dict[str, Any] | None = None,
) -> tuple[Any, Any, bool]:
    context = Context(database, database.settings, dataclasses.replace(principal))
    context.planning_enabled = planned
    result = await build_schema().execute(query, variable_values=variables, context_value=context)
    reads = dict(context._sensitive_reads)
    used = context.planned
    await context.close()
    errors = [e.message for e in result.errors] if result.errors else None
    return (result.data, errors), reads, used


@pytest.mark.postgres
async def test_planned_and_resolved_answers_are_identical_for_every_role(
    database: Database, principals: dict[str, Principal]
):
    maker = QueryMaker(seed=2022)
    queries = [maker.query() for _ in range(cases(12))]
    answered_without_errors = planned_count = 0
    for role, principal in principals.items():
        for query in queries:
            resolved, resolved_reads, _ = await _run(database, principal, query, planned=False)
            planned, planned_reads, used = await _run(database, principal, query, planned=True)
            if planned[0] is None and resolved[0] is None and planned[1] and resolved[1]:
                # Both refuse the query: one with several forbidden parts may be refused for
                # any of them (the resolvers name the first they meet, concurrently).
                pass
            else:
                assert planned == resolved, f"{role}: {query}"
            assert planned_reads == resolved_reads, f"{role}: {query}"
            if resolved[1] is None:
                answered_without_errors += 1
                planned_count += used
    # Refusals (a partner sorting by a field it cannot read) are left to the resolvers, even
    # where an empty outer page means the resolvers never reach the refused argument.
    assert answered_without_errors > len(queries) * len(principals) * 0.7
    assert planned_count >= answered_without_errors * 0.95


@pytest.mark.postgres
async def test_a_nested_planned_query_is_one_statement(
    database: Database, principals: dict[str, Principal], sql_counter
):
    query = """{ scholarshipStudents(first: 100) { totalCount edges { node { name organisation { name parent { name } }
        grants { edges { node { year amount } } } internships { edges { node { status company { name } } } } } } } }"""
    sql_counter.reset()
    _, _, used = await _run(database, principals["org_admin"], query, planned=True)
    selects = [s for s in sql_counter.statements if s.lstrip().upper().startswith("SELECT")]
    assert used and len(selects) == 1, sql_counter.statements


VARIABLE_QUERY = """query Interns($first: Int!, $filter: InternshipFilter, $after: String) {
  internships(first: $first, filter: $filter, after: $after, orderBy: [{ status: DESC }]) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { position status student { name university major graduationYear idNumber } } }
  }
}"""


@pytest.mark.postgres
async def test_queries_with_variables_and_cursors_are_planned_alike(
    database: Database, principals: dict[str, Principal]
):
    for role in ("partner", "org_admin", "editor"):
        after = None
        for _ in range(3):
            variables = {"first": 4, "filter": {"status": {"ne": "WITHDRAWN"}}, "after": after}
            resolved, _, _ = await _run(
                database, principals[role], VARIABLE_QUERY, False, variables
            )
            planned, _, used = await _run(
                database, principals[role], VARIABLE_QUERY, True, variables
            )
            assert planned == resolved and used, role
            after = planned[0]["internships"]["pageInfo"]["endCursor"]


@pytest.mark.postgres
async def test_cursors_built_in_sql_equal_pythons_for_awkward_values(
    database: Database, principals: dict[str, Principal]
):
    """Cursors are built by PostgreSQL on the planned path and by Python on the other: the
    JSON inside them must be the same text for quotes, backslashes, control characters and
    characters outside the BMP, and for dates, money and nulls."""
    awkward = [
        '双"引号',
        "反\\斜杠",
        "换\n行",
        "制表\t符",
        "控制\x01字符",
        "😀 表情",
        "单'引号",
        "行\u2028分隔",
        "/斜/杠/",
    ]
    async with database.transaction(accounts.AUTH) as session:
        ids = (
            (
                await session.execute(
                    sa.text("SELECT id FROM organisation ORDER BY id LIMIT :n"), {"n": len(awkward)}
                )
            )
            .scalars()
            .all()
        )
        for pk, name in zip(ids, awkward, strict=True):
            await session.execute(
                sa.text("UPDATE organisation SET name = :name WHERE id = :id"),
                {"name": name, "id": pk},
            )
    # The demo network has hundreds of organisations: keep the awkward names on the page.
    # By their IDs: a filter's text may not carry control characters (BAD_VALUE), a cursor may.
    awkward_only = (
        "filter: { id: { in: ["
        + ", ".join(json.dumps(str(relay.GlobalID("Organisation", str(pk)))) for pk in ids)
        + "] } }"
    )
    queries = [
        "{ organisations(first: 100, orderBy: [{ name: ASC }], "
        + awkward_only
        + ") { edges { cursor node { name } } pageInfo { startCursor endCursor } } }",
        "{ organisations(first: 100, orderBy: [{ name: DESC }], "
        + awkward_only
        + ") { edges { cursor node { name } } pageInfo { startCursor endCursor } } }",
        "{ grants(first: 20, orderBy: [{ amount: DESC }, { year: ASC }]) { edges { cursor node { amount year } } } }",
        "{ courses(first: 20, orderBy: [{ startDate: DESC }]) { edges { cursor node { title startDate } } } }",
        "{ organisations(first: 20, orderBy: [{ level: ASC }]) { edges { cursor node { level } } } }",
    ]
    names_seen: set[str] = set()
    for query in queries:
        resolved, _, _ = await _run(database, principals["superadmin"], query, planned=False)
        planned, _, used = await _run(database, principals["superadmin"], query, planned=True)
        assert used and resolved[1] is None, (query, resolved)
        assert planned == resolved, query
        for connection in resolved[0].values():
            names_seen.update(edge["node"].get("name") for edge in connection["edges"])
    assert set(awkward) <= names_seen
