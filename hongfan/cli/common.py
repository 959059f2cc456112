"""What every command group shares: the error a handler raises, the principal the CLI acts
as, and one write transaction around a piece of work."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from hongfan.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hongfan.principal import Principal

T = TypeVar("T")


class CommandError(Exception):
    """A message for stderr; the command exits with status 1."""


def cli_principal() -> Principal:
    """The system principal CLI commands act as, in the terminal's language."""
    import dataclasses

    from hongfan.principal import system

    lang = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return dataclasses.replace(
        system("cli"), language="zh" if lang.lower().startswith("zh") else "en"
    )


def in_database(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one write transaction; domain errors become a CommandError."""
    from hongfan.accounts import AUTH
    from hongfan.db import Database
    from hongfan.errors import HongfanError
    from hongfan.migrate import run_async

    async def run() -> T:
        db = Database(settings)
        try:
            async with db.transaction(AUTH) as session:
                return await work(session)
        except HongfanError as error:
            raise CommandError("; ".join(f"{e.field}: {e.message}" for e in error.errors)) from None
        finally:
            await db.dispose()

    return run_async(run)
