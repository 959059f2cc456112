"""Schema migrations without alembic.ini: what ``hongfan db upgrade`` calls.

The Alembic configuration is built in code, with ``script_location`` pointing at
the installed ``migrations`` package, so an installed Hongfan migrates its
database from any working directory. These functions are synchronous and run
their own event loop (``migrations/env.py`` uses ``asyncio.run``); call them
from a CLI, or from async code through ``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

import migrations
from hongfan import keys
from hongfan.settings import Settings, normalise_database_url
from models.base import Money, UTCDateTime
from models.sealed import Sealed
from models.search_sqlite import is_index_table

MIGRATIONS_DIR = Path(migrations.__file__).parent

T = TypeVar("T")


def run_async(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(coroutine())``, on a worker thread when this thread already runs a loop.

    Lets the synchronous commands below (and migrations/env.py) be called from async
    code too, e.g. a test or an app start-up hook, without "asyncio.run() cannot be
    called from a running event loop".
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine())
    results: list[T] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            results.append(asyncio.run(coroutine()))
        except BaseException as exc:  # re-raised on the calling thread
            errors.append(exc)

    worker = threading.Thread(target=work, name="hongfan-migrate")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    return results[0]


# -- how migrations are rendered and compared (used by migrations/env.py and the tests) --


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render Hongfan's column types as the plain SQL types they store.

    Migrations are frozen history and never import ``models`` (tests/migrations/
    test_frozen.py): ``UTCDateTime`` is stored as ``sa.DateTime(timezone=True)`` and
    ``Money`` as ``sa.BigInteger()`` (whole fen), which is all a migration needs to know.
    ``sqlmodel``'s ``AutoString`` Alembic renders by module path on its own.
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Money):
        return "sa.BigInteger()"
    if type_ == "type" and isinstance(obj, Sealed):
        return "sa.String(255)"
    return False


def include_object_for(dialect_name: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Leave out of comparisons what ``create_all`` would not create on this dialect.

    Schema items declared with ``.ddl_if(dialect=...)`` — the PostgreSQL-only
    ``varchar_pattern_ops`` index on organisation.path — exist on that dialect only.
    SQLite's name search tables (``fts_<table>`` and their shadow tables, made with the
    tables they index: models/search_sqlite.py) are no models' tables.
    """

    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "table" and reflected and compare_to is None and is_index_table(name or ""):
            return False
        ddl_if = None if reflected else getattr(obj, "_ddl_if", None)
        if ddl_if is None or ddl_if.dialect is None:
            return True
        allowed = (ddl_if.dialect,) if isinstance(ddl_if.dialect, str) else tuple(ddl_if.dialect)
        return dialect_name in allowed

    return include_object


def context_options(dialect_name: str) -> dict[str, Any]:
    """``MigrationContext`` options: the same for migrating, autogenerate and checks."""
    return {
        "compare_type": True,
        "render_item": render_item,
        "include_object": include_object_for(dialect_name),
        # SQLite alters tables by copying them; batch mode makes later migrations portable.
        "render_as_batch": dialect_name == "sqlite",
    }


# -- commands ------------------------------------------------------------------------


def alembic_config(database_url: str, *, keyring: bool = True) -> Config:
    """An Alembic configuration for ``database_url``, independent of the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # Config options pass through ConfigParser interpolation: a percent-encoded
    # password ("p%40ss") must reach env.py intact.
    url = normalise_database_url(database_url)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # Data migrations that seal personal data (0010) need the keyring; never the database's.
    settings = Settings(database_url=url, env=os.environ.get("HONGFAN_ENV", "development"))
    if keyring:  # not to list the scripts: that made a stray ./hongfan.keys.json
        config.attributes["keyring"] = keys.resolve(settings).to_json()
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate the database forward to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Migrate the database back to ``revision`` (``"base"`` drops every table)."""
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    """The revision the database is at; None when it has never been migrated."""

    async def read() -> str | None:
        engine = create_async_engine(normalise_database_url(database_url), poolclass=pool.NullPool)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
        finally:
            await engine.dispose()

    return run_async(read)


def head() -> str | None:
    """The newest revision in the migration scripts."""
    return _scripts().get_current_head()


def _scripts() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://", keyring=False))


def heads() -> set[str]:
    """Every head revision of the migration scripts (one, unless two branches meet)."""
    return set(_scripts().get_heads())


def known_revisions() -> set[str]:
    """Every revision id the migration scripts define."""
    return {script.revision for script in _scripts().walk_revisions()}


@dataclass(frozen=True)
class Revision:
    """One migration script, for ``hongfan db history``."""

    revision: str
    down_revision: str | None
    title: str  # the first line of its docstring


def history() -> list[Revision]:
    """The migration scripts, oldest first."""
    revisions = []
    for script in _scripts().walk_revisions():
        down = script.down_revision
        title = (script.doc or "").strip().splitlines()
        revisions.append(
            Revision(
                str(script.revision),
                ", ".join(down) if isinstance(down, tuple) else down,
                title[0] if title else "",
            )
        )
    return revisions[::-1]


def create_database(database_url: str) -> bool:
    """Create the database ``database_url`` names; False when it exists already.

    PostgreSQL: connects to the server's ``postgres`` database with the same user and runs
    ``CREATE DATABASE`` (the user needs CREATEDB; the server's refusal is raised as a
    ``DatabaseProblem`` saying what the administrator must run). SQLite: creates the file.
    """
    import sqlalchemy as sa

    url = sa.make_url(normalise_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        return run_async(lambda: _create_sqlite(database_url))
    return run_async(lambda: _create_postgres(database_url))


async def _create_sqlite(database_url: str) -> bool:
    import sqlalchemy as sa

    path = sa.make_url(normalise_database_url(database_url)).database or ""
    existed = path not in {"", ":memory:"} and Path(path).exists()
    engine = create_async_engine(normalise_database_url(database_url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")
    finally:
        await engine.dispose()
    return not existed


async def _create_postgres(database_url: str) -> bool:
    import asyncpg
    import sqlalchemy as sa

    from hongfan.startup import CONNECT_TIMEOUT, DatabaseProblem

    url = sa.make_url(normalise_database_url(database_url))
    name = url.database or ""
    try:  # there already? (the user may not be allowed into the server's other databases)
        existing = await asyncpg.connect(
            url.set(drivername="postgresql").render_as_string(hide_password=False),
            timeout=CONNECT_TIMEOUT,
        )
    except asyncpg.InvalidCatalogNameError:
        pass
    else:
        await existing.close()
        return False
    server = url.set(drivername="postgresql", database="postgres")
    try:
        connection = await asyncpg.connect(
            server.render_as_string(hide_password=False), timeout=CONNECT_TIMEOUT
        )
    except asyncpg.InvalidCatalogNameError:  # a server without the "postgres" database
        server = server.set(database="template1")
        connection = await asyncpg.connect(
            server.render_as_string(hide_password=False), timeout=CONNECT_TIMEOUT
        )
    try:
        if await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        try:
            await connection.execute(f"CREATE DATABASE {quoted}")
        except asyncpg.InsufficientPrivilegeError as error:
            raise DatabaseProblem(
                "db.create_refused",
                database_url,
                name=name,
                user=url.username or "",
                reason=str(error),
            ) from error
        return True
    finally:
        await connection.close()


__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "context_options",
    "create_database",
    "current",
    "downgrade",
    "head",
    "heads",
    "history",
    "known_revisions",
    "include_object_for",
    "render_item",
    "run_async",
    "upgrade",
]
