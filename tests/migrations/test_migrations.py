"""The Alembic migrations build exactly the schema the models declare, on both databases.

PostgreSQL runs in a throwaway database made for each test on the server of
``HONGFAN_TEST_POSTGRES_URL`` (and dropped afterwards), so migrating never
touches the schema other tests share.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel, select

import models  # noqa: F401  (registers every table)
from hongfan import migrate
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import Organisation, OrganisationKind, OrganisationLevel
from models.search import gram_indexed
from models.search_sqlite import is_index_table
from tests.conftest import postgres_url, settings_for

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


# -- a throwaway PostgreSQL database ------------------------------------------------


async def _admin(url: sa.URL, sql: str) -> None:
    """Run ``sql`` outside a transaction on the server's maintenance database.

    Falls back to the configured database itself when ``postgres`` is not open to us.
    """
    last: Exception | None = None
    for database in ("postgres", url.database):
        engine = create_async_engine(
            url.set(database=database), isolation_level="AUTOCOMMIT", poolclass=pool.NullPool
        )
        try:
            async with engine.connect() as connection:
                await connection.exec_driver_sql(sql)
            return
        except (OSError, sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            last = exc  # could not connect there: try the next database
        finally:
            await engine.dispose()
    assert last is not None
    raise last


async def _drop_database(url: sa.URL, name: str) -> None:
    try:
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    except sa.exc.ProgrammingError:  # PostgreSQL < 13 has no WITH (FORCE)
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def throwaway_postgres() -> Iterator[str]:
    server = sa.make_url(postgres_url())
    name = f"hongfan_migrations_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_drop_database(server, name))


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    return str(request.getfixturevalue("throwaway_postgres"))


# -- helpers -------------------------------------------------------------------------


def _with_connection(url: str, fn: Any) -> Any:
    """Run ``fn(sync_connection)`` on a fresh async engine, the way env.py does."""

    async def run() -> Any:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(fn)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _schema_diff(connection: sa.Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts=migrate.context_options(connection.dialect.name)
    )
    return list(compare_metadata(context, SQLModel.metadata))


def _tables(connection: sa.Connection) -> set[str]:
    """The tables, less SQLite's name search tables (models/search_sqlite.py)."""
    return {t for t in sa.inspect(connection).get_table_names() if not is_index_table(t)}


def _search_index_sql(connection: sa.Connection) -> list[tuple[str, str]]:
    """The SQL of SQLite's name search tables and their triggers, as the database keeps it."""
    rows = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE name LIKE 'fts~_%' ESCAPE '~' AND sql IS NOT NULL"
        " ORDER BY name"
    )
    return [(str(name), str(sql)) for name, sql in rows]


# -- tests ---------------------------------------------------------------------------


def test_upgrade_head_matches_the_models(url: str) -> None:
    assert migrate.current(url) is None
    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()

    assert _with_connection(url, _schema_diff) == []
    assert _with_connection(url, _tables) == set(SQLModel.metadata.tables) | {"alembic_version"}


def test_downgrade_to_base_drops_everything_and_upgrade_again(url: str) -> None:
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    assert migrate.current(url) is None
    assert _with_connection(url, _tables) == {"alembic_version"}

    migrate.upgrade(url)
    assert migrate.current(url) == migrate.head()
    assert _with_connection(url, _schema_diff) == []


def test_a_migrated_database_stores_and_reads_an_organisation(url: str) -> None:
    migrate.upgrade(url)

    async def roundtrip() -> Organisation:
        db = Database(settings_for(url))
        try:
            async with db.transaction(SYSTEM) as session:
                root = Organisation(
                    name="厦门市计生协", level=OrganisationLevel.CITY, published=True
                )
                session.add(root)
                await session.flush()
                child = Organisation(
                    name="思明区计生协",
                    level=OrganisationLevel.DISTRICT,
                    parent_id=root.id,
                    path=f"/{root.id}/",
                )
                session.add(child)
            async with db.session(SYSTEM) as session:
                result = await session.execute(
                    select(Organisation).where(Organisation.path.like(f"/{root.id}/%"))  # type: ignore[attr-defined]
                )
                return result.scalars().one()
        finally:
            await db.dispose()

    found = asyncio.run(roundtrip())
    assert found.name == "思明区计生协"
    assert found.kind is OrganisationKind.ASSOCIATION
    assert found.level is OrganisationLevel.DISTRICT
    assert found.version == 1
    assert found.created_at.tzinfo is not None
    assert found.deleted_at is None


