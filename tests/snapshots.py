"""The demo network loaded once per test run and handed to each test as a fresh copy.

``load_demo`` writes a few thousand rows through the real write path: tens of seconds on a
loaded machine. Tests that only need the network in place (admin pages, the planner, the
fast lane, the browser tests) get a copy of it instead:

* SQLite: ``build_demo_file`` makes a file once; a test copies it over its own database.
* PostgreSQL: the first test loads the demo into its (empty) database, and every table is
  copied into the ``hongfan_demo_snapshot`` schema with the sequences' positions; later
  tests empty their tables and copy the rows back (triggers off: the tallies are copied
  as they were). The snapshot is made again when the schema it was taken from changed.

What a test gets is what ``load_demo`` with the default seed and DEMO_PASSWORD leaves,
except the partner's demo API token, which only ``load_demo``'s summary shows: tests
issue their own tokens.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from hongfan.db import Database, create_engine
from hongfan.demo import load_demo
from hongfan.settings import Settings

SNAPSHOT = "hongfan_demo_snapshot"

_TABLES = """
SELECT c.relname FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY c.relname
"""
_SEQUENCES = """
SELECT c.oid::regclass::text FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S' ORDER BY 1
"""


def build_demo_file(path: Path, settings: Settings) -> None:
    """A SQLite file at ``path`` with every table and the demo network (sync; own loop)."""

    async def build() -> None:
        engine = create_engine(settings)
        async with engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all)
        db = Database(settings, engine)
        try:
            await load_demo(db)
        finally:
            await db.dispose()  # the last connection closing folds the WAL into the file

    asyncio.run(build())


async def copy_sqlite(database: Database, source: Path) -> None:
    """Replace ``database``'s SQLite file by a copy of ``source``."""
    target = Path(database.engine.url.database or "")
    await database.engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


class PostgresDemo:
    """The demo network's rows, kept in a schema of their own on the test server."""

    def __init__(self) -> None:
        self.taken_for: str | None = None  # the schema digest the snapshot was taken from

    async def load(self, database: Database, fingerprint: str) -> None:
        """Fill ``database`` (empty, with the schema ``fingerprint``) with the demo network."""
        if self.taken_for == fingerprint:
            await _restore(database.engine)
            return
        await load_demo(database)
        await _take(database.engine)
        self.taken_for = fingerprint


async def _names(connection: AsyncConnection, query: str) -> list[str]:
    return [row[0] for row in (await connection.exec_driver_sql(query)).all()]


async def _take(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE")
        await connection.exec_driver_sql(f"CREATE SCHEMA {SNAPSHOT}")
        for table in await _names(connection, _TABLES):
            await connection.exec_driver_sql(
                f'CREATE TABLE {SNAPSHOT}."{table}" AS TABLE public."{table}"'
            )
        await connection.exec_driver_sql(
            f"CREATE TABLE {SNAPSHOT}.sequence_positions (name text, value bigint, called bool)"
        )
        for sequence in await _names(connection, _SEQUENCES):
            await connection.exec_driver_sql(
                f"INSERT INTO {SNAPSHOT}.sequence_positions "
                f"SELECT '{sequence}', last_value, is_called FROM {sequence}"
            )


async def _restore(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for table in await _names(connection, _TABLES):
            await connection.exec_driver_sql(
                f'INSERT INTO public."{table}" OVERRIDING SYSTEM VALUE '
                f'SELECT * FROM {SNAPSHOT}."{table}"'
            )
        await connection.exec_driver_sql(
            f"SELECT setval(name::regclass, value, called) FROM {SNAPSHOT}.sequence_positions"
        )


__all__ = ["SNAPSHOT", "PostgresDemo", "build_demo_file", "copy_sqlite"]
