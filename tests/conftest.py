"""Shared fixtures: a fresh database per test, on SQLite and (when available) PostgreSQL.

PostgreSQL tests run against ``HONGFAN_TEST_POSTGRES_URL``. Without it they
skip with a reason — unless ``HONGFAN_REQUIRE_POSTGRES=1`` (set by .ci/run),
when a missing server fails the run instead of silently skipping.

Every test gets an empty database with every table, as ``create_all`` makes it, but
without paying for ``create_all`` each time (it was most of the suite's time):

* SQLite: the tables are created once per run in a template file; each test gets a copy.
* PostgreSQL: the tables are created once; each test then starts from them emptied
  (every row deleted, every sequence restarted). A test that changed the schema itself
  (dropped a trigger, ran a migration, added a table) is noticed by a fingerprint of the
  catalogue, and the next test gets the schema rebuilt from the models instead.

Under pytest-xdist (``pytest -n 2 --dist loadfile``) each worker makes and drops a PostgreSQL
database of its own beside the given one; the default run is serial.

Password hashing runs with argon2's cheapest parameters in the test process (see
``_cheap_password_hashing``); the production parameters are checked by test_accounts.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from hongfan import passwords
from hongfan.db import Database, create_engine
from hongfan.demo import load_demo
from hongfan.settings import Settings, normalise_database_url
from tests.snapshots import PostgresDemo, build_demo_file, copy_sqlite

# One fixed keyring for sealed personal data (hongfan.keys): every Database the tests
# make, and every server process they start, reads it from the environment.
TEST_KEYS = '{"active": "test1", "keys": {"test1": "PVh4ng8IQ4_f_sKR_o1wtbyS-elxpVx2xRILhLbL0wI"}, "index_key": "-zsurqy1PNVe7oQ66qe3hCL2cjjFCM3wxYsKX8eJVc0"}'
os.environ.setdefault("HONGFAN_KEYS", TEST_KEYS)

# What production hashes with (argon2-cffi's RFC 9106 low-memory profile), kept for the test
# that checks it; the tests themselves hash with the cheapest argon2id parameters. A real hash
# takes ~0.1 s alone and over a second on a loaded 2-core machine, and the tests create and
# sign in hundreds of users: that was minutes of the suite. Server processes the tests start
# (uvicorn subprocesses) keep the production parameters.
PRODUCTION_HASHER = passwords._hasher


def _cheap_password_hashing() -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords._hasher = cheap
    passwords.DUMMY_HASH = cheap.hash("no account has this password")


_cheap_password_hashing()

POSTGRES_URL = os.environ.get("HONGFAN_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("HONGFAN_REQUIRE_POSTGRES", "") == "1"
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1 … under pytest -n N


async def _admin(url: str, *statements: str) -> None:
    import asyncpg

    plain = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(plain, timeout=10)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker tests against a PostgreSQL database of its own, made
    beside the given one (same server and user) and dropped when the worker finishes."""
    given = sa.make_url(normalise_database_url(url))
    name = f"{given.database}_{worker}"
    asyncio.run(
        _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    )
    return given.set(database=name).render_as_string(hide_password=False)


