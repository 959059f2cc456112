"""Names as people write them: one place however it is spelled.

* :func:`match_key` — what two spellings must share to be the same name: NFKC (full-
  width letters, digits and brackets), no blanks of any kind (non-breaking, full-width,
  zero-width), case-folded.
* :func:`clean_name` — what is stored: NFKC-normalised spaces, trimmed, runs of blanks
  collapsed; full-width brackets and punctuation stay as typed.
* :func:`short_name` — the name people use for an official committee name, after the
  national statistical division list (统计用区划代码): 高林社区居委会 → 高林社区,
  美山村委会 → 美山村, 大帽山社区居民委员会 → 大帽山社区.
* :data:`LEVEL_WORDS` — the level words real sheets use (街道, 镇, 乡, 社区, 村, 居委会 …).
* :func:`near` — a warning-worthy closeness between two names (one character apart, or
  one is the other plus a suffix).
"""

from __future__ import annotations

import re
import unicodedata

_BLANKS = re.compile(r"[\s\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f\u205f\u3000\ufeff]+")
_SPACES = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")

# (official ending, what people write instead), longest first.
COMMITTEE_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("社区居民委员会", "社区"),
    ("村民委员会", "村"),
    ("社区居委会", "社区"),
    ("居民委员会", "社区"),
    ("村委会", "村"),
    ("居委会", "社区"),
)

# Level words as offices write them → the level's value (models.organisations).
LEVEL_WORDS: dict[str, str] = {
    "市": "city",
    "地级市": "city",
    "区": "district",
    "县": "district",
    "县级市": "district",
    "区县": "district",
    "街道": "street",
    "街道办": "street",
    "街道办事处": "street",
    "镇": "street",
    "乡": "street",
    "乡镇": "street",
    "街镇": "street",
    "街道/镇": "street",
    "街道/乡镇": "street",
    "社区": "community",
    "村": "community",
    "居委会": "community",
    "村委会": "community",
    "社区居委会": "community",
    "村居": "community",
    "村(居)": "community",
    "社区/村": "community",
    "居/村": "community",
}


def match_key(text: str) -> str:
    """The form two spellings of one name share."""
    return _BLANKS.sub("", unicodedata.normalize("NFKC", text)).casefold()


def clean_name(text: str) -> str:
    """A name as stored: exotic spaces made plain, runs collapsed, trimmed."""
    text = _ZERO_WIDTH.sub("", text)
    return _SPACES.sub(" ", text).strip()


def short_name(name: str) -> str:
    """The everyday form of an official committee name (unchanged when it has no suffix)."""
    for official, everyday in COMMITTEE_SUFFIXES:
        if name.endswith(official) and len(name) > len(official):
            stem = name[: -len(official)]
            return stem if stem.endswith(everyday) else stem + everyday
    return name


def is_official(name: str) -> bool:
    return short_name(name) != name


def level_value(text: str) -> str | None:
    """The level a level word names, or None when it is not one of :data:`LEVEL_WORDS`."""
    key = match_key(text).replace("（", "(").replace("）", ")")
    for word, value in LEVEL_WORDS.items():
        if match_key(word) == key:
            return value
    return None


def near(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one character, or one extends the other."""
    if a == b:
        return False
    if a.startswith(b) or b.startswith(a):
        return min(len(a), len(b)) >= 2
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


__all__ = [
    "COMMITTEE_SUFFIXES",
    "LEVEL_WORDS",
    "clean_name",
    "is_official",
    "level_value",
    "match_key",
    "near",
    "short_name",
]
