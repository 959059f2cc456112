"""Pinyin sort keys and search text as revision 0006_pinyin computed them (frozen copy).

Copied from ``models/pinyin.py`` when 0006 was written; the live module may change its
readings later (a later migration then recomputes the columns with its own copy).
"""

from __future__ import annotations

import re
from typing import Any, Literal

Kind = Literal["person", "text"]

# Surnames whose reading in a name differs from the character's everyday reading,
# in TONE3 spelling per character; compound surnames first so they win.
SURNAMES: dict[str, tuple[str, ...]] = {
    "单于": ("chan2", "yu2"),
    "尉迟": ("yu4", "chi2"),
    "万俟": ("mo4", "qi2"),
    "长孙": ("zhang3", "sun1"),
    "澹台": ("tan2", "tai2"),
    "单": ("shan4",),
    "曾": ("zeng1",),
    "解": ("xie4",),
    "仇": ("qiu2",),
    "区": ("ou1",),
    "朴": ("piao2",),
    "查": ("zha1",),
    "盖": ("ge3",),
    "葛": ("ge3",),
    "覃": ("qin2",),
    "缪": ("miao4",),
    "秘": ("bi4",),
    "黑": ("he4",),
    "翟": ("zhai2",),
    "召": ("shao4",),
    "种": ("chong2",),
    "繁": ("po2",),
    "员": ("yun4",),
    "乐": ("yue4",),
    "燕": ("yan1",),
    "任": ("ren2",),
    "华": ("hua4",),
    "纪": ("ji3",),
    "过": ("guo1",),
    "折": ("she2",),
    "句": ("gou1",),
    "谌": ("chen2",),
    "藉": ("ji2",),
    "能": ("nai4",),
    "相": ("xiang1",),
    "车": ("che1",),
    "便": ("pian2",),
    "柏": ("bai3",),
    "阚": ("kan4",),
    "蔚": ("yu4",),
    "莘": ("shen1",),
    "宿": ("su4",),
    "应": ("ying1",),
    "隗": ("wei3",),
    "贲": ("ben1",),
    "逄": ("pang2",),
    "粘": ("nian2",),
    "沈": ("shen3",),
    "都": ("du1",),
    "尉": ("wei4",),
}
_LONGEST_SURNAME = max(len(s) for s in SURNAMES)
_SYLLABLE = re.compile(r"[a-z]+[1-5]")


def _each_character(run: str) -> list[str]:
    """What pypinyin gives back for a run of non-Chinese characters: one entry per character."""
    return list(run)


# pypinyin's stubs say ``errors`` returns a str; a list (one entry per character) is documented too.
_ERRORS: Any = _each_character


def syllables(text: str, kind: Kind = "text") -> list[str]:
    """One entry per character: ``liu2`` for 刘; other characters lower-cased as they are."""
    # Imported here: its dictionaries take a moment to load, and only writes need them.
    from pypinyin import Style, lazy_pinyin

    readings = lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=_ERRORS)
    if len(readings) != len(text):  # pypinyin keeps one entry per character; be safe anyway
        readings = [
            lazy_pinyin(c, style=Style.TONE3, neutral_tone_with_five=True, errors=_ERRORS)[0]
            for c in text
        ]  # type: ignore[arg-type]
    if kind == "person":
        for length in range(min(_LONGEST_SURNAME, len(text) - 1), 0, -1):
            surname = SURNAMES.get(text[:length])
            if surname is not None:
                readings[:length] = list(surname)
                break
    return [r.lower() for r in readings]


def sort_key(text: str | None, kind: Kind = "text") -> str | None:
    """The stored sort key: ``刘测试一`` → ``liu2ce4shi4yi1 刘测试一``; None stays None."""
    if text is None:
        return None
    parts = []
    for reading in syllables(text, kind):
        # A character without a reading sorts as itself, closed by "0" like a tone digit.
        parts.append(
            reading if _SYLLABLE.fullmatch(reading) else (reading + "0" if reading.strip() else "")
        )
    return "".join(parts) + " " + text


def search_text(text: str | None, kind: Kind = "text") -> str | None:
    """The stored search text: ``刘测试一`` → ``liuceshiyi lcsy`` (spelling, space, initials)."""
    if text is None:
        return None
    spelled = [re.sub(r"[1-5]$", "", r) for r in syllables(text, kind) if r.strip()]
    spelled = [s for s in spelled if s.isalnum()]
    return "".join(spelled) + " " + "".join(s[0] for s in spelled)
