"""``hongfan keys …``: the keyring of sealed personal data (hongfan.keys)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hongfan.cli.common import CommandError, say
from hongfan.settings import Settings


def register(commands: Any) -> None:
    keys = commands.add_parser("keys", help="the encryption keys of personal data").add_subparsers(
        dest="keys_command", required=True
    )
    rotate = keys.add_parser(
        "rotate",
        help="re-encrypt every sealed value with the active key, in batches (run again to resume)",
    )
    rotate.add_argument(
        "--new-key",
        action="store_true",
        help="first add a new key to the keyring file and make it active",
    )
    rotate.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
    rotate.set_defaults(handler=rotate_keys)
    show = keys.add_parser(
        "show", help="the active key id and the key ids the keyring holds (never a key)"
    )
    show.set_defaults(handler=show_keys, database="none")


def _keyring_path(settings: Settings) -> Path | None:
    from hongfan import keys

    if settings.keys:
        return None
    return (
        Path(settings.keyring_file).expanduser()
        if settings.keyring_file
        else keys.default_key_file(settings)
    )


def rotate_keys(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import keys
    from hongfan.db import create_engine
    from hongfan.migrate import run_async
    from models import sealed

    ring = keys.resolve(settings, create=False)
    if args.new_key:
        path = _keyring_path(settings)
        if path is None:
            raise CommandError("cli.keys_inline")
        number = len(ring.keys) + 1
        while f"k{number}" in ring.keys:
            number += 1
        ring = ring.with_new_active(f"k{number}")
        ring.save(path)
        print(say(args, "cli.keys_added", key=ring.active, path=str(path)), file=sys.stderr)
    sealed.install(ring)

    async def work() -> int:
        engine = create_engine(settings)
        try:
            return await keys.reseal(engine, ring, batch=max(1, args.batch))
        finally:
            await engine.dispose()

    count = run_async(work)
    print(say(args, "cli.keys_rotated", count=count, key=ring.active))
    return 0


def show_keys(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import keys

    ring = keys.resolve(settings, create=False)
    print(say(args, "cli.keys_show", key=ring.active, keys=", ".join(sorted(ring.keys))))
    return 0
