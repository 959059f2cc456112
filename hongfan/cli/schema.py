"""``hongfan schema``: print the GraphQL SDL (what graph/schema.graphql holds)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hongfan.settings import Settings


def register(commands: Any) -> None:
    commands.add_parser("schema", help="print the GraphQL SDL").set_defaults(
        handler=print_schema, database="none"
    )


def print_schema(_settings: Settings, _args: argparse.Namespace) -> int:
    from graph.schema import print_sdl

    sys.stdout.write(print_sdl())
    return 0
