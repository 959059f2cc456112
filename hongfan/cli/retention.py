"""``hongfan retention run``: anonymise students past the retention period (HONGFAN_RETENTION_YEARS)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from hongfan.cli.common import CommandError, in_database, language, say
from hongfan.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def register(commands: Any) -> None:
    retention = commands.add_parser(
        "retention", help="personal data past its retention period"
    ).add_subparsers(dest="retention_command", required=True)
    run = retention.add_parser(
        "run",
        help="list, then anonymise, students HONGFAN_RETENTION_YEARS past their graduation year",
    )
    run.add_argument(
        "--dry-run", action="store_true", help="only list them (record ids, no personal data)"
    )
    run.set_defaults(handler=run_retention)


def run_retention(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import date

    from hongfan import erasure
    from hongfan.cli.common import cli_principal

    if settings.retention_years <= 0:
        raise CommandError("cli.retention_off")
    lang = language(args)

    async def work(session: AsyncSession) -> list[tuple[int, int]]:
        session.info["principal"] = cli_principal(lang)  # the system acts: audited as system:cli
        due = await erasure.past_retention(session, settings.retention_years, date.today().year)
        if not args.dry_run:
            from models.base import ENTITIES

            for pk, _ in due:
                await erasure.anonymise(session, ENTITIES["ScholarshipStudent"], pk)
        return due

    due = in_database(settings, work)
    for pk, year in due:
        print(say(args, "cli.retention_row", id=pk, year=year))
    code = "cli.retention_listed" if args.dry_run else "cli.retention_done"
    print(say(args, code, count=len(due), years=settings.retention_years))
    return 0
