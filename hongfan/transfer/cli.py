"""``hongfan import`` and ``hongfan export``: spreadsheets from the command line.

Wire into the main parser with ``add_io_commands(subparsers)``; each command
sets ``handler(settings, args) -> int`` like the other ``hongfan`` commands, and
reads ``args.lang`` (``--lang``/``HONGFAN_LANG``, resolved by :mod:`hongfan.cli`).
Without ``--as`` the commands run as the system principal ``system:cli``;
with ``--as EMAIL`` they run as that account, with its row scope and masking (an export:
its own part, and a line on stderr says how many published rows of others it leaves out).
Files are read within the same limits as uploads (``HONGFAN_IMPORT_*``).

An export of a type with sensitive fields (ID numbers, phones, family category, or a
student's ID number in a relation column) without ``--as`` is refused unless
``--unmasked`` is given: then it is written in clear and the audit log records it
(one ``export`` entry by ``system:cli`` naming the fields in clear).
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
    importer.add_argument(
        "type",
        metavar="TYPE",
        help="record type: e.g. ScholarshipStudent, scholarshipStudents, 金秋助学学生",
    )
    importer.add_argument("file", metavar="FILE", help="the .csv or .xlsx file")
    importer.add_argument(
        "--as", dest="as_email", metavar="EMAIL", help="run as this account (default: system)"
    )
    importer.add_argument(
        "--dry-run", action="store_true", help="check every row and report; write nothing"
    )
    importer.set_defaults(handler=run_import)

    exporter = subparsers.add_parser("export", help="export records to CSV or XLSX")
    exporter.add_argument(
        "type", metavar="TYPE", help="record type: e.g. Organisation, organisations, 组织"
    )
    exporter.add_argument(
        "--format", choices=("csv", "xlsx"), default=None, help="default: from --output, else csv"
    )
    exporter.add_argument(
        "--output", "-o", metavar="FILE", help="write here (default: standard output)"
    )
    exporter.add_argument(
        "--as", dest="as_email", metavar="EMAIL", help="run as this account (default: system)"
    )
    exporter.add_argument(
        "--unmasked",
        action="store_true",
        help="without --as: write sensitive fields (ID numbers, phones, family category) in clear; audited",
    )
    exporter.set_defaults(handler=run_export)


def _type_names() -> str:
    """Every record type, as the names TYPE accepts: type name (plural, Chinese label)."""
    from models import ENTITIES

    return "; ".join(
        f"{m.__entity__.type_name} ({m.__entity__.plural}, {m.__entity__.label_zh})"
        for m in ENTITIES.values()
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
    from hongfan.transfer.columns import UnknownType, resolve_type
    from hongfan.transfer.importing import commit_import, preview_import
    from hongfan.transfer.limits import Limits
    from hongfan.transfer.sheets import SpreadsheetError, read_sheet

    lang = getattr(args, "lang", None) or "zh"
    path = Path(args.file)
    limits = Limits.from_settings(settings)
    try:
        type_name = resolve_type(args.type).__entity__.type_name
        if path.stat().st_size > limits.max_bytes:
            raise SpreadsheetError("import.too_large", max_mb=f"{limits.max_bytes / 1024 / 1024:g}")
        table = read_sheet(path.read_bytes(), path.name, limits)
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
                print(
                    f"\r{done}/{total}",
                    end="" if done < total else "\n",
                    file=sys.stderr,
                    flush=True,
                )

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
    if report.header_row != 1:
        print(f"第{report.header_row}行为表头" if zh else f"Row {report.header_row} is the header")
    if report.ignored_headers:
        names = "、".join(report.ignored_headers) if zh else ", ".join(report.ignored_headers)
        print(f"忽略未识别的列：{names}" if zh else f"Ignored unrecognised columns: {names}")
    counts = (report.total, report.created, report.updated, report.unchanged, report.failed)
    if zh:
        print("共 {} 行：新增 {}，更新 {}，未变 {}，出错 {}".format(*counts))
    else:
        print("{} rows: {} to create, {} to update, {} unchanged, {} with errors".format(*counts))
    for row, error in report.errors:
        column = (
            f"{error.column}："
            if zh and error.column
            else (f"{error.column}: " if error.column else "")
        )
        print(
            f"  第{row}行 {column}{error.message}"
            if zh
            else f"  row {row}: {column}{error.message}"
        )
    for row, warning in report.warnings:
        column = (
            f"{warning.column}："
            if zh and warning.column
            else (f"{warning.column}: " if warning.column else "")
        )
        print(
            f"  提示 第{row}行 {column}{warning.message}"
            if zh
            else f"  note, row {row}: {column}{warning.message}"
        )
    if dry_run:
        print("试运行：未写入任何数据。" if zh else "Dry run: nothing was written.")
    elif report.ok:
        print("导入完成。" if zh else "Import complete.")
    else:
        print("有错误，未写入任何数据。" if zh else "There are errors; nothing was written.")


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(_export(settings, args))


def _sensitive_fields(type_name: str, lang: str) -> list[str]:
    """Labels of what an unmasked export of the type shows in clear."""
    from hongfan.transfer.columns import (
        column_label,
        importable_columns,
        relation_targets,
        resolve_type,
    )
    from models.base import column_meta

    model = resolve_type(type_name)
    targets = relation_targets(model)
    return [
        column_label(model, c, lang)
        for c in importable_columns(model)
        if column_meta(model, c).sensitive or targets.get(c) == "ScholarshipStudent"
    ]


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.db import Database
    from hongfan.transfer.columns import UnknownType, resolve_type
    from hongfan.transfer.exporting import Format, write_export
    from hongfan.transfer.reach import export_reach

    lang = getattr(args, "lang", None) or "zh"
    fmt: Format = (
        "xlsx"
        if (args.format or "") == "xlsx"
        or (not args.format and (args.output or "").lower().endswith(".xlsx"))
        else "csv"
    )
    try:
        model = resolve_type(args.type)
    except UnknownType as error:
        print(error.message(lang), file=sys.stderr)
        return 2
    type_name = model.__entity__.type_name
    sensitive = _sensitive_fields(type_name, lang)
    if not args.as_email and sensitive and not args.unmasked:
        label = model.__entity__.label_en if lang == "en" else model.__entity__.label_zh
        print(
            message("export.sensitive_choice", lang, type=label, fields="、".join(sensitive)),
            file=sys.stderr,
        )
        return 2
    db = Database(settings)
    try:
        principal = await _principal(db, args.as_email, lang)
        if args.as_email:
            # An account's export is its own part (OWN_PART): said before the file is made
            # when the account reads other units' published rows the file will not hold.
            reach = await export_reach(db, principal, type_name)
            if reach.left_out:
                label = model.__entity__.label_en if lang == "en" else model.__entity__.label_zh
                said = message(
                    "export.left_out", lang, n=reach.exported, m=reach.left_out, type=label
                )
                print(said, file=sys.stderr)
        note = {"via": "cli", "unmasked": bool(args.unmasked and not args.as_email)}
        if args.output:
            with open(args.output, "wb") as target:
                await write_export(
                    db, principal, type_name, fmt, target, lang=lang, filter_note=note
                )
        else:
            await write_export(
                db, principal, type_name, fmt, sys.stdout.buffer, lang=lang, filter_note=note
            )
            sys.stdout.buffer.flush()
    except _CliError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    if args.output:
        print(args.output, file=sys.stderr)
    return 0


__all__ = ["add_io_commands", "run_export", "run_import"]
