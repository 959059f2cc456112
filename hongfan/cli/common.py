"""What every command group shares: the error a handler raises, the language and principal
the CLI acts as, and one write transaction around a piece of work.

The language policy: Simplified Chinese unless ``--lang en`` (on any command) or
``HONGFAN_LANG=en``; every text comes from the one catalogue, :mod:`models.messages`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from hongfan.settings import Settings, SettingsError
from models.messages import LANGUAGES, message

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hongfan.principal import Principal

T = TypeVar("T")


class CommandError(Exception):
    """An expected failure: one line on stderr, exit status ``status`` (1 by default).

    ``code`` is a catalogue code (its ``params`` fill the placeholders); text that is not a
    code, e.g. a message already rendered in the right language, is printed as it is.
    """

    def __init__(self, code: str, *, status: int = 1, **params: object) -> None:
        super().__init__(message(code, "en", **params))
        self.code = code
        self.params = params
        self.status = status

    def message(self, lang: str) -> str:
        return message(self.code, lang, **self.params)


def env_language(environ: Mapping[str, str] | None = None) -> str:
    """``HONGFAN_LANG`` (``zh`` or ``en``); Chinese when unset."""
    value = (os.environ if environ is None else environ).get("HONGFAN_LANG", "").strip().lower()
    if value == "":
        return "zh"
    if value not in LANGUAGES:
        raise SettingsError("settings.language", value=value)
    return value


def language(args: argparse.Namespace) -> str:
    """The language of this command's messages: ``--lang``, else ``HONGFAN_LANG``, else zh."""
    chosen = getattr(args, "lang", None)
    return chosen if chosen in LANGUAGES else env_language()


def say(args: argparse.Namespace, code: str, **params: object) -> str:
    """The catalogue's text for ``code`` in this command's language."""
    return message(code, language(args), **params)


def cli_principal(lang: str) -> Principal:
    """The system principal CLI commands act as (``system:cli`` in the audit log)."""
    import dataclasses

    from hongfan.principal import system

    return dataclasses.replace(system("cli"), language=lang)


def in_database(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one write transaction. Domain errors (already in the principal's
    language) reach the top-level handler, which prints them as one line."""
    from hongfan.accounts import AUTH
    from hongfan.db import Database
    from hongfan.migrate import run_async

    async def run() -> T:
        db = Database(settings)
        try:
            async with db.transaction(AUTH) as session:
                return await work(session)
        finally:
            await db.dispose()

    return run_async(run)
