"""No personal data in logs, URLs or error messages (#12.3).

A real server process (uvicorn with its access log, as ``hongfan serve`` runs) is sent
ordinary and hostile requests carrying a student's known ID number and phone: lookups,
malformed documents, variables of the wrong type, a GET with the phone in its query
string, an admin search. Then everything the process wrote is searched for them, and so
is every answer that was not a legitimate read in clear. In-process, a unique violation
the checks could not see (a concurrent writer) becomes a field error without the value,
and the captured log holds no value either — with SQL echo on.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from hongfan import accounts, crud
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from models import ScholarshipStudent
from models.validators import make_national_id
from tests import factories
from tests.conftest import settings_for
from tests.test_multiprocess import _free_port

ID_NUMBER = make_national_id("350206", date(2003, 4, 5), 417, "female")
PHONE = "13912345678"
PASSWORD = "correct horse battery"
STUDENTS = "query($f: ScholarshipStudentFilter) { scholarshipStudents(filter: $f) { totalCount edges { node { name idNumber phone } } } }"


async def _people(database: Database) -> tuple[int, str]:
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市")
        huli = await factories.organisation(session, "湖里区", city)
        siming = await factories.organisation(session, "思明区", city)
        await factories.student(session, siming, "日志测试学生", id_number=ID_NUMBER, phone=PHONE)
        await accounts.create_user(
            session, SYSTEM, "admin@logs.test", Role.SUPERADMIN, password=PASSWORD
        )
        editor, _ = await accounts.create_user(
            session,
            SYSTEM,
            "editor@logs.test",
            Role.EDITOR,
            organisation_id=huli.id,
            password=PASSWORD,
        )
        _, token = await accounts.issue_token(session, SYSTEM, editor.id or 0, name="logs")
    return int(huli.id or 0), token


def _wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120  # a busy shared machine starts Python slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(base)


def _hostile_session(base: str, huli_id: int, token: str) -> list[str]:
    """Everything that must not echo the values: the answers' texts."""
    answers: list[str] = []
    editor = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, timeout=30) as http:
        # Ordinary: the superadmin signs in and looks the student up by ID number and by phone.
        login = http.post("/auth/login", json={"email": "admin@logs.test", "password": PASSWORD})
        assert login.status_code == 200, login.text
        admin = {"x-csrf-token": login.json()["csrfToken"]}
        for f in ({"idNumber": {"eq": ID_NUMBER}}, {"phone": {"eq": PHONE}}):
            found = http.post(
                "/graphql", json={"query": STUDENTS, "variables": {"f": f}}, headers=admin
            )
            assert found.json()["data"]["scholarshipStudents"]["totalCount"] == 1, found.text
        http.cookies.clear()
        # Hostile, as an editor of another district: every way of making the server repeat a value.
        documents = [
            {
                "query": f"{{ scholarshipStudents(filter: {{ idNumber: {{ eq: {ID_NUMBER[:17]} }} }}) {{ totalCount }} }}"
            },
            {
                "query": f"{{ scholarshipStudents(filter: {{ phone: {{ eq: {PHONE} }} }}) {{ totalCount }} }}"
            },
            {
                "query": f'{{ scholarshipStudents(filter: {{ idNumber: {{ eq: "{ID_NUMBER}" }} ) {{ totalCount }}'
            },
            {"query": STUDENTS, "variables": {"f": {"idNumber": {"eq": int(ID_NUMBER[:17])}}}},
            {
                "query": STUDENTS,
                "variables": {"f": {"phone": {"eq": int(PHONE)}, "nonsense": PHONE}},
            },
            {"query": STUDENTS, "variables": {"f": {"idNumber": {"startsWith": ID_NUMBER}}}},
            {
                "query": "mutation($i: CreateScholarshipStudentInput!) { createScholarshipStudent(input: $i) { errors { field message } } }",
                "variables": {
                    "i": {
                        "name": "重复学生",
                        "gender": "FEMALE",
                        "idNumber": ID_NUMBER,
                        "phone": PHONE,
                        "familyCategory": "REGISTERED_POOR",
                        "organisationId": "T3JnYW5pc2F0aW9uOjI=",
                        "university": "厦门大学",
                        "enrolmentYear": 2021,
                        "graduationYear": 2025,
                    }
                },
            },
            {
                "query": "mutation($i: CreateScholarshipStudentInput!) { createScholarshipStudent(input: $i) { errors { field } } }",
                "variables": {"i": {"name": PHONE, "idNumber": ID_NUMBER, "enrolmentYear": PHONE}},
            },
        ]
        for body in documents:
            answers.append(http.post("/graphql", json=body, headers=editor).text)
        answers.append(
            http.get(
                f'/graphql?query={{scholarshipStudents(filter:{{phone:{{eq:"{PHONE}"}}}}){{totalCount}}}}'
            ).text
        )
        answers.append(
            http.get(f"/admin/scholarship-students?q={PHONE}&id_number={ID_NUMBER}").text
        )
        # The admin UI: a search by phone (a POST), as the editor and as the superadmin.
        for email in ("editor@logs.test", "admin@logs.test"):
            http.cookies.clear()
            page = http.post(
                "/admin/login", data={"email": email, "password": PASSWORD}, follow_redirects=True
            )
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            data = {"q": PHONE, **({"csrf_token": csrf.group(1)} if csrf else {})}
            listed = http.post("/admin/scholarship-students", data=data, follow_redirects=True)
            assert listed.status_code == 200
            # The page keeps the search box's text (the user's own input, in a POST answer);
            # no link on it carries a value, so nothing lands in an access log or a history.
            for link in re.findall(r'href="([^"]+)"', listed.text):
                assert ID_NUMBER not in link and PHONE not in link, link
    return answers


