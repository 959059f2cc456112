"""Pinyin for Chinese names: the order Chinese users expect, and search by spelling or initials.

A column declared with ``col(..., pinyin="person")`` (people's names) or
``pinyin="text"`` (place and organisation names, titles) gets two stored
columns derived from it on every write:

* ``<column>_pinyin`` — the sort key: each character's syllable with its tone
  digit (``liu2ce4shi4yi1``), then a space and the text itself. Ordering by it
  gives the pinyin order of Excel's and WPS's Chinese sort (蔡 cai < 陈 chen <
  洪 hong < 黄 huang; 李 li3 < 李安 li3an1 < 林 lin2, because a tone digit sorts
  before any letter), syllable by syllable, tones 1–5 within a syllable, and the
  characters themselves last, so homophones group and ties are decided. The
  column is compared byte-wise (``COLLATE "C"`` on PostgreSQL, SQLite's
  default), so both databases give the same order.
* ``<column>_pinyin_search`` — the toneless spelling and the initials,
  ``liuceshiyi lcsy``: typing ``lcs`` or ``liuceshi`` finds 刘测试一.

The readings come from ``pypinyin`` (its phrase dictionary resolves most
polyphonic characters in context); people's surnames are read as surnames, which
the dictionary does not know: 单 shàn, 曾 zēng, 解 xiè, 仇 qiú, 区 ōu … (the
table below, after the 《现代汉语词典》 surname readings).

The values are computed in one place, :func:`derived_values`: every Core write that
sets a name adds them beside it (``hongfan.crud``'s update, the spreadsheet import's
multi-row INSERT and version-checked UPDATE, erasure); the column default covers any
other insert and an ORM ``before_update`` hook any other ORM change of a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_attribute

Kind = Literal["person", "text"]

SORT_SUFFIX = "_pinyin"
SEARCH_SUFFIX = "_pinyin_search"

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
_QUERY = re.compile(r"[a-zü]+")


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


def pinyin_query(text: str) -> str | None:
    """What a typed pinyin search means: ``Liu Ce`` → ``liuce``; None unless it is pinyin letters.

    Spaces and apostrophes (xi'an) are dropped; ü may be typed as v, as on every
    Chinese keyboard. Anything else (Chinese characters, digits) is not a pinyin search.
    """
    compact = re.sub(r"[\s']+", "", text).lower().replace("ü", "v")
    if not compact or len(compact) > 100 or not _QUERY.fullmatch(compact):
        return None
    return compact


# -- declaring the derived columns ------------------------------------------------------


def _derive(
    source: str, compute: Callable[[str | None, Kind], str | None], kind: Kind
) -> Callable[[Any], Any]:
    def default(context: Any) -> Any:
        value = context.get_current_parameters().get(source)
        return compute(value, kind)

    return default


def pinyin_kind(column: sa.Column[Any]) -> Kind | None:
    meta = column.info.get("meta")
    return getattr(meta, "pinyin", None)


def derived_from(column: sa.Column[Any]) -> str | None:
    """The column a derived pinyin column is computed from; None for ordinary columns."""
    source = column.info.get("pinyin_of")
    return str(source) if source else None


def attach(model: Any) -> None:
    """Add and map the derived columns of every pinyin column of ``model``'s table."""
    table: sa.Table = model.__table__
    for column in list(table.columns):
        kind = pinyin_kind(column)
        if kind is None or f"{column.name}{SORT_SUFFIX}" in table.c:
            continue
        info = {"pinyin_of": column.name}
        text = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
        key = sa.Column(
            f"{column.name}{SORT_SUFFIX}",
            text,
            nullable=True,
            info=info,
            default=_derive(column.name, sort_key, kind),
        )
        search = sa.Column(
            f"{column.name}{SEARCH_SUFFIX}",
            sa.Text(),
            nullable=True,
            info={**info, "grams": True},  # models.search.GRAMS: indexed below
            default=_derive(column.name, search_text, kind),
        )
        for derived in (key, search):
            table.append_column(derived)
            model.__mapper__.add_property(derived.name, derived)
        sa.Index(f"ix_{table.name}_{key.name}", key)
        sa.Index(
            f"ix_{table.name}_{search.name}_grams",
            sa.func.hongfan_grams(search),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql")
        sa.event.listen(model, "before_update", _refresh(column.name, kind))


def _refresh(source: str, kind: Kind) -> Callable[..., None]:
    def before_update(_mapper: Any, _connection: Any, target: Any) -> None:
        if sa.inspect(target).attrs[source].history.has_changes():
            value = getattr(target, source)
            store(
                target,
                {
                    f"{source}{SORT_SUFFIX}": sort_key(value, kind),
                    f"{source}{SEARCH_SUFFIX}": search_text(value, kind),
                },
            )

    return before_update


def store(record: Any, values: dict[str, Any]) -> None:
    """Set derived values on a loaded record (they are mapped, but not pydantic fields)."""
    for name, value in values.items():
        set_attribute(record, name, value)


def derived_values(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The derived pinyin columns to write beside ``values`` (an UPDATE's SET)."""
    extra: dict[str, Any] = {}
    table: sa.Table = model.__table__
    for name, value in values.items():
        if name not in table.c:
            continue
        kind = pinyin_kind(table.c[name])
        if kind is not None:
            extra[f"{name}{SORT_SUFFIX}"] = sort_key(value, kind)
            extra[f"{name}{SEARCH_SUFFIX}"] = search_text(value, kind)
    return extra


def sort_column(model: Any, column: str) -> str:
    """The column to order by for ``column``: its pinyin sort key when it has one."""
    table: sa.Table = model.__table__
    derived = f"{column}{SORT_SUFFIX}"
    return (
        derived
        if column in table.c and pinyin_kind(table.c[column]) and derived in table.c
        else column
    )


def matches(column: Any, text: str) -> sa.ColumnElement[bool]:
    """``column``'s text reads as ``text`` in pinyin: the spelling or the initials contain it.

    ``text`` that is not pinyin letters matches nothing. Raises KeyError for a
    column without pinyin.
    """
    from models.search import text_contains

    table = column.table
    search = table.c[f"{column.key}{SEARCH_SUFFIX}"]
    query = pinyin_query(text)
    if query is None:
        return sa.false()
    return text_contains(search, query)


__all__ = [
    "SURNAMES",
    "attach",
    "derived_values",
    "matches",
    "pinyin_query",
    "search_text",
    "sort_column",
    "sort_key",
    "store",
    "syllables",
]
