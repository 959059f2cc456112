"""Alembic environment for Hongfan: async engines, SQLModel metadata, both databases.

The database URL comes from, in order: a connection handed over by the caller in
``config.attributes["connection"]`` (a synchronous :class:`sqlalchemy.engine.Connection`,
e.g. from ``AsyncConnection.run_sync``), the ``sqlalchemy.url`` main option (set by
:func:`hongfan.migrate.alembic_config` or ``alembic -x``-free ini files), or
``HONGFAN_DATABASE_URL`` through :class:`hongfan.settings.Settings`.
"""

from __future__ import annotations

import asyncio
import threading
from logging.config import fileConfig
from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models.base import Money, UTCDateTime

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def database_url() -> str:
    from hongfan.settings import Settings, normalise_database_url

    url = config.get_main_option("sqlalchemy.url")
    if url:
        return normalise_database_url(url)
    return Settings.from_env().database_url


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render Hongfan's column types as importable expressions in migration scripts."""
    if type_ == "type" and isinstance(obj, UTCDateTime | Money):
        # script.py.mako imports models.base (and sqlmodel, for AutoString)
        return f"models.base.{type(obj).__name__}()"
    return False


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave out of the comparison what ``create_all`` would not create on this database.

    Objects declared with ``.ddl_if(dialect=...)`` — the PostgreSQL-only
    ``varchar_pattern_ops`` index on organisation.path — exist only on that dialect.
    """
    if not reflected:
        ddl_if = getattr(obj, "_ddl_if", None)
        dialect = context.get_context().dialect
        if ddl_if is not None and ddl_if.dialect is not None:
            allowed = (ddl_if.dialect,) if isinstance(ddl_if.dialect, str) else ddl_if.dialect
            if dialect.name not in allowed:
                return False
    return True


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        render_item=render_item,
        include_object=include_object,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade head --sql``)."""
    url = database_url()
    _configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=sa.make_url(url).get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: sa.Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
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


def _run_in_fresh_loop() -> None:
    """``asyncio.run`` — on a worker thread when this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run_async_migrations())
        return
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(run_async_migrations())
        except BaseException as exc:  # re-raised on the calling thread
            errors.append(exc)

    worker = threading.Thread(target=target, name="alembic-migrations")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        _run_in_fresh_loop()
    elif isinstance(connection, sa.Connection):
        do_run_migrations(connection)
    else:
        raise TypeError(
            "config.attributes['connection'] must be a synchronous sqlalchemy Connection; "
            "from an AsyncConnection pass the one `await conn.run_sync(...)` gives you"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
