"""``hongfan demo``: load the demo network."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from hongfan.settings import Settings


def register(commands: Any) -> None:
    demo = commands.add_parser("demo", help="load the demo network (idempotent)")
    demo.add_argument(
        "--if-empty",
        action="store_true",
        help="accepted for make run; loading is idempotent anyway",
    )
    demo.set_defaults(handler=load)


def load(settings: Settings, _args: argparse.Namespace) -> int:
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
        if summary.created:
            print("Demo data loaded:")
        else:
            print("Demo data already present; nothing changed:")
        for name, count in summary.counts.items():
            print(f"  {name}: {count}")
        if summary.logins:
            print("Demo logins (POST /auth/login, or the admin UI):")
            for line in summary.logins:
                print(f"  {line}")
        for line in summary.token_lines:
            print(line)
        return 0

    return asyncio.run(run())
