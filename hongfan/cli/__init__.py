"""The ``hongfan`` command: ``main`` parses the arguments and runs one command's handler.

Each command group lives in its own module with a ``register(subparsers)`` function that
adds its commands; every command sets ``handler(settings, args) -> int`` (the exit status).
To add a group, write the module and add one line to :data:`COMMAND_GROUPS`. Handlers
import what they need lazily, so ``hongfan --help`` and argument errors stay fast.

What ``main`` does around every handler (see :mod:`hongfan.cli.failures`):

- ``--lang zh|en`` and ``--debug`` on every command (``HONGFAN_LANG`` is the default language;
  Chinese when unset);
- before a command that uses the database, :func:`hongfan.startup.check_database`: the
  database answers and is migrated, or one line says which database and what to do. A
  command declares what it needs with ``set_defaults(database=…)``: ``"migrated"`` (the
  default), ``"connect"`` (answers; e.g. ``db upgrade``), ``"none"`` (no database, e.g.
  ``schema``) or ``"create"`` (not even that: ``db create``);
- after it succeeded, which database it used, on stderr (unless its own output said so:
  ``set_defaults(names_database=True)``);
- every expected failure is one line on stderr and exit status 1 (2 for usage errors,
  130 when interrupted); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn

from hongfan.cli.common import CommandError, env_language, language
from hongfan.settings import Settings, SettingsError, describe_database
from models.messages import LANGUAGES, message

# One line per command group: "module:function", the function taking the subparsers
# action of the top-level parser. Order is the order of ``hongfan --help``.
COMMAND_GROUPS: tuple[str, ...] = (
    "hongfan.cli.serve:register",
    "hongfan.cli.database:register",
    "hongfan.cli.demo:register",
    "hongfan.cli.users:register",
    "hongfan.cli.tokens:register",
    "hongfan.cli.keys:register",
    "hongfan.cli.retention:register",
    "hongfan.cli.schema:register",
    "hongfan.transfer.cli:add_io_commands",
)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line in the command's language."""

    language = "zh"

    def error(self, text: str) -> NoReturn:
        line = message("cli.usage", self.language, message=f"{self.prog}: {text}", prog=self.prog)
        self.exit(2, line + "\n")


def _leaf_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """The parsers of runnable commands (``db upgrade``, ``serve``, …), however deep."""
    # argparse keeps subcommands in a private action type; this is its documented shape.
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not actions:
        yield parser
    for action in actions:
        for child in dict.fromkeys(action.choices.values()):
            yield from _leaf_parsers(child)


def _add_common_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # On a subcommand the default is SUPPRESS, so `hongfan --lang en db current` keeps the
    # top-level value; a command that declares its own --lang keeps its own.
    known = parser._option_string_actions
    default: Any = None if top else argparse.SUPPRESS
    if "--lang" not in known:
        parser.add_argument(
            "--lang",
            choices=LANGUAGES,
            default=default,
            help="language of messages: zh (default) or en; HONGFAN_LANG sets the default",
        )
    if "--debug" not in known:
        parser.add_argument(
            "--debug",
            action="store_true",
            default=False if top else argparse.SUPPRESS,
            help="show the traceback of a failure",
        )


def _register(spec: str, commands: Any) -> None:
    module_name, _, function = spec.partition(":")
    getattr(importlib.import_module(module_name), function or "register")(commands)


def build_parser(lang: str = "zh") -> argparse.ArgumentParser:
    parser_class = type("Parser", (_Parser,), {"language": lang})
    parser = parser_class(prog="hongfan", description="Hongfan (红帆) headless CMS")
    _add_common_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True)
    for spec in COMMAND_GROUPS:
        _register(spec, commands)
    for leaf in _leaf_parsers(parser):
        if leaf is not parser:
            _add_common_options(leaf, top=False)
    return parser


def _prescan_language(argv: Sequence[str]) -> str:
    """The language asked for, before argparse runs (its own errors need one)."""
    for index, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else None
        if arg == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        if value in LANGUAGES:
            return value
    try:
        return env_language()
    except ValueError:
        return "zh"


def _run(args: argparse.Namespace, lang: str) -> int:
    from hongfan.cli.failures import Failed

    url: str | None = None
    try:
        settings = Settings.from_env()
        needs = getattr(args, "database", "migrated")
        if needs != "none":
            url = settings.database_url
        if needs in {"connect", "migrated"}:
            from hongfan.startup import check_database

            check_database(settings.database_url, migrated=needs == "migrated")
        status = int(args.handler(settings, args))
    except (Exception, KeyboardInterrupt) as error:
        raise Failed(error, url) from error
    if status == 0 and url is not None and not getattr(args, "names_database", False):
        print(message("cli.database", lang, database=describe_database(url)), file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    from hongfan.cli.failures import Failed, one_line

    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _prescan_language(argv)
    args = build_parser(lang).parse_args(argv)
    try:
        lang = language(args)
    except SettingsError as error:  # HONGFAN_LANG=fr
        print(f"hongfan: {error.message('zh')}", file=sys.stderr)
        return 1
    args.lang = lang  # resolved: handlers (and hongfan.io_cli) read args.lang
    try:
        return _run(args, lang)
    except Failed as failed:
        if getattr(args, "debug", False):
            raise failed.error from None
        text, status = one_line(failed.error, lang, failed.url)
        print(f"hongfan: {text}", file=sys.stderr)
        return status


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    """``hongfan serve``'s handler, kept here for bench/serve.py, which starts the app through it."""
    from hongfan.cli.serve import serve

    return serve(settings, args)


__all__ = ["COMMAND_GROUPS", "CommandError", "build_parser", "main"]

if __name__ == "__main__":
    raise SystemExit(main())
