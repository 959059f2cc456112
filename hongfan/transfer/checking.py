"""Every row of a file checked the way :mod:`hongfan.crud` checks one write, in batches.

References, natural keys, existing records and uniqueness are looked up once per file
(a few queries per type, chunked), not once per row; each row is then checked in
Python with crud's own steps — permission, coercion and column checks
(``crud._clean``), references inside the caller's scope, the scope parent, the root
rule, record checks — plus what only a file has: duplicate rows, names close to an
existing sibling's. The result says, row by row, what the import would do, and carries
the writes for :mod:`hongfan.transfer.bulk`. (The level rule over the whole file, its
new organisations included, is :mod:`hongfan.transfer.levelcheck`.)
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import access, crud
from hongfan.errors import Invalid
from hongfan.policy import Op, Rows
from hongfan.principal import Principal
from hongfan.transfer.columns import NATURAL_KEYS, Plan, relation_targets
from hongfan.transfer.names import is_official, match_key, near, short_name
from hongfan.transfer.references import Org, ReferenceProblem, References, name_key
from hongfan.transfer.report import Change, ImportResult, RowError
from hongfan.transfer.values import NAME_COLUMNS, ExcelNumber, changes, key_part, prepare_text
from models.messages import message
from models.rules import check_record, python_type

Progress = Callable[[int, int], Awaitable[None]]
PROGRESS_EVERY = 500
CHUNK = 500


@dataclass
class Create:
    row: int
    values: dict[str, Any]
    placeholder: int | None = None  # an organisation that later rows of the file may name


@dataclass
class Update:
    row: int
    record: Any
    values: dict[str, Any]


@dataclass
class Checked:
    report: ImportResult
    creates: list[Create] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    # Existence checks on personal values that hit (hongfan.probes): audit entries the
    # import writes after its read-only check, preview or not.
    probes: list[Any] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    data: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, str | None] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    unresolved: bool = False
    key: tuple[Any, ...] | None = None
    existing: Any = None
    placeholder: int | None = None


class Checker:
    def __init__(
        self, session: AsyncSession, principal: Principal, plan: Plan, references: References
    ) -> None:
        self.session = session
        self.principal = principal
        self.plan = plan
        self.model = plan.model
        self.type_name = self.model.__entity__.type_name
        self.lang = principal.language
        self.refs = references
        self.targets = relation_targets(self.model)
        self.key_columns = NATURAL_KEYS.get(self.type_name, ())
        self.siblings: dict[Any, list[Any]] = {}
        self.probes: list[Any] = []  # audit entries of personal values found taken

    def error(self, column: str, code: str, **params: Any) -> RowError:
        header = self.plan.header(column) if column else ""
        return RowError(header, code, message(code, self.lang, **params))

    # -- reading the cells --

    def extract(self, number: int, cells: list[str | None]) -> _Row:
        row = _Row(number)
        for column, index, header in self.plan.columns:
            text = cells[index] if index < len(cells) else None
            text = (str(text).strip() or None) if text is not None else None
            if column in self.targets:
                row.texts[column] = text
                continue
            try:
                row.data[column] = prepare_text(self.model, column, text)
            except ExcelNumber:
                row.errors.append(
                    RowError(
                        header,
                        "import.excel_number",
                        message("import.excel_number", self.lang, value=text),
                    )
                )
        name = row.data.get("name")
        if self.type_name == "Organisation" and isinstance(name, str) and is_official(name):
            # 高林社区居委会 is 高林社区: one record, the official form kept beside it.
            row.data["name"] = short_name(name)
            row.data.setdefault("official_name", name)
        return row

    def resolve(self, row: _Row) -> None:
        for column, text in row.texts.items():
            if text is None:
                row.data[column] = None
                continue
            try:
                row.data[column] = self.refs.resolve(self.targets[column], text)
            except ReferenceProblem as problem:
                row.unresolved = True
                row.errors.append(self.error(column, problem.code, **problem.params))

    def key_of(self, row: _Row) -> tuple[Any, ...] | None:
        """The row's natural key for matching, or None (an unresolved or invalid part)."""
        if not self.key_columns or row.unresolved:
            return None
        table = self.model.__table__  # type: ignore[attr-defined]
        parts: list[Any] = []
        for column in self.key_columns:
            ok, value = key_part(self.model, column, row.data.get(column))
            if not ok or (value is None and not table.c[column].nullable):
                return None
            parts.append(value)
        return tuple(parts)

    def record_key(self, record: Any) -> tuple[Any, ...]:
        return tuple(key_part(self.model, c, getattr(record, c))[1] for c in self.key_columns)

    # -- existing records --

    async def load_existing(self, rows: list[_Row]) -> dict[tuple[Any, ...], list[Any]]:
        """Records sharing a natural key with some row, by key (one query per chunk)."""
        found: dict[tuple[Any, ...], list[Any]] = {}
        if not self.key_columns:
            return found
        anchor = self.key_columns[0]
        values = sorted(
            {r.key[0] for r in rows if r.key is not None and r.key[0] is not None}, key=str
        )
        column = getattr(self.model, anchor)
        for start in range(0, len(values), CHUNK):
            statement = (
                sa.select(self.model)
                .where(column.in_(values[start : start + CHUNK]))
                .order_by(self.model.id)  # type: ignore[arg-type]
            )
            for record in (await self.session.execute(statement)).scalars():
                found.setdefault(self.record_key(record), []).append(record)
                self.siblings.setdefault(self._sibling_group(self.record_key(record)), []).append(
                    record
                )
        return found

    def _sibling_group(self, key: tuple[Any, ...]) -> Any:
        names = [i for i, c in enumerate(self.key_columns) if c in NAME_COLUMNS]
        return tuple(v for i, v in enumerate(key) if i not in names) if names else None

    def organisation_row(self, row: _Row, index_next: Callable[[], int]) -> None:
        """Match an organisation row in memory; a new one joins the index for the other rows
        (:mod:`hongfan.transfer.forward` takes the rows in an order where parents come first)."""
        index = self.refs.organisations
        code = row.data.get("code")
        if code and not row.unresolved and code in index.by_code:
            row.existing = index.orgs[index.by_code[code]]
        elif row.key is not None:
            parent, key = row.data.get("parent_id"), name_key(str(row.data.get("name")))
            same = [
                o
                for o in index.children(parent)
                if o.id > 0 and name_key(o.name) == key and o.visible
            ]
            row.existing = same[0] if same else None
        if row.existing is None and row.key is not None and not row.errors:
            parent = index.orgs.get(row.data.get("parent_id") or 0)
            row.placeholder = index_next()
            level = row.data.get("level")
            index.add(
                Org(
                    row.placeholder,
                    str(row.data.get("name")),
                    f"{parent.path if parent else '/'}{row.placeholder}/",
                    parent.id if parent else None,
                    str(level) if level else None,
                )
            )

    # -- one row --

    def check_create(self, row: _Row) -> Create | None:
        values = {k: v for k, v in row.data.items() if v is not None}
        if not access.can_write(self.principal, self.model, Op.CREATE):
            row.errors.append(self.error("", "forbidden"))
            return None
        try:
            cleaned = crud._clean(self.session, self.model, values, self.lang, partial=False)
        except Invalid as invalid:
            row.errors += [
                RowError(self.plan.header(e.field), e.code, e.message) for e in invalid.errors
            ]
            return None
        self.check_scope(row, cleaned, cleaned)
        row.errors += [self.error(f, c, **p) for f, c, p in check_record(self.model, cleaned)]
        if row.errors:
            return None
        if self.key_columns and row.key is not None:
            self.warn_near(row, cleaned)
        return Create(row.number, cleaned, row.placeholder)

    def check_update(self, row: _Row, record: Any) -> tuple[Update | None, list[Change]]:
        if not access.can_write(self.principal, self.model, Op.UPDATE):
            row.errors.append(self.error("", "forbidden"))
            return None, []
        wanted = changes(self.principal, self.model, record, row.data)
        if not wanted:
            return None, []
        try:
            cleaned = crud._clean(self.session, self.model, wanted, self.lang, partial=True)
        except Invalid as invalid:
            row.errors += [
                RowError(self.plan.header(e.field), e.code, e.message) for e in invalid.errors
            ]
            return None, []
        merged = {**crud.snapshot(record), **cleaned}
        self.check_scope(row, cleaned, merged)
        row.errors += [self.error(f, c, **p) for f, c, p in check_record(self.model, merged)]
        if row.errors:
            return None, []
        shown = self.describe(record, cleaned)
        for column in ("name", "title"):
            if column in cleaned and access.can_read_column(self.principal, self.model, column):
                row.warnings.append(
                    self.error(
                        column, "import.renamed", old=getattr(record, column), new=cleaned[column]
                    )
                )
        return Update(row.number, record, cleaned), shown

    def check_scope(self, row: _Row, cleaned: dict[str, Any], merged: dict[str, Any]) -> None:
        """References inside the caller's scope, organisation from the scope parent, the root rule."""
        for fk, target in self.targets.items():
            value = cleaned.get(fk)
            if value is None:
                continue
            if target == "Organisation":
                org = self.refs.organisations.orgs.get(int(value))
                if org is None or not org.visible:
                    row.errors.append(self.error(fk, "invalid_reference"))
        meta = self.model.__entity__
        if meta.scope_parent is not None and meta.scope_parent[0] in cleaned:
            fk, parent = meta.scope_parent
            cleaned["organisation_id"] = merged["organisation_id"] = self.refs.owner(
                parent, int(cleaned[fk])
            )
        if meta.scope == "path" and merged.get("parent_id") is None:
            if access.row_rule(self.principal, self.model) is not Rows.ALL:
                row.errors.append(self.error("parent_id", "root_forbidden"))

    def warn_near(self, row: _Row, values: dict[str, Any]) -> None:
        name_column = next((c for c in self.key_columns if c in NAME_COLUMNS), None)
        if name_column is None or row.key is None:
            return
        if self.type_name == "Organisation":
            siblings = [
                o.name
                for o in self.refs.organisations.children(values.get("parent_id"))
                if o.id > 0
            ]
        else:
            group = self._sibling_group(row.key)
            siblings = [getattr(r, name_column) for r in self.siblings.get(group, [])]
        mine = match_key(str(values.get(name_column)))
        for other in siblings:
            if near(mine, match_key(other)):
                row.warnings.append(
                    self.error(
                        name_column, "import.near_name", name=values.get(name_column), other=other
                    )
                )
                break

    def value_errors(self, row: _Row) -> list[RowError]:
        out: list[RowError] = []
        reported = {e.column for e in row.errors}
        for column, raw in row.data.items():
            if raw is None or column in self.targets or self.plan.header(column) in reported:
                continue
            try:
                crud._clean(self.session, self.model, {column: raw}, self.lang, partial=True)
            except Invalid as invalid:
                out += [
                    RowError(self.plan.header(e.field), e.code, e.message) for e in invalid.errors
                ]
        return out

    def describe(self, record: Any, cleaned: dict[str, Any]) -> list[Change]:
        from hongfan.transfer.rendering import render_value

        out = []
        for column, after in cleaned.items():
            before = getattr(record, column)
            kind = python_type(self.model, column)
            if isinstance(kind, type) and issubclass(kind, enum.Enum):
                # a choice by its label on both sides (区/县, not the stored "district")
                before, after = _member(kind, before), _member(kind, after)
            if column in self.targets and self.targets[column] == "Organisation":
                shown_before = self.refs.organisations.render(before) or ""
                shown_after = self.refs.organisations.render(after) or ""
            else:
                shown_before = render_value(
                    access.present(self.principal, self.model, column, before), self.lang
                )
                shown_after = render_value(
                    access.present(self.principal, self.model, column, after), self.lang
                )
            out.append(Change(self.plan.header(column), _text(shown_before), _text(shown_after)))
        return out


def _member(kind: type[enum.Enum], value: Any) -> Any:
    """``value`` as a member of ``kind`` when it is one's value (cleaned values are plain)."""
    if value is None or isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


__all__ = ["CHUNK", "Checked", "Checker", "Create", "Update"]
