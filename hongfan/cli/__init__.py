"""The ``hongfan`` command: ``main`` parses the arguments and runs one command group's handler.

Each command group lives in its own module with a ``register(subparsers)`` function that
adds its commands; every command sets ``handler(settings, args) -> int`` (the exit status).
To add a group, write the module and add one line to :data:`COMMAND_GROUPS`. Handlers
import what they need lazily, so ``hongfan --help`` and argument errors stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from hongfan.cli.common import CommandError
from hongfan.settings import Settings

# One line per command group: "module:function", the function taking the subparsers
# action of the top-level parser. Order is the order of ``hongfan --help``.
COMMAND_GROUPS: tuple[str, ...] = (
    "hongfan.cli.serve:register",
    "hongfan.cli.database:register",
    "hongfan.cli.demo:register",
    "hongfan.cli.users:register",
    "hongfan.cli.tokens:register",
    "hongfan.cli.schema:register",
    "hongfan.io_cli:add_io_commands",
)


def _register(spec: str, commands: Any) -> None:
    module_name, _, function = spec.partition(":")
    getattr(importlib.import_module(module_name), function or "register")(commands)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hongfan", description="Hongfan (红帆) headless CMS")
    commands = parser.add_subparsers(dest="command", required=True)
    for spec in COMMAND_GROUPS:
        _register(spec, commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        return int(args.handler(settings, args))
    except CommandError as error:
        print(f"hongfan: {error}", file=sys.stderr)
        return 1


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    """``hongfan serve``'s handler, kept here for bench/serve.py, which starts the app through it."""
    from hongfan.cli.serve import serve

    return serve(settings, args)


__all__ = ["COMMAND_GROUPS", "CommandError", "build_parser", "main"]

if __name__ == "__main__":
    raise SystemExit(main())
