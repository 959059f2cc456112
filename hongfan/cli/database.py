"""``hongfan db …``: create the database, migrate it (Alembic), say where it stands."""

from __future__ import annotations

import argparse
from typing import Any

from hongfan.cli.common import say
from hongfan.settings import Settings, describe_database


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="the database: create, migrate, inspect")
    sub = db.add_subparsers(dest="db_command", required=True)
    create = sub.add_parser(
        "create",
        help="create the database HONGFAN_DATABASE_URL names (PostgreSQL: needs CREATEDB; SQLite: the file)",
    )
    create.set_defaults(handler=create_database, database="create", names_database=True)
    up = sub.add_parser(
        "upgrade",
        help="apply migrations (default: up to the newest, head); creates a missing database first",
    )
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=upgrade, database="create", names_database=True)
    down = sub.add_parser(
        "downgrade", help="revert migrations down to REVISION (base: drop every table)"
    )
    down.add_argument("revision")
    down.set_defaults(handler=downgrade, database="connect", names_database=True)
    current = sub.add_parser("current", help="the revision the database is at")
    current.set_defaults(handler=show_current, database="connect", names_database=True)
    history = sub.add_parser("history", help="the migrations, oldest first, marking the database's")
    history.set_defaults(handler=show_history, database="connect")
    retally = sub.add_parser(
        "retally",
        help="recompute the statistics' tallies from the records (after a load with triggers off)",
    )
    retally.set_defaults(handler=retally_statistics, database="connect", names_database=True)


def create_database(settings: Settings, args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from hongfan import migrate

    url = sa.make_url(settings.database_url)
    database = describe_database(settings.database_url)
    created = migrate.create_database(settings.database_url)
    if url.get_backend_name() == "sqlite":
        print(say(args, "db.sqlite_created", database=database))
    else:
        print(
            say(
                args, "db.created" if created else "db.exists", name=url.database, database=database
            )
        )
    return 0


def upgrade(settings: Settings, args: argparse.Namespace) -> int:
    """Migrate; a PostgreSQL database that does not exist yet is created first (when the
    server allows it: otherwise one line says what the administrator must run)."""
    from hongfan import migrate
    from hongfan.startup import DatabaseProblem, check_database

    try:
        check_database(settings.database_url, migrated=False)
    except DatabaseProblem as problem:
        if problem.code != "db.missing":
            raise
        migrate.create_database(settings.database_url)
        print(
            say(
                args,
                "db.created_now",
                name=problem.params.get("name", ""),
                database=problem.params["database"],
            )
        )
    migrate.upgrade(settings.database_url, args.revision)
    print(
        say(
            args,
            "db.upgraded",
            revision=args.revision,
            database=describe_database(settings.database_url),
        )
    )
    return 0


def downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import migrate

    migrate.downgrade(settings.database_url, args.revision)
    print(
        say(
            args,
            "db.downgraded",
            revision=args.revision,
            database=describe_database(settings.database_url),
        )
    )
    return 0


def show_current(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import migrate

    database = describe_database(settings.database_url)
    current = migrate.current(settings.database_url)
    if current is None:
        print(say(args, "db.current_none", database=database))
        return 0
    heads = migrate.heads()
    state = (
        say(args, "db.is_head")
        if current in heads
        else say(args, "db.not_head", head=", ".join(sorted(heads)))
    )
    print(say(args, "db.current", current=current, database=database) + " " + state)
    return 0


def show_history(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import migrate

    current = migrate.current(settings.database_url)
    for revision in migrate.history():
        mark = "  " + say(args, "db.history_current") if revision.revision == current else ""
        print(f"{revision.revision}  {revision.title}{mark}")
    return 0


def retally_statistics(settings: Settings, args: argparse.Namespace) -> int:
    """Recompute ``tally`` and ``instructor_roster`` from the records, in one transaction.

    The triggers keep them exact through every write; only data loaded with triggers
    disabled (``session_replication_role = replica``, a data-only restore) needs this.
    """
    import asyncio

    from hongfan import statistics
    from hongfan.cli.common import cli_principal, language
    from hongfan.db import Database

    async def run() -> int:
        db = Database(settings)
        try:
            async with db.transaction(cli_principal(language(args))) as session:
                await statistics.rebuild(session.execute, db.dialect)
        finally:
            await db.dispose()
        print(say(args, "db.retallied", database=describe_database(settings.database_url)))
        return 0

    return asyncio.run(run())
