"""docs/frontend.md says what the server does (#14.8): its GraphQL and HTTP examples run
against the demo network, its code-generator configurations type every custom scalar of the
schema, its JavaScript parses, and its table names every error code the API can return.

(The ``fetch`` helper itself runs in Chromium on another origin: tests/e2e/test_website_browser.py.)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.app import create_app
from hongfan.db import Database, create_engine
from hongfan.principal import SYSTEM
from models import User
from tests.conftest import settings_for

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "frontend.md"
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.S | re.M)


def blocks(lang: str | None = None) -> list[tuple[str, str]]:
    found = [(m.group(1), m.group(2)) for m in _BLOCK.finditer(GUIDE.read_text(encoding="utf-8"))]
    return [b for b in found if lang is None or b[0] == lang]


def directives(document: str) -> dict[str, str]:
    """``# name: value`` lines at the top of a GraphQL example."""
    found = {}
    for line in document.splitlines():
        match = re.match(r"#\s*(\w+):\s*(.*)", line.strip())
        if not match:
            break
        found[match.group(1)] = match.group(2).strip()
    return found


@pytest.fixture
async def database(demo_file: Path, tmp_path: Path):  # demo_file: tests/conftest.py
    path = tmp_path / "guide.db"
    shutil.copyfile(demo_file, path)
    settings = settings_for(f"sqlite+aiosqlite:///{path}")
    db = Database(settings, create_engine(settings))
    yield db
    await db.dispose()


async def _token(database: Database, email: str, operations: str | None = None) -> str:
    import sqlalchemy as sa

    async with database.transaction(AUTH) as s:
        user = (await s.execute(sa.select(User).where(User.email == email))).scalar_one()  # type: ignore[arg-type]
        _, token = await accounts.issue_token(s, SYSTEM, int(user.id or 0), operations=operations)
    return token


@pytest.fixture
async def http(database: Database):
    app = create_app(database.settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as client:
        yield client


async def test_every_graphql_example_runs_against_the_demo_network(
    database: Database, http: httpx.AsyncClient
):
    tokens = {
        "admin": await _token(database, "admin@demo.hongfan"),
        "partner": None,
    }
    examples = blocks("graphql")
    assert len(examples) >= 5
    partner_file = next(text for _, text in examples if directives(text).get("file"))
    tokens["partner"] = await _token(database, "partner@demo.hongfan", partner_file)
    for _, text in examples:
        told = directives(text)
        if told.get("file"):  # an operations file: each of its operations, as the partner
            from graphql import OperationDefinitionNode, parse

            names = [
                d.name.value
                for d in parse(text).definitions
                if isinstance(d, OperationDefinitionNode) and d.name
            ]
            runs = [(text, name, "partner") for name in names]
        else:
            runs = [(text, None, told.get("as"))]
        for document, name, who in runs:
            headers = {"authorization": f"Bearer {tokens[who]}"} if who else {}
            body: dict[str, Any] = {"query": document, "operationName": name}
            body["variables"] = json.loads(told.get("variables", "{}"))
            answer = (await http.post("/graphql", json=body, headers=headers)).json()
            assert "errors" not in answer, (document, answer)
            assert answer["data"], document
            if "CreateEmptySite" in document:  # the guide's field error, as it describes it
                payload = answer["data"]["createServiceSite"]
                assert payload["serviceSite"] is None
                assert [e["field"] for e in payload["errors"]] == ["name"]


def _request(text: str, partner_token: str) -> tuple[str, str, dict[str, str], bytes]:
    head, _, body = text.replace("$PARTNER_TOKEN", partner_token).partition("\n\n")
    request_line, *header_lines = head.strip().splitlines()
    method, target, _version = request_line.split(" ")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return method, target, headers, body.strip().encode()


async def test_every_http_example_answers_as_the_guide_shows(
    database: Database, http: httpx.AsyncClient
):
    partner_file = next(t for _, t in blocks("graphql") if directives(t).get("file"))
    partner = await _token(database, "partner@demo.hongfan", partner_file)
    found = blocks()
    pairs = [
        (found[i][1], found[i + 1][1])
        for i in range(len(found) - 1)
        if found[i][0] == "http" and found[i + 1][0] == "text"
    ]
    assert len(pairs) >= 5
    for request, expected in pairs:
        method, target, headers, body = _request(request, partner)
        split = urlsplit(target)
        answer = await http.request(
            method,
            split.path,
            params=parse_qsl(split.query, keep_blank_values=True),
            headers=headers,
            content=body or None,
        )
        status_line, *rest = expected.strip().splitlines()
        assert answer.status_code == int(status_line.split(" ")[1]), (request, answer.text)
        for line in rest:
            name, sep, value = line.partition(": ")
            if sep and not line.startswith("{") and re.match(r"^[A-Za-z-]+$", name):
                if "…" in value:
                    assert name.lower() in answer.headers, (request, name)
                else:
                    assert answer.headers[name.lower()] == value, (request, name)
        for code in re.findall(r'"code": "([A-Z_]+)"', expected):
            assert code in [e["extensions"]["code"] for e in answer.json()["errors"]], request
        if '{"data"' in expected:
            assert answer.json().get("data") and "errors" not in answer.json(), answer.text
        for fragment in re.findall(r'"message": "([^"…]+)…', expected):
            assert fragment in answer.text, (request, fragment)


def test_the_code_generator_configurations_type_every_custom_scalar_as_the_wire_has_it():
    from graph.schema import print_sdl

    custom = set(re.findall(r"^scalar (\w+)", print_sdl(), re.M))
    configs = [json.loads(text) for _, text in blocks("json")]
    assert len(configs) == 2
    codegen = configs[0]["generates"]["src/gql/"]["config"]["scalars"]
    relay = configs[1]["customScalarTypes"]
    for scalars in (codegen, relay):
        assert set(scalars) == custom
        assert {scalars[name] for name in ("Date", "DateTime", "Decimal")} == {"string"}


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_javascript_examples_parse(tmp_path: Path):
    scripts = blocks("js")
    assert len(scripts) == 3
    for index, (_, text) in enumerate(scripts):
        path = tmp_path / f"example{index}.mjs"
        path.write_text(text, encoding="utf-8")
        checked = subprocess.run(
            ["node", "--check", str(path)], capture_output=True, text=True, timeout=60
        )
        assert checked.returncode == 0, checked.stderr


def test_the_error_table_names_every_code_the_api_returns():
    guide = GUIDE.read_text(encoding="utf-8")
    sources = [*ROOT.glob("graph/*.py"), *ROOT.glob("hongfan/*.py")]
    codes: set[str] = set()
    for source in sources:
        text = source.read_text(encoding="utf-8")
        codes |= set(re.findall(r'code="([A-Z][A-Z_]+)"', text))
        codes |= set(re.findall(r'extension = "([A-Z][A-Z_]+)"', text))
        codes |= set(re.findall(r'"(?:code|GRAPHQL)[^"]*"\s*(?:if|:|==)\s*"([A-Z][A-Z_]+)"', text))
        codes |= set(re.findall(r'\d{3}: "([A-Z][A-Z_]+)"', text))  # status → code tables
        codes |= set(re.findall(r'"([A-Z]+_[A-Z_]+)"\)\(', text))  # _error(status, text, "CODE")(…)
        codes |= set(re.findall(r'text, "([A-Z][A-Z_]+)"\)', text))
    codes |= {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "PERSISTED_QUERY_NOT_FOUND"}
    assert len(codes) >= 20, codes
    missing = sorted(c for c in codes if f"`{c}`" not in guide)
    assert not missing, f"codes the guide does not list: {missing}"
