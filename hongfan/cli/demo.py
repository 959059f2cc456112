"""``hongfan demo``: load the demo network."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from hongfan.cli.common import language, say
from hongfan.settings import Settings


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help="load the demo network (idempotent)")
    demo.add_argument(
        "--if-empty",
        action="store_true",
        help="accepted for make run; loading is idempotent anyway",
    )
    demo.set_defaults(handler=load)


def load(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.db import Database
    from hongfan.demo import DEMO_PASSWORD, load_demo

    async def run() -> int:
        db = Database(settings)
        try:
            # In production the demo accounts get generated passwords, never the published one.
            summary = await load_demo(
                db, demo_password=None if settings.is_production else DEMO_PASSWORD
            )
        finally:
            await db.dispose()
        _print_summary(summary, args)
        return 0

    return asyncio.run(run())


def _label(name: str, lang: str) -> str:
    """A count's name (``scholarship_students``) as its record type's label, else as it is."""
    from models import ENTITIES

    for model in ENTITIES.values():
        meta = model.__entity__
        if meta.plural.lower() == name.replace("_", "").lower():
            return meta.label_en if lang == "en" else meta.label_zh
    return name


def _print_summary(summary: Any, args: argparse.Namespace) -> None:
    lang = language(args)
    print(say(args, "cli.demo_loaded" if summary.created else "cli.demo_present"))
    for name, count in summary.counts.items():
        print(f"  {_label(name, lang)}: {count}")
    if summary.logins:
        print(say(args, "cli.demo_logins"))
        for line in summary.logins:
            print(f"  {line}")
    if summary.partner_email is None:
        return
    if summary.partner_token is None:  # made by an earlier run; only its hash is kept
        print(say(args, "cli.demo_token_earlier", email=summary.partner_email))
    else:  # the token alone on the last line, for $(… | tail -n 1)
        print(say(args, "cli.demo_token", email=summary.partner_email))
        print(summary.partner_token)
