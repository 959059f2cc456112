"""Single cells, both ways: what a spreadsheet holds as text, and what we write into one.

Formula injection (OWASP "CSV injection"): a text cell starting with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading apostrophe when written, and
the apostrophe is removed again when read, so an export re-imports unchanged.

Long digit strings (ID numbers, credit codes, phones, statistical codes): Excel turns
a bare ``350206200201020020`` in a CSV into the number 3.50206E+17 and keeps 15
significant digits. CSV exports therefore write such text as ``="350206200201020020"``
(Excel shows the text and saves it back as the digits), and reading unwraps that form.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGERS = frozenset(FORMULA_TRIGGERS)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_EXCEL_TEXT = re.compile(r'^="((?:[^"]|"")*)"$')
# Text Excel would turn into a number and mangle: 11+ digits, or digits with a leading 0.
_FRAGILE_DIGITS = re.compile(r"^(?:\d{11,}[\dXx]?|0\d+)$")
# What Excel writes for a number it shows in scientific notation (3.50206E+17).
SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")


def cell_text(value: Any) -> str | None:
    """A cell as text: None or blank → None, dates ISO, whole numbers without ``.0``.

    A float too large to hold every digit (ID numbers typed into a General cell) keeps
    Excel's scientific form, so the import can say what happened to it.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value).upper() if abs(value) >= 1e15 else repr(value)
    if isinstance(value, int | Decimal):
        return str(value)
    text = str(value).strip()
    if text == "":
        return None
    wrapped = _EXCEL_TEXT.match(text)
    if wrapped:
        return wrapped.group(1).replace('""', '"').strip() or None
    return unneutralise(text)


def header_text(value: str | None) -> str:
    """A header cell: no BOM, no line breaks (Excel's Alt+Enter), no surrounding blanks."""
    if value is None:
        return ""
    return re.sub(r"\s*[\r\n]+\s*", "", value.replace("\ufeff", "")).strip()


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise`: ``'=…`` → ``=…`` (only before a formula trigger)."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def neutralise(value: str) -> str:
    """Prefix a formula-like text with an apostrophe so no spreadsheet evaluates it."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def is_fragile_digits(text: str) -> bool:
    """True for text Excel would store as a number and lose digits or a leading zero of."""
    return _FRAGILE_DIGITS.match(text) is not None


def csv_cell(value: Any) -> str:
    """A value as CSV text: neutralised, money with two decimals, long digits kept as text."""
    if value is None:
        return ""
    if type(value) is str:  # the common case first: one call per cell of every export
        first = value[:1]
        if first in _TRIGGERS:
            return "'" + value
        if first.isdigit() and _FRAGILE_DIGITS.match(value):
            return f'="{value}"'
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = neutralise(str(value))
    if text[:1].isdigit() and is_fragile_digits(text):
        return f'="{text}"'
    return text


__all__ = [
    "CONTROL",
    "FORMULA_TRIGGERS",
    "SCIENTIFIC",
    "cell_text",
    "csv_cell",
    "header_text",
    "is_fragile_digits",
    "neutralise",
    "unneutralise",
]
