"""``node(id:)`` — how a client reads a record's ``version`` before it updates it — is one
planned statement, and a repeated document with another id (of any type it asks about) is
answered by the fast lane re-binding it: the same answers as field-by-field resolution,
for every role and every kind of id (#16.6)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import sqlalchemy as sa
from strawberry import relay

from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM, Principal
from models import ScholarshipStudent, ServiceSite
from tests.graph.test_fastlane import _client, _post, _token
from tests.graph.test_planner import ROLE_EMAILS, _principals, _run

pytestmark = pytest.mark.postgres

VERSION = """query V($id: ID!) { node(id: $id) {
  ... on ServiceSite { siteVersion: version name }
  ... on ScholarshipStudent { studentVersion: version major }
} }"""
SENSITIVE = "query($id: ID!) { node(id: $id) { ... on ScholarshipStudent { name idNumber } } }"
NODE_FIELDS_ONLY = "query($id: ID!) { node(id: $id) { id __typename } }"


@pytest.fixture
async def demo(database_url: str, demo_database: Database) -> Database:
    if not database_url.startswith("postgresql"):
        pytest.skip("the planner compiles to PostgreSQL")
    return demo_database


async def _ids(database: Database) -> list[str]:
    """Global ids of sites and students all over the network, and ids that name nothing."""
    found: list[str] = []
    async with database.session(SYSTEM) as session:
        for model in (ServiceSite, ScholarshipStudent):
            statement = sa.select(model.id).order_by(model.organisation_id, model.id)  # type: ignore[arg-type]
            ids = [int(pk) for pk in (await session.execute(statement)).scalars()]
            step = max(1, len(ids) // 6)
            found += [
                str(relay.GlobalID(model.__entity__.type_name, str(pk))) for pk in ids[::step]
            ]
    found += [
        str(relay.GlobalID("ServiceSite", "999999")),
        str(relay.GlobalID("Company", "1")),  # a type the query asks no fields of
        str(relay.GlobalID("ServiceSite", "+1")),  # not the canonical form: names nothing
    ]
    return found


async def test_a_planned_node_answers_as_the_resolvers_do_for_every_role_and_id(demo: Database):
    principals: dict[str, Principal] = await _principals(demo)
    ids = await _ids(demo)
    planned_count = 0
    for role, principal in principals.items():
        for query in (VERSION, SENSITIVE, NODE_FIELDS_ONLY):
            for gid in ids:
                variables = {"id": gid}
                resolved, resolved_reads, _ = await _run(demo, principal, query, False, variables)
                planned, planned_reads, used = await _run(demo, principal, query, True, variables)
                assert planned == resolved, f"{role}: {gid} {query}"
                assert planned_reads == resolved_reads, f"{role}: {gid}"
                planned_count += used
                student = planned[0] and (planned[0]["node"] or {}).get("name") is not None
                if query is SENSITIVE and student:
                    # an ID number is masked or its read audited in Python: the resolvers answer
                    assert not used, f"{role}: {gid}"
    assert planned_count > len(principals) * len(ids)  # the version reads were planned


async def test_given_an_admin_read_a_site_version_then_a_student_version_by_the_same_document_is_one_replayed_statement(
    demo: Database, sql_counter: Any
):
    token = await _token(demo, ROLE_EMAILS["org_admin"])
    app = create_app(demo.settings, demo)
    resolving = create_app(dataclasses.replace(demo.settings, planner=False), demo)
    ids = [gid for gid in await _ids(demo) if "OTk5OTk5" not in gid]  # (no 999999)
    async with _client(app) as client, _client(resolving) as reference:
        status, first = await _post(client, token, VERSION, {"id": ids[0]})
        assert status == 200 and not first.get("errors"), first
        answered = 0
        for gid in ids[1:]:
            sql_counter.reset()
            hits = app.state.fastlane.template_hits
            status, body = await _post(client, token, VERSION, {"id": gid})
            through_orm = sql_counter.count
            _, expected = await _post(reference, token, VERSION, {"id": gid})
            assert status == 200 and body == expected, gid
            if body["data"]["node"]:  # (a company: {} — another statement answers)
                # a site or a student in scope: the template answered, nothing through the ORM
                assert app.state.fastlane.template_hits == hits + 1, gid
                assert through_orm == 0, sql_counter.statements
                answered += 1
    assert answered >= 4
