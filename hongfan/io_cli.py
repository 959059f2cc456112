"""``hongfan import`` and ``hongfan export``: spreadsheets from the command line.

Wire into the main parser with ``add_io_commands(subparsers)``; each command
sets ``handler(settings, args) -> int`` like the other ``hongfan`` commands, and
reads ``args.lang`` (``--lang``/``HONGFAN_LANG``, resolved by :mod:`hongfan.cli`).
Without ``--as`` the commands run as the system principal ``system:cli``;
with ``--as EMAIL`` they run as that account, with its row scope and masking.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from pathlib import Path
from typing import Any

from hongfan.principal import Principal, system
from hongfan.settings import Settings
from models.messages import message


class _CliError(Exception):
    pass


def add_io_commands(subparsers: Any) -> None:
    """Add ``import`` and ``export`` to the ``hongfan`` command's subparsers."""
    importer = subparsers.add_parser(
        "import",
        help="import a CSV or XLSX file (all rows or none)",
        description=(
            "Import records from a CSV (UTF-8 or GBK/GB18030) or XLSX file. Rows are matched to "
            "existing records by their natural key and updated; nothing is written unless every row is valid."
        ),
        epilog="record types (TYPE): " + _type_names(),
    )
    importer.add_argument("type", metavar="TYPE", help="record type: e.g. ScholarshipStudent, scholarshipStudents, 金秋助学学生")
    importer.add_argument("file", metavar="FILE", help="the .csv or .xlsx file")
    importer.add_argument("--as", dest="as_email", metavar="EMAIL", help="run as this account (default: system)")
    importer.add_argument("--dry-run", action="store_true", help="check every row and report; write nothing")
    importer.set_defaults(handler=run_import)

    exporter = subparsers.add_parser("export", help="export records to CSV or XLSX")
    exporter.add_argument("type", metavar="TYPE", help="record type: e.g. Organisation, organisations, 组织")
    exporter.add_argument("--format", choices=("csv", "xlsx"), default=None, help="default: from --output, else csv")
    exporter.add_argument("--output", "-o", metavar="FILE", help="write here (default: standard output)")
    exporter.add_argument("--as", dest="as_email", metavar="EMAIL", help="run as this account (default: system)")
    exporter.set_defaults(handler=run_export)


def _type_names() -> str:
    """Every record type, as the names TYPE accepts: type name (plural, Chinese label)."""
    from models import ENTITIES

    return "; ".join(
        f"{m.__entity__.type_name} ({m.__entity__.plural}, {m.__entity__.label_zh})" for m in ENTITIES.values()
    )


async def _principal(db: Any, email: str | None, lang: str) -> Principal:
    if not email:
        return Principal(kind="system", actor=system("cli").actor, language=lang)
    try:
        accounts = importlib.import_module("hongfan.accounts")
    except ImportError as error:
        raise _CliError(message("import.accounts_unavailable", lang)) from error
    principal_for = getattr(accounts, "principal_for", None)
    get_user = getattr(accounts, "get_user_by_email", None)
    if principal_for is None or get_user is None:
        raise _CliError(message("import.accounts_unavailable", lang))
    auth = getattr(accounts, "AUTH", system("auth"))
    async with db.session(auth) as session:
        user = await get_user(session, email)
        if user is None or not getattr(user, "is_active", True):
            raise _CliError(message("import.user_not_found", lang, email=email))
        principal: Principal = await principal_for(session, user, language=lang)
        return principal


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_import(settings, args))


async def _import(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.db import Database
    from hongfan.imports import UnknownType, commit_import, preview_import, resolve_type
    from hongfan.spreadsheets import SpreadsheetError, read_table

    lang = getattr(args, "lang", None) or "zh"
    path = Path(args.file)
    try:
        type_name = resolve_type(args.type).__entity__.type_name
        data = path.read_bytes()
        table = read_table(data, path.name)
    except UnknownType as error:
        print(error.message(lang), file=sys.stderr)
        return 2
    except OSError as error:
        print(f"{path}: {error.strerror or error}", file=sys.stderr)
        return 2
    except SpreadsheetError as error:
        print(f"{path}: {error.message(lang)}", file=sys.stderr)
        return 1

    db = Database(settings)
    try:
        principal = await _principal(db, args.as_email, lang)

        async def progress(done: int, total: int) -> None:
            if sys.stderr.isatty():
                print(f"\r{done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

        if args.dry_run:
            report: Any = await preview_import(db, principal, type_name, table)
        else:
            report = await commit_import(db, principal, type_name, table, progress=progress)
    except _CliError as error:
        print(str(error), file=sys.stderr)
        return 1
    except SpreadsheetError as error:
        print(f"{path}: {error.message(lang)}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()

    _print_report(report, lang, dry_run=args.dry_run)
    return 0 if report.ok else 1


def _print_report(report: Any, lang: str, *, dry_run: bool) -> None:
    zh = lang != "en"
    if report.ignored_headers:
        names = "、".join(report.ignored_headers) if zh else ", ".join(report.ignored_headers)
        print(f"忽略未识别的列：{names}" if zh else f"Ignored unrecognised columns: {names}")
    counts = (report.total, report.created, report.updated, report.unchanged, report.failed)
    if zh:
        print("共 {} 行：新增 {}，更新 {}，未变 {}，出错 {}".format(*counts))
    else:
        print("{} rows: {} to create, {} to update, {} unchanged, {} with errors".format(*counts))
    for row, error in report.errors:
        column = f"{error.column}：" if zh and error.column else (f"{error.column}: " if error.column else "")
        print(f"  第{row}行 {column}{error.message}" if zh else f"  row {row}: {column}{error.message}")
    if dry_run:
        print("试运行：未写入任何数据。" if zh else "Dry run: nothing was written.")
    elif report.ok:
        print("导入完成。" if zh else "Import complete.")
    else:
        print("有错误，未写入任何数据。" if zh else "There are errors; nothing was written.")


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_export(settings, args))


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.db import Database
    from hongfan.exports import Format, export_file
    from hongfan.imports import UnknownType, resolve_type

    lang = getattr(args, "lang", None) or "zh"
    fmt: Format = "xlsx" if (args.format or "") == "xlsx" or (
        not args.format and (args.output or "").lower().endswith(".xlsx")
    ) else "csv"
    try:
        type_name = resolve_type(args.type).__entity__.type_name
    except UnknownType as error:
        print(error.message(lang), file=sys.stderr)
        return 2
    db = Database(settings)
    try:
        principal = await _principal(db, args.as_email, lang)
        data = await export_file(db, principal, type_name, fmt, lang=lang)
    except _CliError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    if args.output:
        Path(args.output).write_bytes(data)
        print(args.output, file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0


__all__ = ["add_io_commands", "run_export", "run_import"]