@pytest.mark.postgres
def test_postgresql_gets_the_pattern_ops_index_on_path(throwaway_postgres: str) -> None:
    """Alembic does not compare operator classes, so look at the index itself."""
    migrate.upgrade(throwaway_postgres)

    def indexdef(connection: sa.Connection) -> str | None:
        return connection.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_organisation_path_pattern'"
        ).scalar()

    definition = _with_connection(throwaway_postgres, indexdef)
    assert definition is not None and "varchar_pattern_ops" in definition


@pytest.mark.postgres
def test_every_searched_name_gets_the_finer_statistics_sample(throwaway_postgres: str) -> None:
    """Given a database built by the migrations, every column with a grams index (the names
    people search) has ANALYZE's finer sample, as ``create_all`` gives it: the planner's
    estimate of a frequent term stays right, so its first page walks the name order (#16.5)
    — a searched name added later without a migration setting it fails here."""
    migrate.upgrade(throwaway_postgres)

    def targets(connection: sa.Connection) -> set[tuple[str, str, int]]:
        rows = connection.exec_driver_sql(
            "SELECT c.relname, a.attname, a.attstattarget FROM pg_attribute a"
            " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attstattarget > 0"
        )
        return {(t, c, int(v)) for t, c, v in rows.all()}

    expected = {
        (table.name, column, 1000)
        for table in SQLModel.metadata.sorted_tables
        for column in gram_indexed(table)
    }
    assert expected and _with_connection(throwaway_postgres, targets) == expected


def test_sqlite_has_no_postgresql_only_index(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    migrate.upgrade(url)

    def index_names(connection: sa.Connection) -> set[str]:
        return {str(i["name"]) for i in sa.inspect(connection).get_indexes("organisation")}

    names = _with_connection(url, index_names)
    assert "ix_organisation_path" in names
    assert "ix_organisation_path_pattern" not in names


def test_sqlite_gets_the_same_name_search_index_from_the_migrations_as_from_the_models(
    tmp_path: Path,
) -> None:
    """Given a database migrated to head and one made by create_all, then both hold the
    same name search tables and triggers: migration 0014's frozen list is what the column
    declarations (models.search.gram_indexed) give, for every table with searched names."""
    migrated = f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}"
    migrate.upgrade(migrated)
    created = f"sqlite+aiosqlite:///{tmp_path / 'created.db'}"

    async def create_all() -> None:
        engine = create_async_engine(created, poolclass=pool.NullPool)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(SQLModel.metadata.create_all)
        finally:
            await engine.dispose()

    asyncio.run(create_all())

    from_migrations = _with_connection(migrated, _search_index_sql)
    assert from_migrations == _with_connection(created, _search_index_sql)
    searched = {t.name for t in SQLModel.metadata.tables.values() if gram_indexed(t)}
    assert {name for name, _ in from_migrations if name in {f"fts_{t}" for t in searched}} == {
        f"fts_{t}" for t in searched
    }


def test_upgrade_on_a_connection_the_caller_passes(tmp_path: Path) -> None:
    """env.py migrates on ``config.attributes["connection"]`` inside the caller's transaction."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"

    def upgrade_here(connection: sa.Connection) -> None:
        config = migrate.alembic_config(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async def run() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(upgrade_here)
        finally:
            await engine.dispose()

    asyncio.run(run())
    assert migrate.current(url) == migrate.head()
    assert not (tmp_path / "unused.db").exists()


@pytest.mark.postgres
def test_autogenerate_writes_the_grams_index_of_a_searched_name(throwaway_postgres: str) -> None:
    """Given a name declared ``pinyin=`` (a name people search for), when its grams index is
    missing from the database, then autogenerate proposes it: a new type's migration gets
    its PostgreSQL-only search index without anyone writing it by hand."""
    migrate.upgrade(throwaway_postgres)

    def drop_and_compare(connection: sa.Connection) -> list[Any]:
        connection.exec_driver_sql("DROP INDEX ix_company_name_grams")
        return _schema_diff(connection)

    diff = _with_connection(throwaway_postgres, drop_and_compare)
    assert [(op[0], op[1].name) for op in diff] == [("add_index", "ix_company_name_grams")]


def test_every_searched_name_is_declared_with_its_grams_index() -> None:
    """The grams indexes come from the declarations: each ``pinyin=`` column has one."""
    from models.search import GRAMS, gram_indexed

    for table in SQLModel.metadata.tables.values():
        names = {str(index.name) for index in table.indexes}
        for column in gram_indexed(table):
            assert f"ix_{table.name}_{column}_grams" in names
        for column in table.columns:
            if getattr(column.info.get("meta"), "pinyin", None):
                assert column.info.get(GRAMS), f"{table.name}.{column.name}"
