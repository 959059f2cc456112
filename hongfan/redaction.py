"""Personal data never reaches a log line or an error message (#12.3).

Three layers, each enough on its own for what it covers:

* the engine never logs statement parameters (``hide_parameters``, hongfan.db);
* database errors become field errors that name the field, never the value
  (:func:`unique_violation`), and GraphQL errors are answered and logged without the
  values a caller sent (graph.schema);
* every log record the process writes — ours, the libraries', uvicorn's access log —
  passes :func:`scrub`, which blanks anything shaped like a national ID number or a
  mobile number and the key values of a database error's DETAIL line.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from models.base import Record

# An 18-character national ID (17 digits and a check character), a 15-digit old one, or
# a mainland mobile number, standing alone (not inside a longer run of letters or digits).
# In a URL the value may follow a percent escape (%22 is a quote), which ends in a digit.
_PERSONAL = re.compile(
    r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![0-9A-Za-z]))(?:\d{17}[0-9Xx]|\d{15}|1[3-9]\d{9}|\+?86[- ]?1[3-9]\d{9})(?![0-9A-Za-z])"
)
# PostgreSQL: DETAIL:  Key (id_number)=(110101199003071234) already exists.
_KEY_DETAIL = re.compile(r"Key \(([^)]*)\)=\((?:[^()]|\([^()]*\))*\)")
REDACTED = "[已隐去]"


def scrub(text: str) -> str:
    """``text`` with personal values blanked: ID numbers, mobiles, a unique key's value."""
    text = _KEY_DETAIL.sub(lambda m: f"Key ({m.group(1)})=({REDACTED})", text)
    return _PERSONAL.sub(REDACTED, text)


def _scrub_arg(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(value if isinstance(value, str) else str(value))


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Blank personal values in a log record's message, arguments and traceback, in place."""
    if isinstance(record.msg, str):
        record.msg = scrub(record.msg)
    elif record.msg is not None:
        record.msg = scrub(str(record.msg))
    if isinstance(record.args, tuple):
        record.args = tuple(_scrub_arg(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _scrub_arg(v) for k, v in record.args.items()}
    if record.exc_info and record.exc_info[0] is not None:
        record.exc_text = scrub("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        record.exc_info = None
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    return record


_installed = False


def install() -> None:
    """Scrub every log record this process creates, whoever logs it; idempotent."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True


def unique_violation(model: type[Record], error: Exception) -> str | None:
    """The column a unique-constraint failure is about, read from the driver's message.

    PostgreSQL names the constraint (uq_<table>_<column>) and the key; SQLite says
    "UNIQUE constraint failed: <table>.<column>". The value is never looked at.
    """
    text = str(getattr(error, "orig", error))
    table = model.__table__  # type: ignore[attr-defined]
    candidates = [c.name for c in table.columns if c.unique]
    for group in model.__entity__.unique:
        candidates.append(group[-1])
    for column in candidates:
        if f"{table.name}.{column}" in text or f"_{column}" in text or f"({column})" in text:
            return column
    return None


def seal_changes(model: type[Record], changes: dict[str, Any]) -> dict[str, Any]:
    """An audit entry's {field: [before, after]} with sensitive values sealed like the columns.

    The audit table then holds no personal data in clear; the history opens them for those
    who may read them (admin_ui.audit_view), anonymisation scrubs them.
    """
    from models.base import column_meta
    from models.sealed import Sealed, seal

    table = model.__table__  # type: ignore[attr-defined]
    out: dict[str, Any] = {}
    for name, pair in changes.items():
        if name in table.c and column_meta(model, name).sensitive and isinstance(pair, list):
            column_type = table.c[name].type
            column = column_type.column if isinstance(column_type, Sealed) else name
            pair = [None if v is None else seal(column, str(v)) for v in pair]
        out[name] = pair
    return out


def open_change(model: type[Record], name: str, value: Any) -> Any:
    """One value of an audit entry as written, opened when :func:`seal_changes` sealed it."""
    from models.base import column_meta
    from models.sealed import Sealed, unseal

    table = model.__table__  # type: ignore[attr-defined]
    if value is None or name not in table.c or not column_meta(model, name).sensitive:
        return value
    column_type = table.c[name].type
    column = column_type.column if isinstance(column_type, Sealed) else name
    text = str(value)
    return unseal(column, text) if text.count(".") == 2 else value
