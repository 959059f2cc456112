"""Personal data sealed at rest, found by exact value, keys rotated and checked (#12.4, #12.5).

Over HTTP as an org admin: a student's ID number, phone and family category go in and
come back in clear, an exact lookup finds the student, yet no table — nor the SQLite
file — holds them in clear, and the audit log's before/after is sealed too.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from datetime import date
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from strawberry import relay

from hongfan import accounts, keys, startup
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from hongfan.settings import Settings, SettingsError
from models import sealed
from models.sealed import Keyring
from models.validators import make_national_id
from tests import factories
from tests.conftest import settings_for

ID_NUMBER = make_national_id("350206", date(2004, 2, 29), 351, "male")
PHONE = "13911112222"
PASSWORD = "correct horse battery"
FIND = "query($f: ScholarshipStudentFilter) { scholarshipStudents(filter: $f) { totalCount edges { node { name idNumber phone familyCategory } } } }"


async def _admin_creates_a_student(database: Database) -> httpx.AsyncClient:
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市")
        huli = await factories.organisation(session, "湖里区", city)
        await accounts.create_user(
            session,
            SYSTEM,
            "admin@sealed.test",
            Role.ORG_ADMIN,
            organisation_id=huli.id,
            password=PASSWORD,
        )
    app = create_app(database.settings, database)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test")
    login = await http.post(
        "/auth/login", json={"email": "admin@sealed.test", "password": PASSWORD}
    )
    http.headers["x-csrf-token"] = login.json()["csrfToken"]
    created = (
        await http.post(
            "/graphql",
            json={
                "query": "mutation($i: CreateScholarshipStudentInput!) { createScholarshipStudent(input: $i) { scholarshipStudent { idNumber phone familyCategory } errors { field code } } }",
                "variables": {
                    "i": {
                        "name": "密封测试",
                        "gender": "MALE",
                        "idNumber": ID_NUMBER,
                        "phone": PHONE,
                        "familyCategory": "ONLY_CHILD_LOW_INCOME",
                        "university": "厦门大学",
                        "enrolmentYear": 2022,
                        "graduationYear": 2026,
                        "organisationId": str(relay.GlobalID("Organisation", str(huli.id))),
                    }
                },
            },
        )
    ).json()["data"]["createScholarshipStudent"]
    assert created["errors"] == [] and created["scholarshipStudent"]["idNumber"] == ID_NUMBER, (
        created
    )
    return http


async def _everything_stored(database: Database) -> str:
    async with database.engine.connect() as connection:
        dumped = []
        for table in ("scholarship_student", "audit_log"):
            dumped += [
                repr(tuple(r))
                for r in (await connection.execute(sa.text(f"SELECT * FROM {table}"))).all()
            ]  # noqa: S608
    return "\n".join(dumped)


async def test_given_a_student_entered_over_http_then_no_table_holds_the_id_number_phone_or_category_in_clear(
    database: Database,
) -> None:
    http = await _admin_creates_a_student(database)
    async with contextlib.aclosing(http):
        for f in (
            {"idNumber": {"eq": ID_NUMBER.lower()}},
            {"phone": {"eq": PHONE}},
            {"familyCategory": {"eq": "ONLY_CHILD_LOW_INCOME"}},
        ):
            found = (
                await http.post("/graphql", json={"query": FIND, "variables": {"f": f}})
            ).json()
            assert found["data"]["scholarshipStudents"]["totalCount"] == 1, (f, found)
        node = found["data"]["scholarshipStudents"]["edges"][0]["node"]
        assert (node["idNumber"], node["phone"], node["familyCategory"]) == (
            ID_NUMBER,
            PHONE,
            "ONLY_CHILD_LOW_INCOME",
        )
        partial = (
            await http.post(
                "/graphql",
                json={
                    "query": FIND,
                    "variables": {"f": {"idNumber": {"startsWith": ID_NUMBER[:6]}}},
                },
            )
        ).json()
        assert partial["errors"][0]["extensions"]["code"] == "SEALED_FIELD"
    stored = await _everything_stored(database)
    assert "密封测试" in stored  # the name is not sealed: the dump did read the rows
    for value in (ID_NUMBER, ID_NUMBER[:17], PHONE, "only_child_low_income"):
        assert value not in stored, value
    if database.dialect == "sqlite":
        path = Path(sa.make_url(database.settings.database_url).database or "")
        raw = b"".join(
            p.read_bytes()
            for p in path.parent.glob(path.name + "*")
            if p.is_file() and not p.name.endswith(".json")
        )
        assert (
            ID_NUMBER.encode() not in raw
            and PHONE.encode() not in raw
            and raw.count("密封测试".encode()) >= 1
        )


async def test_given_sealed_data_when_the_keys_rotate_then_everything_reads_back_and_is_sealed_with_the_new_key(
    database: Database,
) -> None:
    http = await _admin_creates_a_student(database)
    old = sealed.keyring()
    try:
        rotated = old.with_new_active("k2")
        sealed.install(rotated)
        assert await keys.reseal(database.engine, rotated, batch=1) == 3
        assert (
            await keys.reseal(database.engine, rotated, batch=1) == 0
        )  # resumable: nothing left to do
        async with database.engine.connect() as connection:
            stored = (
                await connection.execute(
                    sa.text("SELECT id_number, phone FROM scholarship_student")
                )
            ).one()
        assert {sealed.key_id_of(v) for v in stored} == {"k2"}
        async with contextlib.aclosing(http):
            found = (
                await http.post(
                    "/graphql",
                    json={"query": FIND, "variables": {"f": {"idNumber": {"eq": ID_NUMBER}}}},
                )
            ).json()
        assert found["data"]["scholarshipStudents"]["edges"][0]["node"]["phone"] == PHONE
    finally:
        sealed.install(old)


async def test_given_a_backup_when_it_is_restored_with_its_keyring_then_it_reads_back_and_with_another_it_does_not_start(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if database.dialect != "sqlite":
        pytest.skip(
            "a file copy is SQLite's backup; PostgreSQL's pg_dump keeps the same ciphertext"
        )
    (await _admin_creates_a_student(database)).headers.clear()
    await database.dispose()
    source = Path(sa.make_url(database.settings.database_url).database or "")
    restored = tmp_path / "restored" / "hongfan.db"
    restored.parent.mkdir()
    shutil.copy(source, restored)
    url = f"sqlite+aiosqlite:///{restored}"
    copy = Database(settings_for(url))
    try:
        async with copy.session(SYSTEM) as session:
            from models import ScholarshipStudent

            student = (await session.execute(sa.select(ScholarshipStudent))).scalar_one()
        assert (student.id_number, student.phone) == (ID_NUMBER, PHONE)
    finally:
        await copy.dispose()
        sealed.install(Keyring.from_json(Settings(database_url=url).keys, "test"))
    monkeypatch.setenv("HONGFAN_KEYS", Keyring.generate("other").to_json())
    with pytest.raises(startup.DatabaseProblem) as problem:
        startup.check_keyring(url)
    assert problem.value.code == "keys.unknown_key" and "密钥" in problem.value.message("zh")


def test_given_production_without_keys_then_it_refuses_to_start_and_development_keeps_one_key_file(
    tmp_path: Path,
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(
            {
                "HONGFAN_ENV": "production",
                "HONGFAN_SECRET_KEY": "s",
                "HONGFAN_DATABASE_URL": "sqlite:///x.db",
            }
        )
    assert refused.value.code == "settings.keys_required"
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hongfan.db'}", keys="", keyring_file=""
    )
    first = keys.resolve(settings)
    kept = keys.resolve(settings)  # the next start reads the same file
    assert (tmp_path / "hongfan.db.keys.json").exists() and first.to_json() == kept.to_json()
    assert oct((tmp_path / "hongfan.db.keys.json").stat().st_mode & 0o777) == "0o600"
    assert json.loads(first.to_json())["active"] == "k1"


def _insert_clear(path: Path, table: str, values: dict[str, object]) -> None:
    """A row as a database from before 0010 held it, NOT NULL columns filled with anything."""
    import sqlite3

    with sqlite3.connect(path) as connection:
        columns = connection.execute(f"PRAGMA table_info({table})").fetchall()
        row = dict(values)
        for _, name, kind, notnull, default, primary in columns:
            if name in row or primary or not notnull or default is not None:
                continue
            kind = str(kind).upper()
            row[name] = (
                1
                if "INT" in kind or "BOOL" in kind
                else "2024-01-01 00:00:00"
                if "DATE" in kind
                else "x"
            )
        names = ", ".join(row)
        connection.execute(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )  # noqa: S608


def test_given_rows_in_clear_from_before_0010_when_migrating_then_they_are_sealed_and_read_back(
    tmp_path: Path,
) -> None:
    from hongfan.migrate import downgrade, upgrade

    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0011_token_lineage")
    _insert_clear(path, "organisation", {"id": 1, "name": "湖里区", "path": "/1/"})
    _insert_clear(
        path,
        "scholarship_student",
        {
            "id": 1,
            "name": "旧数据",
            "id_number": ID_NUMBER,
            "phone": PHONE,
            "family_category": "registered_poor",
            "organisation_id": 1,
            "gender": "male",
        },
    )
    upgrade(url, "head")
    raw = path.read_bytes()
    assert ID_NUMBER.encode() not in raw and PHONE.encode() not in raw
    import sqlite3

    with sqlite3.connect(path) as connection:
        stored = connection.execute(
            "SELECT id_number, phone, family_category FROM scholarship_student"
        ).fetchone()
    ring = Keyring.from_json(Settings(database_url=url).keys, "HONGFAN_KEYS")
    assert [
        sealed.unseal(c, v, ring)
        for c, v in zip(("id_number", "phone", "family_category"), stored, strict=True)
    ] == [ID_NUMBER, PHONE, "registered_poor"]
    downgrade(url, "0011_token_lineage")  # and back, in clear, for a downgrade
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT id_number FROM scholarship_student").fetchone() == (
            ID_NUMBER,
        )


async def test_given_an_exact_lookup_by_id_number_over_graphql_then_each_one_is_audited_without_the_value(
    database: Database,
) -> None:
    http = await _admin_creates_a_student(database)
    query = "query($f: ScholarshipStudentFilter) { scholarshipStudents(filter: $f) { totalCount edges { node { name } } } }"
    async with contextlib.aclosing(http):
        for _ in range(2):  # the same request twice: planned, cached or replayed, still audited
            body = {
                "query": query,
                "variables": {
                    "f": {"or": [{"idNumber": {"eq": ID_NUMBER}}, {"phone": {"eq": PHONE}}]}
                },
            }
            found = (await http.post("/graphql", json=body)).json()
            assert found["data"]["scholarshipStudents"]["totalCount"] == 1
    async with database.session(SYSTEM) as session:
        from models import AuditEntry

        entries = list(
            (
                await session.execute(
                    sa.select(AuditEntry).where(AuditEntry.action == "lookup_sensitive")
                )
            ).scalars()
        )
    assert [e.changes for e in entries] == [
        {"fields": ["id_number", "phone"], "surface": "graphql"}
    ] * 2
    assert all(ID_NUMBER not in str(e.changes) for e in entries)
