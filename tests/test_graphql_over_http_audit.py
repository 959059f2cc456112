"""The graphql-http audit (github.com/graphql/graphql-http, src/audits/server.ts), clause by
clause in Python, so `make test` checks it without node: every MUST and SHOULD passes.

Each clause keeps the audit's id and wording; a failure names the clause.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from hongfan.app import create_app
from hongfan.db import Database, create_engine
from tests.conftest import settings_for

GQL = "application/graphql-response+json"
JSON = "application/json"
TYPENAME = {"query": "{ __typename }"}
INVALID = [{"obj": "ect"}, 0, False, ["array"]]
INVALID_MAPS = ["string", 0, False, ["array"]]


@dataclass
class Clause:
    id: str
    text: str
    method: str = "POST"
    accept: str | None = None
    body: Any = None  # a JSON value, or bytes sent as they are
    content_type: str | None = JSON
    params: dict[str, str] = field(default_factory=dict)
    status: int | tuple[int, int] = 200
    content_type_has: str | None = None
    errors: bool | None = None  # True: has errors; False: has none; None: not checked
    no_data: bool = False


def _clauses() -> list[Clause]:
    c: list[Clause] = [
        Clause(
            "22EB",
            "SHOULD accept application/graphql-response+json and match the content-type",
            accept=GQL,
            body=TYPENAME,
            content_type_has=GQL,
        ),
        Clause(
            "4655",
            "MUST accept application/json and match the content-type",
            accept=JSON,
            body=TYPENAME,
            content_type_has=JSON,
        ),
        Clause(
            "47DE",
            "SHOULD accept */* and use application/json for the content-type",
            accept="*/*",
            body=TYPENAME,
            content_type_has=JSON,
        ),
        Clause(
            "80D8",
            "SHOULD assume application/json content-type when accept is missing",
            method="GET",
            params={"query": "{ __typename }"},
            content_type_has=JSON,
        ),
        Clause("82A3", "MUST use utf-8 encoding when responding", body=TYPENAME),
        Clause(
            "BF61",
            "MUST accept utf-8 encoded request",
            body=TYPENAME,
            content_type="application/json; charset=utf-8",
        ),
        Clause("78D5", "MUST assume utf-8 in request if encoding is unspecified", body=TYPENAME),
        Clause("2C94", "MUST accept POST requests", body=TYPENAME),
        Clause(
            "5A70",
            "MAY accept application/x-www-form-urlencoded formatted GET requests",
            method="GET",
            params={"query": "{ __typename }"},
        ),
        Clause(
            "9C48",
            "MAY NOT allow executing mutations on GET requests",
            method="GET",
            accept=GQL,
            params={"query": "mutation { __typename }"},
            status=(400, 499),
        ),
        Clause(
            "9ABE",
            "SHOULD respond with 4xx status code if content-type is not supplied on POST requests",
            content_type=None,
            status=(400, 499),
        ),
        Clause("03D4", "MUST accept application/json POST requests", body=TYPENAME),
        Clause(
            "7267", "MUST require a request body on POST", body=b"", status=(200, 400), errors=True
        ),
        Clause(
            "6610",
            "SHOULD use 400 status code on missing {query} parameter when accepting application/graphql-response+json",
            accept=GQL,
            body={"notquery": "{ __typename }"},
            status=400,
        ),
        Clause(
            "3715",
            "SHOULD use 200 status code with errors field on missing {query} parameter when accepting application/json",
            accept=JSON,
            body={"notquery": "{ __typename }"},
            errors=True,
        ),
        Clause(
            "34A2",
            "SHOULD allow string {query} parameter when accepting application/graphql-response+json",
            accept=GQL,
            body=TYPENAME,
        ),
        Clause(
            "13EE",
            "MUST allow string {query} parameter when accepting application/json",
            accept=JSON,
            body=TYPENAME,
            errors=False,
        ),
        Clause(
            "8161",
            "SHOULD allow string {operationName} parameter when accepting application/graphql-response+json",
            accept=GQL,
            body={"operationName": "Query", "query": "query Query { __typename }"},
        ),
        Clause(
            "B8B3",
            "MUST allow string {operationName} parameter when accepting application/json",
            accept=JSON,
            body={"operationName": "Query", "query": "query Query { __typename }"},
            errors=False,
        ),
        Clause(
            "2EA1",
            "SHOULD allow map {variables} parameter when accepting application/graphql-response+json",
            accept=GQL,
            body={
                "query": "query Type($name: String!) { __type(name: $name) { name } }",
                "variables": {"name": "sometype"},
            },
        ),
        Clause(
            "28B9",
            "MUST allow map {variables} parameter when accepting application/json",
            accept=JSON,
            body={
                "query": "query Type($name: String!) { __type(name: $name) { name } }",
                "variables": {"name": "sometype"},
            },
            errors=False,
        ),
        Clause(
            "D6D5",
            "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json",
            method="GET",
            accept=GQL,
            params={
                "query": "query Type($name: String!) { __type(name: $name) { name } }",
                "variables": json.dumps({"name": "sometype"}),
            },
        ),
        Clause(
            "6A70",
            "MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json",
            method="GET",
            accept=JSON,
            params={
                "query": "query Type($name: String!) { __type(name: $name) { name } }",
                "variables": json.dumps({"name": "sometype"}),
            },
            errors=False,
        ),
        Clause(
            "428F",
            "SHOULD allow map {extensions} parameter when accepting application/graphql-response+json",
            accept=GQL,
            body={**TYPENAME, "extensions": {"some": "value"}},
        ),
        Clause(
            "1B7A",
            "MUST allow map {extensions} parameter when accepting application/json",
            accept=JSON,
            body={**TYPENAME, "extensions": {"some": "value"}},
            errors=False,
        ),
        Clause(
            "D477",
            "SHOULD use 200 status code on JSON parsing failure when accepting application/json",
            accept=JSON,
            body=b'{ "not a JSON',
        ),
        Clause(
            "F5AF",
            "SHOULD use 200 status code if parameters are invalid when accepting application/json",
            accept=JSON,
            body={"qeury": "{ __typename }"},
        ),
        Clause(
            "572B",
            "SHOULD use 200 status code on document parsing failure when accepting application/json",
            accept=JSON,
            body={"query": "{"},
        ),
        Clause(
            "FDE2",
            "SHOULD use 200 status code on document validation failure when accepting application/json",
            accept=JSON,
            body={"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"},
        ),
        Clause(
            "60AA",
            "SHOULD use 4xx or 5xx status codes on JSON parsing failure when accepting application/graphql-response+json",
            accept=GQL,
            body=b'{ "not a JSON',
            status=(400, 499),
        ),
        Clause(
            "2163",
            "SHOULD use 400 status code on JSON parsing failure when accepting application/graphql-response+json",
            accept=GQL,
            body=b'{ "not a JSON',
            status=400,
        ),
        Clause(
            "3E36",
            "SHOULD use 4xx or 5xx status codes if parameters are invalid when accepting application/graphql-response+json",
            accept=GQL,
            body={"qeury": "{ __typename }"},
            status=(400, 599),
        ),
        Clause(
            "17C5",
            "SHOULD use 400 status code if parameters are invalid when accepting application/graphql-response+json",
            accept=GQL,
            body={"qeury": "{ __typename }"},
            status=400,
        ),
        Clause(
            "34D6",
            "SHOULD not contain the data entry if parameters are invalid when accepting application/graphql-response+json",
            accept=GQL,
            body={"qeury": "{ __typename }"},
            status=400,
            no_data=True,
        ),
        Clause(
            "865D",
            "SHOULD use 4xx or 5xx status codes on document parsing failure when accepting application/graphql-response+json",
            accept=GQL,
            body={"query": "{"},
            status=(400, 599),
        ),
        Clause(
            "556A",
            "SHOULD use 400 status code on document parsing failure when accepting application/graphql-response+json",
            accept=GQL,
            body={"query": "{"},
            status=400,
        ),
        Clause(
            "D586",
            "SHOULD not contain the data entry on document parsing failure when accepting application/graphql-response+json",
            accept=GQL,
            body={"query": "{"},
            status=400,
            no_data=True,
        ),
        Clause(
            "51FE",
            "SHOULD use 4xx or 5xx status codes on document validation failure when accepting application/graphql-response+json",
            accept=GQL,
            body={"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"},
            status=(400, 599),
        ),
        Clause(
            "74FF",
            "SHOULD use 400 status code on document validation failure when accepting application/graphql-response+json",
            accept=GQL,
            body={"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"},
            status=400,
        ),
        Clause(
            "5E5B",
            "SHOULD not contain the data entry on document validation failure when accepting application/graphql-response+json",
            accept=GQL,
            body={"query": "{ 8f31403dfe404bccbb0e835f2629c6a7 }"},
            status=400,
            no_data=True,
        ),
    ]
    for index, invalid in enumerate(INVALID):
        c.append(
            Clause(
                f"4F5{index}",
                f"SHOULD use 400 status code on {invalid!r} {{query}} parameter when accepting application/graphql-response+json",
                accept=GQL,
                body={"query": invalid},
                status=400,
            )
        )
        c.append(
            Clause(
                f"9FE{index}",
                f"SHOULD use 200 status code with errors field on {invalid!r} {{query}} parameter when accepting application/json",
                accept=JSON,
                body={"query": invalid},
                errors=True,
            )
        )
        c.append(
            Clause(
                f"E3E{index}",
                f"SHOULD use 400 status code on {invalid!r} {{operationName}} parameter when accepting application/graphql-response+json",
                accept=GQL,
                body={"operationName": invalid, **TYPENAME},
                status=400,
            )
        )
        c.append(
            Clause(
                f"FB9{index}",
                f"SHOULD use 200 status code with errors field on {invalid!r} {{operationName}} parameter when accepting application/json",
                accept=JSON,
                body={"operationName": invalid, **TYPENAME},
                errors=True,
            )
        )
    for index, invalid in enumerate(INVALID_MAPS):
        for name, gql_id, json_id in (("variables", "69B", "F05"), ("extensions", "904", "368")):
            c.append(
                Clause(
                    f"{gql_id}{index}",
                    f"SHOULD use 400 status code on {invalid!r} {{{name}}} parameter when accepting application/graphql-response+json",
                    accept=GQL,
                    body={**TYPENAME, name: invalid},
                    status=400,
                )
            )
            c.append(
                Clause(
                    f"{json_id}{index}",
                    f"SHOULD use 200 status code with errors field on {invalid!r} {{{name}}} parameter when accepting application/json",
                    accept=JSON,
                    body={**TYPENAME, name: invalid},
                    errors=True,
                )
            )
    for index, name in enumerate(("variables", "operationName", "extensions")):
        c.append(
            Clause(
                f"94B{index}",
                f"SHOULD allow null {{{name}}} parameter when accepting application/graphql-response+json",
                accept=GQL,
                body={**TYPENAME, name: None},
                errors=False,
            )
        )
        c.append(
            Clause(
                f"022{index}",
                f"MUST allow null {{{name}}} parameter when accepting application/json",
                accept=JSON,
                body={**TYPENAME, name: None},
                errors=False,
            )
        )
    return c


CLAUSES = _clauses()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
    engine = create_engine(settings)
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    database = Database(settings, engine)
    app = create_app(settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as http:
        yield http
    await database.dispose()


async def _check(client: httpx.AsyncClient, clause: Clause) -> list[str]:
    headers: dict[str, str] = {}
    if clause.accept is not None:
        headers["accept"] = clause.accept
    content: bytes | None = None
    if clause.method == "POST":
        if clause.content_type is not None:
            headers["content-type"] = clause.content_type
        if isinstance(clause.body, bytes):
            content = clause.body
        elif clause.body is not None:
            content = json.dumps(clause.body).encode()
    else:
        headers.setdefault("accept", "")  # httpx would send */*; the audit's fetch sends none
        if not headers["accept"]:
            del headers["accept"]
    response = await client.request(
        clause.method, "/graphql", params=clause.params or None, content=content, headers=headers
    )
    problems: list[str] = []
    low, high = (
        clause.status if isinstance(clause.status, tuple) else (clause.status, clause.status)
    )
    if not low <= response.status_code <= high:
        problems.append(f"status {response.status_code}, expected {clause.status}")
    content_type = response.headers.get("content-type", "")
    if clause.content_type_has and clause.content_type_has not in content_type:
        problems.append(f"content-type {content_type!r}")
    try:
        response.content.decode("utf-8")
    except UnicodeDecodeError:
        problems.append("body is not UTF-8")
    if clause.errors is not None or clause.no_data:
        try:
            body = response.json()
        except ValueError:
            return [*problems, f"body is not JSON: {response.text[:80]!r}"]
        if clause.errors is True and "errors" not in body:
            problems.append("no errors entry")
        if clause.errors is False and "errors" in body:
            problems.append(f"unexpected errors {body['errors']}")
        if clause.no_data and "data" in body:
            problems.append("has a data entry")
    return problems


async def test_every_graphql_over_http_audit_clause_passes(client: httpx.AsyncClient):
    # httpx sends Accept: */* unless told; the audit's fetch sends no Accept on plain GETs
    client.headers.pop("accept", None)
    failures = {}
    for clause in CLAUSES:
        problems = await _check(client, clause)
        if problems:
            failures[f"{clause.id} {clause.text}"] = problems
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)
    assert len(CLAUSES) >= 70
