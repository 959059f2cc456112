"""Validation, normalisation and masking of Chinese identifiers.

Pure functions with no third-party dependencies:

* resident ID numbers (GB 11643-1999, check digit by ISO 7064 MOD 11-2),
* mainland China mobile numbers,
* Unified Social Credit Codes (GB 32100-2015),
* masking helpers for showing personal data to users without full access.

``check_*`` functions return ``None`` when the value is valid, otherwise an
error code that is a key of :data:`models.messages.MESSAGES`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal

Gender = Literal["male", "female"]

# --- Resident ID number (GB 11643-1999) -------------------------------------

NATIONAL_ID_LENGTH = 18
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_MAP = "10X98765432"
_ID_EARLIEST_BIRTH = date(1900, 1, 1)
_ASCII_DIGITS = frozenset("0123456789")


def _is_ascii_digits(value: str) -> bool:
    # str.isdigit() also accepts full-width and superscript digits, which
    # would then break int() arithmetic or slip odd characters into storage.
    return bool(value) and all(ch in _ASCII_DIGITS for ch in value)


def _national_id_check_char(body17: str) -> str:
    total = sum(int(ch) * weight for ch, weight in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_MAP[total % 11]


def _parse_birth_date(digits: str) -> date | None:
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


# Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ), as Chinese input methods type
# them, read as their ASCII forms in ID numbers, phone numbers and credit codes: a person
# typing "３５０２…" means 3502…. Nothing else is folded (no NFKC: "²" stays refused).
_FULL_WIDTH = str.maketrans(
    {chr(0xFF10 + i): chr(0x30 + i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
    | {"\uff0b": "+", "\uff0d": "-"}
)


def fold_full_width(value: str) -> str:
    """Full-width digits, Latin letters, plus and hyphen as ASCII; everything else unchanged."""
    return value.translate(_FULL_WIDTH)


def normalise_national_id(value: str) -> str:
    """Fold full-width characters, remove all whitespace and upper-case the trailing ``x``."""
    return "".join(fold_full_width(value).split()).upper()


def check_national_id(value: str, *, today: date | None = None) -> str | None:
    """Validate an 18-character resident ID number.

    Checks, in order: length, format (17 digits + digit/``X``), birth date
    (a real date between 1900-01-01 and ``today``), check digit. A lowercase
    ``x`` is accepted; callers should still store :func:`normalise_national_id`
    output. ``today`` exists so tests can pin the clock.
    """
    if len(value) != NATIONAL_ID_LENGTH:
        return "id_number.length"
    body, check = value[:17], value[17].upper()
    if not _is_ascii_digits(body) or not (check == "X" or check in _ASCII_DIGITS):
        return "id_number.format"
    birth = _parse_birth_date(body[6:14])
    if birth is None or birth < _ID_EARLIEST_BIRTH or birth > (today or date.today()):
        return "id_number.birth_date"
    if _national_id_check_char(body) != check:
        return "id_number.check_digit"
    return None


def national_id_birth_date(value: str) -> date:
    """Birth date encoded in positions 7-14; raises ``ValueError`` if unreadable."""
    normalised = normalise_national_id(value)
    digits = normalised[6:14]
    if len(normalised) != NATIONAL_ID_LENGTH or not _is_ascii_digits(digits):
        raise ValueError("id_number.format")
    birth = _parse_birth_date(digits)
    if birth is None:
        raise ValueError("id_number.birth_date")
    return birth


def national_id_gender(value: str) -> Gender:
    """Gender encoded by the 17th digit: odd is male, even is female."""
    normalised = normalise_national_id(value)
    if len(normalised) != NATIONAL_ID_LENGTH or not _is_ascii_digits(normalised[16]):
        raise ValueError("id_number.format")
    return "male" if int(normalised[16]) % 2 == 1 else "female"


def make_national_id(region: str, birth: date, sequence: int, gender: str) -> str:
    """Build a valid ID number (for demo data).

    ``sequence`` (0-999) becomes the 3-digit order code; if its last digit's
    parity does not match ``gender`` it is moved to the neighbouring number so
    that the result always encodes the requested gender.
    """
    if len(region) != 6 or not _is_ascii_digits(region):
        raise ValueError(f"region must be 6 digits, got {region!r}")
    if gender not in ("male", "female"):
        raise ValueError(f"gender must be 'male' or 'female', got {gender!r}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be between 0 and 999, got {sequence}")
    wanted_parity = 1 if gender == "male" else 0
    if sequence % 2 != wanted_parity:
        sequence = sequence + 1 if sequence < 999 else sequence - 1
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    result = body + _national_id_check_char(body)
    error = check_national_id(result)
    if error is not None:
        # Only the birth date can still be wrong here (before 1900 or future).
        raise ValueError(error)
    return result


# --- Mobile phone number ----------------------------------------------------

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_COUNTRY_PREFIX_RE = re.compile(r"(?:\+86|0086|86)(?=[0-9]{11}$)")


def normalise_mobile(value: str) -> str:
    """Strip spaces, hyphens and a leading +86/0086/86; returns the rest.

    For a valid number the result is the bare 11 digits. Invalid input is
    returned cleaned but otherwise unchanged, so :func:`check_mobile` decides.
    """
    cleaned = re.sub(r"[\s\-]", "", fold_full_width(value))
    return _COUNTRY_PREFIX_RE.sub("", cleaned, count=1)


def check_mobile(value: str) -> str | None:
    """Validate a mainland China mobile number (``1[3-9]`` + 9 digits)."""
    if _MOBILE_RE.fullmatch(normalise_mobile(value)) is None:
        return "phone.format"
    return None


# --- Unified Social Credit Code (GB 32100-2015) -----------------------------

CREDIT_CODE_LENGTH = 18
# I, O, Z, S and V are excluded because they are easily confused with 1, 0, 2, 5, U.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES = {ch: i for i, ch in enumerate(CREDIT_CODE_CHARSET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _credit_check_char(body17: str) -> str:
    total = sum(
        _CREDIT_VALUES[ch] * weight for ch, weight in zip(body17, _CREDIT_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    """Fold full-width characters, remove all whitespace and upper-case."""
    return "".join(fold_full_width(value).split()).upper()


def check_credit_code(value: str) -> str | None:
    """Validate a Unified Social Credit Code: length, charset, check character.

    Lowercase letters are tolerated; store :func:`normalise_credit_code` output.
    """
    if len(value) != CREDIT_CODE_LENGTH:
        return "credit_code.length"
    code = value.upper()
    if any(ch not in _CREDIT_VALUES for ch in code):
        return "credit_code.format"
    if _credit_check_char(code[:17]) != code[17]:
        return "credit_code.check_digit"
    return None


def make_credit_code(body17: str) -> str:
    """Append the check character to a 17-character body (for demo data)."""
    body = body17.upper()
    if len(body) != 17 or any(ch not in _CREDIT_VALUES for ch in body):
        raise ValueError(f"body must be 17 characters from {CREDIT_CODE_CHARSET}, got {body17!r}")
    return body + _credit_check_char(body)


# --- Text that cannot be seen -----------------------------------------------

# Zero-width characters (space, non-joiner, joiner, word joiner, BOM) come with text
# copied from web pages and chat apps: nobody means them, so they are removed, as the
# spreadsheet import has always done (hongfan.transfer.names.clean_name).
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# The bidirectional controls (marks, embeddings, overrides, isolates) make a name read
# backwards or two names look alike ("Trojan Source"): refused.
_DIRECTION = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# C0 controls but tab and line breaks, DEL, C1 controls: refused (NUL fails PostgreSQL
# and matched every row of an SQLite ``contains``).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def remove_zero_width(value: str) -> str:
    return _ZERO_WIDTH.sub("", value)


def without_format_characters(value: str) -> str:
    """``value`` without any invisible format character (Unicode category Cf): the
    zero-width ones, the soft hyphen U+00AD, the invisible operators U+2061–2064, the
    Mongolian vowel separator U+180E, the direction marks U+200E/U+200F and the other
    direction controls. Typed or pasted into a search, none of them is meant."""
    if value.isascii():  # the common case, and no Cf character is ASCII
        return value
    return "".join(ch for ch in value if unicodedata.category(ch) != "Cf")


def without_control_characters(value: str) -> str:
    """``value`` without control characters (NUL, the C0/C1 controls; tab and line breaks
    too): what a search box drops rather than refuses."""
    return _CONTROL_OR_BREAK.sub("", value)


_CONTROL_OR_BREAK = re.compile("[\x00-\x1f\x7f-\x9f]")


def search_term(value: str) -> str:
    """A searched text as it was meant — the one normalisation of the admin search box
    and of GraphQL's text-search operators (``contains``, ``startsWith``, ``pinyin``):
    format characters removed (:func:`without_format_characters`) and the blanks around
    it trimmed, the full-width space U+3000 and the no-break space like an ASCII one."""
    return without_format_characters(value).strip()


def check_text(value: str) -> str | None:
    """``value.control_char`` for NUL and other control characters (tab and line breaks
    are allowed), ``value.direction_char`` for text-direction controls."""
    if _CONTROL.search(value):
        return "value.control_char"
    if _DIRECTION.search(value):
        return "value.direction_char"
    return None


# --- Record ids ---------------------------------------------------------------

MAX_RECORD_ID = 2**31 - 1  # ids are PostgreSQL integers
_CANONICAL_ID = re.compile(r"[1-9][0-9]{0,9}")  # ASCII digits only, no sign, space or leading 0


def parse_record_id(text: str) -> int | None:
    """The record id ``text`` spells in canonical form ("6"), or None: " 6", "+6", "06",
    "６", "6_0" and anything past :data:`MAX_RECORD_ID` name no record."""
    if not isinstance(text, str) or _CANONICAL_ID.fullmatch(text) is None:
        return None
    value = int(text)
    return value if value <= MAX_RECORD_ID else None


# --- Masking ----------------------------------------------------------------


def _mask_all_but_last4(value: str) -> str:
    # Very short values would be revealed entirely by "all but the last 4".
    if len(value) <= 4:
        return "*" * len(value)
    return "*" * (len(value) - 4) + value[-4:]


def mask_national_id(value: str | None) -> str | None:
    """``"350203199001011234"`` → ``"3502**********1234"``."""
    if value is None:
        return None
    if len(value) == NATIONAL_ID_LENGTH:
        return value[:4] + "*" * 10 + value[-4:]
    return _mask_all_but_last4(value)


def mask_phone(value: str | None) -> str | None:
    """``"13812345678"`` → ``"138****5678"``; other shapes keep only the last 4."""
    if value is None:
        return None
    normalised = normalise_mobile(value)
    if _MOBILE_RE.fullmatch(normalised):
        return normalised[:3] + "****" + normalised[-4:]
    return _mask_all_but_last4(value)


def mask_text(value: str | None) -> str | None:
    """Hide a sensitive free-text or category value entirely."""
    # Always the same width so the mask does not leak the value's length.
    return None if value is None else "***"
