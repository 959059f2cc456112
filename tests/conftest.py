"""Shared fixtures: a fresh database per test, on SQLite and (when available) PostgreSQL.

PostgreSQL tests run against ``HONGFAN_TEST_POSTGRES_URL``. Without it they
skip with a reason — unless ``HONGFAN_REQUIRE_POSTGRES=1`` (set by .ci/run),
when a missing server fails the run instead of silently skipping.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from hongfan.db import Database, create_engine
from hongfan.settings import Settings, normalise_database_url

# One fixed keyring for sealed personal data (hongfan.keys): every Database the tests
# make, and every server process they start, reads it from the environment.
TEST_KEYS = '{"active": "test1", "keys": {"test1": "PVh4ng8IQ4_f_sKR_o1wtbyS-elxpVx2xRILhLbL0wI"}, "index_key": "-zsurqy1PNVe7oQ66qe3hCL2cjjFCM3wxYsKX8eJVc0"}'
os.environ.setdefault("HONGFAN_KEYS", TEST_KEYS)

POSTGRES_URL = os.environ.get("HONGFAN_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("HONGFAN_REQUIRE_POSTGRES", "") == "1"


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
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
        await connection.run_sync(SQLModel.metadata.create_all)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """An empty database with every table, created from the models."""
    settings = settings_for(database_url)
    engine = create_engine(settings)
    await _reset_schema(engine)
    db = Database(settings, engine)
    yield db
    await db.dispose()


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
    sa.event.listen(database.engine.sync_engine, "before_cursor_execute", counter)
    yield counter
    sa.event.remove(database.engine.sync_engine, "before_cursor_execute", counter)


__all__ = ["StatementCounter", "create_engine", "postgres_url", "settings_for"]
