"""Alembic environment for Hongfan: async engines, SQLModel metadata, SQLite and PostgreSQL.

Where the database comes from, first match wins:

1. ``config.attributes["connection"]``: a synchronous :class:`sqlalchemy.engine.Connection`
   handed over by the caller (from async code, the one ``AsyncConnection.run_sync`` gives);
   the caller owns its transaction.
2. the ``sqlalchemy.url`` main option (set by :func:`hongfan.migrate.alembic_config`);
3. ``HONGFAN_DATABASE_URL``, through :meth:`hongfan.settings.Settings.from_env`.
"""

from __future__ import annotations

from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from hongfan.migrate import context_options, run_async
from hongfan.settings import Settings, normalise_database_url

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return normalise_database_url(url)
    return Settings.from_env().database_url


def run_migrations_offline() -> None:
    """Write the SQL instead of running it (``alembic upgrade head --sql``)."""
    url = database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(sa.make_url(url).get_backend_name()),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        **context_options(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_async_engine(database_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        run_async(run_async_migrations)
    elif isinstance(connection, sa.Connection):
        do_run_migrations(connection)
    else:
        raise TypeError(
            "config.attributes['connection'] must be a synchronous sqlalchemy Connection; "
            "from async code pass the one `await async_connection.run_sync(fn)` hands to fn"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
