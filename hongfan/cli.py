"""The ``hongfan`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from hongfan.settings import Settings


def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    import uvicorn

    from hongfan.app import create_app

    base = f"http://{settings.host}:{settings.port}"
    print(f"Hongfan 红帆 is serving on {base}")
    print(f"  GraphQL / GraphiQL:  {base}/graphql")
    print(f"  Health:              {base}/healthz  {base}/readyz")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.migrate import upgrade

    upgrade(settings.database_url, args.revision)
    print(f"Database upgraded to {args.revision}.")
    return 0


def _db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.migrate import downgrade

    downgrade(settings.database_url, args.revision)
    print(f"Database downgraded to {args.revision}.")
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.db import Database
    from hongfan.demo import load_demo

    async def run() -> int:
        db = Database(settings)
        try:
            summary = await load_demo(db)
        finally:
            await db.dispose()
        if summary.created:
            print("Demo data loaded:")
        else:
            print("Demo data already present; nothing changed:")
        for name, count in summary.counts.items():
            print(f"  {name}: {count}")
        return 0

    return asyncio.run(run())


def _schema(_settings: Settings, _args: argparse.Namespace) -> int:
    from graph.schema import print_sdl

    sys.stdout.write(print_sdl())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hongfan", description="Hongfan (红帆) headless CMS")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("serve", help="serve the API (and admin UI)").set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    up = db.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=_db_upgrade)
    down = db.add_parser("downgrade", help="revert migrations")
    down.add_argument("revision")
    down.set_defaults(handler=_db_downgrade)

    demo = commands.add_parser("demo", help="load the demo network (idempotent)")
    demo.add_argument("--if-empty", action="store_true", help="accepted for make run; loading is idempotent anyway")
    demo.set_defaults(handler=_demo)

    commands.add_parser("schema", help="print the GraphQL SDL").set_defaults(handler=_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    return int(args.handler(settings, args))


if __name__ == "__main__":
    raise SystemExit(main())