if POSTGRES_URL and WORKER:
    GIVEN_POSTGRES_URL = POSTGRES_URL
    POSTGRES_URL = _worker_database(POSTGRES_URL, WORKER)
    os.environ["HONGFAN_TEST_POSTGRES_URL"] = POSTGRES_URL


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if POSTGRES_URL and WORKER:
        name = sa.make_url(POSTGRES_URL).database
        asyncio.run(_admin(GIVEN_POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def postgres_url() -> str:
    """The PostgreSQL test URL, or skip (fail in CI) when there is none."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("HONGFAN_REQUIRE_POSTGRES=1 but HONGFAN_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured: set HONGFAN_TEST_POSTGRES_URL to run these tests")
    return normalise_database_url(POSTGRES_URL)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    return postgres_url()


def settings_for(url: str) -> Settings:
    # A generous statement deadline: six test runs share two cores here, and a statement
    # five times slower than alone must not fail a test. tests/hostile sets tight ones.
    return Settings(database_url=url, secret_key="test-secret", statement_timeout_ms=60_000)


async def _reset_schema(engine: AsyncEngine) -> None:
    """Every table, from the models, in an empty schema (PostgreSQL: the old one dropped)."""
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
        await connection.run_sync(SQLModel.metadata.create_all)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every table and nothing else, made once per run; tests copy it."""
    path = tmp_path_factory.mktemp("template") / "blank.db"

    async def build() -> None:
        engine = create_engine(settings_for(f"sqlite+aiosqlite:///{path}"))
        try:
            await _reset_schema(engine)
        finally:
            await engine.dispose()  # the last connection closing folds the WAL into the file

    asyncio.run(build())
    return path


# A digest of what create_all makes in PostgreSQL's public schema: tables, columns, defaults,
# constraints, indexes, triggers (and whether they are enabled), functions. Equal digests mean
# the schema is as the models make it and emptying the tables gives a fresh database.
_PG_FINGERPRINT = """
SELECT md5(coalesce(string_agg(item, ' | ' ORDER BY item), '')) FROM (
  SELECT 'rel ' || c.relname || ' ' || c.relkind::text
    FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
         || ' ' || a.attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'con ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'idx ' || pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
   WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'trg ' || pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
  UNION ALL
  SELECT 'fn ' || p.oid::regprocedure::text || ' ' || md5(p.prosrc)
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
) AS items(item)
"""

# Every row of every table deleted (triggers and foreign keys off meanwhile: the tally
# triggers must not count the deletions, and the order of tables does not matter), every
# sequence back at its start: what a test sees is what create_all leaves.
_PG_EMPTY = """
DO $empty$
DECLARE
  name regclass;
BEGIN
  SET LOCAL session_replication_role = replica;
  FOR name IN SELECT c.oid::regclass FROM pg_class c
               WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') LOOP
    EXECUTE format('DELETE FROM %s', name);
  END LOOP;
  FOR name IN SELECT c.oid::regclass FROM pg_class c
               WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S' LOOP
    EXECUTE format('ALTER SEQUENCE %s RESTART', name);
  END LOOP;
END
$empty$
"""


class _PostgresBlank:
    """The PostgreSQL test database's schema as create_all made it, known by its digest."""

    fingerprint: str | None = None

    @classmethod
    async def prepare(cls, engine: AsyncEngine) -> None:
        if cls.fingerprint is not None and await cls._empty_if_unchanged(engine):
            return
        await _reset_schema(engine)
        async with engine.begin() as connection:
            cls.fingerprint = (await connection.exec_driver_sql(_PG_FINGERPRINT)).scalar_one()

    @classmethod
    async def _empty_if_unchanged(cls, engine: AsyncEngine) -> bool:
        try:
            async with engine.begin() as connection:
                now = (await connection.exec_driver_sql(_PG_FINGERPRINT)).scalar_one()
                if now != cls.fingerprint:
                    return False
                await connection.exec_driver_sql(_PG_EMPTY)
                return True
        except sa.exc.DBAPIError:  # e.g. a user who may not turn triggers off: rebuild
            return False


@pytest.fixture
async def database(database_url: str, sqlite_template: Path) -> AsyncIterator[Database]:
    """An empty database with every table, as the models make them."""
    settings = settings_for(database_url)
    if database_url.startswith("sqlite"):
        shutil.copyfile(sqlite_template, sa.make_url(database_url).database or "")
        engine = create_engine(settings)
    else:
        engine = create_engine(settings)
        await _PostgresBlank.prepare(engine)
    db = Database(settings, engine)
    yield db
    await db.dispose()


# -- the demo network, loaded once --------------------------------------------------------


@dataclass
class DemoCache:
    """Where the run keeps its loaded demo network: a SQLite file, a PostgreSQL snapshot."""

    directory: Path
    sqlite_file: Path | None = None
    postgres: PostgresDemo = field(default_factory=PostgresDemo)

    @property
    def wanted_file(self) -> Path:
        return self.directory / "demo.db"


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> DemoCache:
    return DemoCache(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def demo_file(demo_cache: DemoCache) -> Path:
    """A SQLite file with every table and the demo network (load_demo), built once per run:
    copy it, never write to it."""
    if demo_cache.sqlite_file is None:
        path = demo_cache.wanted_file
        build_demo_file(path, settings_for(f"sqlite+aiosqlite:///{path}"))
        demo_cache.sqlite_file = path
    return demo_cache.sqlite_file


@pytest.fixture
async def demo_database(database: Database, demo_cache: DemoCache) -> Database:
    """The test's database with the demo network in it, as ``load_demo(database)`` leaves it
    (the partner's demo API token aside): loaded by the first test, copied for the others."""
    if database.dialect == "sqlite":
        if demo_cache.sqlite_file is None:
            await load_demo(database)
            await database.engine.dispose()
            shutil.copyfile(database.engine.url.database or "", demo_cache.wanted_file)
            demo_cache.sqlite_file = demo_cache.wanted_file
        else:
            await copy_sqlite(database, demo_cache.sqlite_file)
    else:
        assert _PostgresBlank.fingerprint is not None
        await demo_cache.postgres.load(database, _PostgresBlank.fingerprint)
    return database


class StatementCounter:
    """Counts SQL statements sent to the database, BEGIN/COMMIT included."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def sql_counter(database: Database) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    for engine in database.engines:  # reads and, on PostgreSQL, writes
        sa.event.listen(engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    for engine in database.engines:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", counter)


__all__ = [
    "PRODUCTION_HASHER",
    "DemoCache",
    "StatementCounter",
    "create_engine",
    "postgres_url",
    "settings_for",
]
