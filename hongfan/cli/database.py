"""``hongfan db …``: the database schema (Alembic migrations)."""

from __future__ import annotations

import argparse
from typing import Any

from hongfan.settings import Settings


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    up = db.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=upgrade)
    down = db.add_parser("downgrade", help="revert migrations")
    down.add_argument("revision")
    down.set_defaults(handler=downgrade)


def upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import migrate

    migrate.upgrade(settings.database_url, args.revision)
    print(f"Database upgraded to {args.revision}.")
    return 0


def downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import migrate

    migrate.downgrade(settings.database_url, args.revision)
    print(f"Database downgraded to {args.revision}.")
    return 0
