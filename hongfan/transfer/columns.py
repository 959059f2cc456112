"""Which record type a file is for, and which of its columns feeds which field.

* Headers may be a column's Chinese label, its English label or its snake_case name
  (``身份证号`` / ``ID number`` / ``id_number``), or a relation's name.
* :data:`NATURAL_KEYS` — the columns that identify a record in the world, so that
  importing the same file again updates instead of duplicating (each type's
  ``EntityMeta.natural_key``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from hongfan import crud
from hongfan.transfer.sheets import SpreadsheetError
from models.base import ENTITIES, Record, ToOne, column_meta
from models.messages import message

# Both derived from the declarations (EntityMeta.natural_key, EntityMeta.aliases).
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    name: model.__entity__.natural_key
    for name, model in ENTITIES.items()
    if model.__entity__.natural_key
}

# Extra names a user may give on the command line or in a URL.
TYPE_ALIASES: dict[str, str] = {
    alias: name for name, model in ENTITIES.items() for alias in model.__entity__.aliases
}

# The column an error file adds; ignored when the fixed file comes back.
ERROR_COLUMN = ("错误说明", "Errors")


class UnknownType(ValueError):
    """The name is not a record type that can be imported or exported."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def message(self, lang: str = "zh") -> str:
        return message("import.unknown_type", lang, name=self.name)


def norm(text: str) -> str:
    """A header or type name for matching: NFKC, case-folded, without spaces, _ - and *."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_\-*]+", "", text)


def resolve_type(name: str) -> type[Record]:
    """A record type by GraphQL type name, plural, Chinese or English label, or alias."""
    wanted = norm(name)
    for model in ENTITIES.values():
        meta = model.__entity__
        if wanted in {norm(n) for n in (meta.type_name, meta.plural, meta.label_zh, meta.label_en)}:
            return model
    for alias, type_name in TYPE_ALIASES.items():
        if wanted == norm(alias) and type_name in ENTITIES:
            return ENTITIES[type_name]
    raise UnknownType(name)


def importable_columns(model: type[Record]) -> list[str]:
    """The columns a file may set, in declaration order."""
    return crud.writable_columns(model)


def relation_targets(model: type[Record]) -> dict[str, str]:
    """Foreign-key column → the type name it points at."""
    return {r.fk: r.target for r in model.__entity__.relations if isinstance(r, ToOne)}


def column_label(model: type[Record], column: str, lang: str) -> str:
    meta = column_meta(model, column)
    return meta.label_en if lang == "en" else meta.label_zh


def template_headers(type_name: str, lang: str = "zh") -> list[str]:
    """The headers of a blank import template, as labels in ``lang``."""
    model = resolve_type(type_name)
    return [column_label(model, c, lang) for c in importable_columns(model)]


@cache
def aliases(model: type[Record]) -> tuple[dict[str, str], frozenset[str]]:
    """Normalised header → column, and the normalised names of known non-importable columns."""
    importable = importable_columns(model)
    strong: dict[str, str] = {}
    weak: dict[str, set[str]] = {}
    relation_names = {r.fk: r.name for r in model.__entity__.relations if isinstance(r, ToOne)}
    for column in importable:
        meta = column_meta(model, column)
        for text in (meta.label_zh, meta.label_en, column):
            strong.setdefault(norm(text), column)
        extras = [relation_names.get(column, "")]
        extras += [re.sub(r"\(.*\)$", "", norm(t)) for t in (meta.label_zh, meta.label_en)]
        for text in extras:
            key = norm(text)
            if key:
                weak.setdefault(key, set()).add(column)
    found = dict(strong)
    for key, columns in weak.items():
        if key not in found and len(columns) == 1:
            found[key] = next(iter(columns))
    known: set[str] = {norm(t) for t in ERROR_COLUMN}
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        if column.name in importable:
            continue
        meta = column_meta(model, column.name)
        known |= {norm(meta.label_zh), norm(meta.label_en), norm(column.name)}
    return found, frozenset(known - set(found))


def recogniser(model: type[Record]) -> Callable[[str], bool]:
    """Is this text one of the type's column names? (for finding the header row)"""
    found, known = aliases(model)
    return lambda text: bool(text) and (norm(text) in found or norm(text) in known)


@dataclass
class Plan:
    """Which file column feeds which record column."""

    model: type[Record]
    lang: str
    columns: list[tuple[str, int, str]]  # (column, index in the row, header)
    ignored: list[str]

    def header(self, column: str) -> str:
        for name, _index, header in self.columns:
            if name == column:
                return header
        if column in self.model.__table__.c:  # type: ignore[attr-defined]
            return column_label(self.model, column, self.lang)
        return ""

    def index(self, column: str) -> int | None:
        for name, index, _header in self.columns:
            if name == column:
                return index
        return None


def plan(model: type[Record], headers: list[str], lang: str) -> Plan:
    """Map the headers to columns; SpreadsheetError when none is known or a key is missing."""
    found, known = aliases(model)
    columns: list[tuple[str, int, str]] = []
    taken: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = norm(header)
        column = found.get(key)
        if column is None:
            if header and key not in known:
                ignored.append(header)
            continue
        if column in taken:
            raise SpreadsheetError("import.duplicate_column", column=header, other=taken[column])
        taken[column] = header
        columns.append((column, index, header))
    if not columns:
        raise SpreadsheetError("import.no_columns")
    table = model.__table__  # type: ignore[attr-defined]
    for column in NATURAL_KEYS.get(model.__entity__.type_name, ()):
        if column not in taken and not table.c[column].nullable:
            raise SpreadsheetError(
                "import.missing_column", column=column_label(model, column, lang)
            )
    return Plan(model, lang, columns, ignored)


__all__ = [
    "ERROR_COLUMN",
    "NATURAL_KEYS",
    "TYPE_ALIASES",
    "Plan",
    "UnknownType",
    "aliases",
    "column_label",
    "importable_columns",
    "plan",
    "recogniser",
    "relation_targets",
    "resolve_type",
    "template_headers",
]
