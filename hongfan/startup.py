"""The database at start-up: does it answer, is it migrated, and if not, one line saying why.

``hongfan serve`` and every ``hongfan`` command that touches the database call
:func:`check_database` first; whatever goes wrong later is passed through :func:`explain`.
Both give a :class:`DatabaseProblem`, whose ``message(lang)`` names the database (never its
password, see :func:`hongfan.settings.describe_database`) and what to do. Drivers are
recognised only when already imported, so this module costs nothing to import.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from hongfan.settings import describe_database, normalise_database_url
from models.messages import message

CONNECT_TIMEOUT = 5.0  # seconds; a server that does not answer in this time counts as down


class DatabaseProblem(Exception):
    """The database cannot be used; ``message(lang)`` is one line naming it and what to do."""

    def __init__(self, code: str, url: str, **params: object) -> None:
        self.code = code
        self.params = {"database": describe_database(url), **params}
        super().__init__(message(code, "en", **self.params))

    def message(self, lang: str) -> str:
        return message(self.code, lang, **self.params)


def _chain(error: BaseException) -> list[BaseException]:
    """``error``, the driver's error SQLAlchemy wraps (``.orig``), and their causes."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo and len(seen) < 8:
        item = todo.pop(0)
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [getattr(item, "orig", None), item.__cause__, item.__context__]
    return seen


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _database_name(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(normalise_database_url(url)).database or ""


def _sqlite_problem(error: BaseException, url: str) -> DatabaseProblem:
    import sqlalchemy as sa

    path = Path(sa.make_url(normalise_database_url(url)).database or "").expanduser().absolute()
    if not path.parent.is_dir():
        return DatabaseProblem("db.sqlite_directory", url, directory=str(path.parent))
    return DatabaseProblem("db.sqlite_open", url, reason=_first_line(error))


def _postgres_problem(error: BaseException, url: str) -> DatabaseProblem | None:
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is None:
        return None
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return DatabaseProblem("db.missing", url, name=_database_name(url))
    if isinstance(
        error, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    ):
        return DatabaseProblem("db.credentials", url, reason=_first_line(error))
    if isinstance(error, asyncpg.UndefinedTableError):
        return DatabaseProblem("db.not_migrated", url)
    if isinstance(error, asyncpg.CannotConnectNowError | asyncpg.TooManyConnectionsError):
        return DatabaseProblem("db.unreachable", url, reason=_first_line(error))
    return None


def explain(error: BaseException, url: str) -> DatabaseProblem | None:
    """The DatabaseProblem behind ``error``, or None when it is not about reaching the database."""
    import socket

    sqlite3 = sys.modules.get("sqlite3")
    for item in _chain(error):
        if isinstance(item, DatabaseProblem):
            return item
        problem = _postgres_problem(item, url)
        if problem is not None:
            return problem
        if sqlite3 is not None and isinstance(item, sqlite3.OperationalError):
            text = str(item)
            if "no such table" in text:
                return DatabaseProblem("db.not_migrated", url)
            if "unable to open database file" in text:
                return _sqlite_problem(item, url)
        if isinstance(item, TimeoutError):
            return DatabaseProblem("db.timeout", url, seconds=int(CONNECT_TIMEOUT))
        if isinstance(item, ConnectionError | socket.gaierror):
            return DatabaseProblem("db.unreachable", url, reason=item.strerror or _first_line(item))
    return None


async def _revisions(url: str) -> set[str] | None:
    """The revisions in ``alembic_version``; None when the table does not exist."""
    import sqlalchemy as sa
    from sqlalchemy import pool
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(normalise_database_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            has_table = await connection.run_sync(
                lambda sync: sa.inspect(sync).has_table("alembic_version")
            )
            if not has_table:
                return None
            rows = await connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return {str(row[0]) for row in rows}
    finally:
        await engine.dispose()


def check_database(url: str, *, migrated: bool = True) -> None:
    """Raise DatabaseProblem unless the database answers (and, with ``migrated``, is at head).

    Takes at most :data:`CONNECT_TIMEOUT` seconds when the server does not answer.
    """
    import sqlalchemy as sa

    from hongfan.migrate import heads, known_revisions, run_async

    if sa.make_url(normalise_database_url(url)).get_backend_name() == "sqlite":
        path = Path(sa.make_url(normalise_database_url(url)).database or "").expanduser().absolute()
        if not path.parent.is_dir():
            raise DatabaseProblem("db.sqlite_directory", url, directory=str(path.parent))

    async def probe() -> set[str] | None:
        return await asyncio.wait_for(_revisions(url), CONNECT_TIMEOUT)

    try:
        current = run_async(probe)
    except Exception as error:
        problem = explain(error, url)
        if problem is None and isinstance(error, OSError):
            # e.g. asyncpg's "Multiple exceptions: …" when every address of a host refused
            problem = DatabaseProblem("db.unreachable", url, reason=_first_line(error))
        if problem is None:
            raise
        raise problem from error
    if not migrated:
        return
    if not current:
        raise DatabaseProblem("db.not_migrated", url)
    expected = heads()
    if current != expected:
        unknown = current - known_revisions()
        if unknown:
            raise DatabaseProblem("db.unknown_revision", url, current=", ".join(sorted(unknown)))
        raise DatabaseProblem(
            "db.behind", url, current=", ".join(sorted(current)), head=", ".join(sorted(expected))
        )
    check_keyring(url)


def check_keyring(url: str) -> None:
    """Raise DatabaseProblem when the keyring is missing or does not open the sealed data."""
    import os

    from sqlalchemy.ext.asyncio import create_async_engine

    from hongfan import keys
    from hongfan.migrate import run_async
    from hongfan.settings import Settings
    from models import sealed

    try:
        ring = keys.resolve(
            Settings(database_url=url, env=os.environ.get("HONGFAN_ENV", "development"))
        )
    except sealed.KeyringError as error:
        raise DatabaseProblem(error.code, url, **error.params) from None

    async def probe() -> None:
        engine = create_async_engine(normalise_database_url(url))
        try:
            async with engine.connect() as connection:
                await keys.verify(connection, ring)
        finally:
            await engine.dispose()

    try:
        run_async(probe)
    except sealed.KeyringError as error:
        raise DatabaseProblem(error.code, url, **error.params) from None


__all__ = ["CONNECT_TIMEOUT", "DatabaseProblem", "check_database", "explain"]