async def test_given_a_session_of_ordinary_and_hostile_requests_then_nothing_the_server_wrote_holds_an_id_number_or_phone(
    database: Database, tmp_path: Path
) -> None:
    huli_id, token = await _people(database)
    await asyncio.to_thread(_serve_and_check, database, tmp_path, huli_id, token)


def _serve_and_check(database: Database, tmp_path: Path, huli_id: int, token: str) -> None:
    port = _free_port()
    log_path = tmp_path / "server.log"
    env = {
        **os.environ,
        "HONGFAN_DATABASE_URL": database.settings.database_url,
        "HONGFAN_SECRET_KEY": "logs",
        "HONGFAN_DB_ECHO": "1",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "hongfan.app:create_app",
                "--factory",
                "--port",
                str(port),
                "--log-level",
                "debug",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, process)
            answers = _hostile_session(base, huli_id, token)
        finally:
            process.terminate()
            process.wait(timeout=10)
    written = log_path.read_text(encoding="utf-8", errors="replace")
    assert (
        '"POST /graphql HTTP/1.1" 200' in written
        and "GET /admin/scholarship-students?… HTTP/1.1" in written  # never a query string
        and "?q=" not in written
    )
    assert "SELECT" in written  # the SQL echo was on: statements logged, parameters not
    for value in (ID_NUMBER, ID_NUMBER[:17], PHONE):
        assert value not in written, [line for line in written.splitlines() if value in line][:3]
        for answer in answers:
            assert value not in answer, answer[:500]


async def test_given_a_concurrent_duplicate_when_the_database_refuses_it_then_a_field_error_without_the_value(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    huli_id, token = await _people(database)
    settings = settings_for(database.settings.database_url)
    app = create_app(settings, database)

    async def unseen(*_args: object, **_kwargs: object) -> None:
        return None  # as if another writer inserted the same ID number after the check

    monkeypatch.setattr(crud, "check_unique", unseen)
    from strawberry import relay

    org = str(relay.GlobalID("Organisation", str(huli_id)))
    variables = {
        "i": {
            "name": "并发学生",
            "gender": "FEMALE",
            "idNumber": ID_NUMBER,
            "phone": "13800138000",
            "familyCategory": "REGISTERED_POOR",
            "organisationId": org,
            "university": "厦门大学",
            "enrolmentYear": 2021,
            "graduationYear": 2025,
        }
    }
    query = "mutation($i: CreateScholarshipStudentInput!) { createScholarshipStudent(input: $i) { scholarshipStudent { id } errors { field code message } } }"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test"
    ) as http:
        answer = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
    payload = answer.json()["data"]["createScholarshipStudent"]
    assert payload["scholarshipStudent"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("idNumber", "unique")]
    assert ID_NUMBER not in json.dumps(answer.json(), ensure_ascii=False)
    assert ID_NUMBER not in caplog.text and ID_NUMBER[:17] not in caplog.text
    async with database.session(SYSTEM) as session:
        from sqlalchemy import func, select

        assert (
            await session.execute(select(func.count()).select_from(ScholarshipStudent))
        ).scalar_one() == 1


async def test_given_refused_documents_carrying_an_id_number_then_the_log_has_one_info_line_each_without_it_or_a_traceback(
    database: Database, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    _, token = await _people(database)
    app = create_app(settings_for(database.settings.database_url), database)
    literal = "11010519491231002X"
    documents = [
        # a required field missing, the ID number in the document's literal (a validation error)
        f'mutation {{ createScholarshipStudent(input: {{ name: "缺字段", idNumber: "{literal}" }}) {{ errors {{ field }} }} }}',
        # an editor filtering by a field she may not read in clear (FORBIDDEN_FIELD)
        f'{{ scholarshipStudents(filter: {{ idNumber: {{ eq: "{ID_NUMBER}" }} }}) {{ totalCount }} }}',
        # a forged cursor (BAD_CURSOR)
        '{ scholarshipStudents(first: 2, after: "bm90LWEtY3Vyc29y") { totalCount } }',
    ]
    codes = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test"
    ) as http:
        for document in documents:
            answer = (
                await http.post(
                    "/graphql",
                    json={"query": document},
                    headers={"authorization": f"Bearer {token}"},
                )
            ).json()
            assert "errors" in answer, answer
            codes.append(answer["errors"][0].get("extensions", {}).get("code"))
    assert codes[1:] == ["FORBIDDEN_FIELD", "BAD_CURSOR"], codes
    printed = capsys.readouterr()
    everything = caplog.text + printed.out + printed.err
    for value in (literal, ID_NUMBER, ID_NUMBER[:17]):
        assert value not in everything, [line for line in everything.splitlines() if value in line][
            :3
        ]
    assert "Traceback" not in everything
    refusals = [r for r in caplog.records if r.name == "hongfan.graphql"]
    assert len(refusals) >= len(documents), [r.getMessage() for r in caplog.records]
    assert all(r.levelno == logging.INFO and r.exc_info is None for r in refusals), [
        (r.levelname, r.getMessage()) for r in refusals
    ]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], [
        (r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info
    ]
