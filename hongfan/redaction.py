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
import unicodedata
from typing import Any
from urllib.parse import quote, unquote

from models.base import Record


# An 18-character national ID (17 digits and a check character), a 15-digit old one, or
# a mainland mobile number (with an optional +86 / 0086 / 86 prefix), not inside a longer
# run of digits. People write them in groups: one space or hyphen may stand between any
# two digits ("3502 0320 0303 1608 18", "350203-20030316-0818", "139-0000-0001"), and
# letters may touch them ("身份证350203…", "a350203…"). In a URL the value may follow a
# percent escape (%22 is a quote), which ends in a digit. Full-width digits are read as
# ASCII first (:data:`_HALF_WIDTH`).
def _personal(gap: str) -> re.Pattern[str]:
    return re.compile(
        r"(?:(?<=%[0-9A-Fa-f]{2})|(?<!\d))(?:"
        rf"(?:(?:\+|00)?86{gap})?1{gap}[3-9](?:{gap}\d){{9}}"  # a mobile
        rf"|\d(?:{gap}\d){{16}}{gap}[0-9Xx]"  # an 18-character ID number
        rf"|\d(?:{gap}\d){{14}}"  # a 15-digit one
        r")(?!\d)"
    )


_PERSONAL = _personal("(?:[ \\-]|%20)?")
# A request path, once decoded, is the caller's text, written as people write numbers in a
# box: grouped by spaces, hyphens, dots or underscores, a few at a time ("139.0000.0001").
_PERSONAL_IN_PATH = _personal(r"[\s\-._]{0,3}")
# A path's segments may be the groups themselves ("/x/139/0000/0031", "/350203/20030316/0818"):
# a run of groups of three or more digits separated by one to three slashes (a country
# code may lead with two) that, joined, is a mobile or an ID number. Ordinary ids in a path ("/students/301/edit",
# "/1/35/") are shorter groups or do not join into one.
_SLASH_GROUPS = re.compile(
    r"(?<![\dXx+])(?<!\d/)(?<!\d//)(?<!\d///)"
    r"(?:(?:\+|00)?\d{2,}/{1,3})(?:\d{3,}/{1,3})*\d{3,}[Xx]?(?![\dXx])(?!/{1,3}\d)"
)
# Full-width digits, X, plus, hyphen and the ideographic space, one character for one, so
# that positions in the normalised text are positions in the original.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９Ｘｘ＋－\u3000", "0123456789Xx+- ")
# PostgreSQL: DETAIL:  Key (id_number)=(110101199003071234) already exists.
_KEY_DETAIL = re.compile(r"Key \(([^)]*)\)=\((?:[^()]|\([^()]*\))*\)")
REDACTED = "[已隐去]"


def scrub(text: str, *, pattern: re.Pattern[str] = _PERSONAL) -> str:
    """``text`` with personal values blanked: ID numbers, mobiles, a unique key's value."""
    text = _KEY_DETAIL.sub(lambda m: f"Key ({m.group(1)})=({REDACTED})", text)
    normal = text.translate(_HALF_WIDTH)
    if normal == text:
        return pattern.sub(REDACTED, text)
    parts: list[str] = []
    end = 0
    for match in pattern.finditer(normal):
        parts.append(text[end : match.start()])
        parts.append(REDACTED)
        end = match.end()
    parts.append(text[end:])
    return "".join(parts)


# A searched or filtered value with this many digits, however grouped, may be an ID number
# or a phone (the shortest spelling people search by: the 7 digits after a mobile's prefix).
_MASK_FROM_DIGITS = 7


def mask_digits(text: str) -> str:
    """``text`` for an audit entry: when it holds 7 or more digits in all (full-width,
    spaced, hyphenated, dotted or +86-prefixed alike), every digit but the last four is
    ``*`` — "+86 139-0000-0033" → "+** ***-****-0033"; a year or a short code is kept.
    The rule the audit log's export entries follow (issue #12.3: no personal number in an
    audit row in clear), whatever surface wrote them."""
    normal = unicodedata.normalize("NFKC", text)
    digits = sum(ch.isdigit() for ch in normal)
    if digits < _MASK_FROM_DIGITS:
        return text
    keep = 4
    out: list[str] = []
    for ch in reversed(normal):
        if ch.isdigit():
            out.append(ch if keep > 0 else "*")
            keep -= 1
        else:
            out.append(ch)
    return "".join(reversed(out))


def mask_note(note: Any) -> Any:
    """:func:`mask_digits` on every text inside an audit note (dicts and lists walked)."""
    if isinstance(note, str):
        return mask_digits(note)
    if isinstance(note, dict):
        return {key: mask_note(value) for key, value in note.items()}
    if isinstance(note, list | tuple):
        return [mask_note(value) for value in note]
    return note


def scrub_path(path: str) -> str:
    """A URL path with personal values blanked however they were spelled: decoded first
    (percent-escapes, twice-encoded too, then NFKC: full-width digits and ＋ become ASCII,
    invisible format characters go), then scrubbed with the grouping people type
    (``%2B86%20139…``, ``139.0000.0001``, ``3502_0320_…``). A path with nothing to blank
    is returned as it came; a blanked one is returned decoded, its control characters
    escaped again so that a log line stays one line."""
    decoded = path
    for _ in range(3):  # %2533 → %33 → 3
        once = unquote(decoded, errors="replace")
        if once == decoded:
            break
        decoded = once
    normal = "".join(
        ch for ch in unicodedata.normalize("NFKC", decoded) if unicodedata.category(ch) != "Cf"
    )
    scrubbed = scrub(_SLASH_GROUPS.sub(_slash_grouped, normal), pattern=_PERSONAL_IN_PATH)
    if scrubbed == normal:
        return path
    return "".join(ch if ch.isprintable() else quote(ch) for ch in scrubbed)


def _slash_grouped(match: re.Match[str]) -> str:
    """Blank a run of slash-separated digit groups when, joined, they are personal."""
    joined = match.group(0).replace("/", "")
    return REDACTED if _PERSONAL_IN_PATH.fullmatch(joined) else match.group(0)


def _access_path(path: Any) -> Any:
    """An access log's request target without its query string: ``/graphql?…``. Query
    strings carry cursors (a sorted name inside), variables and searches. The path itself
    may hold a number (``/admin/…/13900000001``): :func:`scrub_path`."""
    if not isinstance(path, str):
        return path
    target, question, _ = path.partition("?")
    return scrub_path(target) + ("?…" if question else "")


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
    if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
        # (client, method, path with query, HTTP version, status): the path only
        record.args = (*record.args[:2], _access_path(record.args[2]), *record.args[3:])
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
