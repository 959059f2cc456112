"""Spreadsheet import: the records staff keep in Excel, through the one write path.

A :class:`~hongfan.spreadsheets.Table` is imported row by row with
:func:`hongfan.crud.create` / :func:`hongfan.crud.update`, so validation, row
scope, permissions and the audit log apply exactly as for any other write.

* Headers may be a column's Chinese label, its English label or its
  snake_case name (``身份证号`` / ``ID number`` / ``id_number``).
* Relation columns are written the way staff write them: an organisation as
  its path of names (``厦门市/湖里区/殿前街道/高林社区``, any unique tail of it,
  or a unique plain name); a company by name or unified social credit code;
  a student by ID number (or a unique name); a course or service site by its
  title/name, followed by its organisation in brackets when the name alone is
  not unique (``家庭健康指导员培训（湖里区）``). Only records the importer may
  see are found.
* Each row is matched to an existing record by its natural key
  (:data:`NATURAL_KEYS`), so importing the same file again updates instead of
  duplicating; rows whose values equal the stored ones are "unchanged".
* The whole import runs in one transaction with a savepoint per row, so every
  row is checked and every error reported; :func:`preview_import` always rolls
  back, :func:`commit_import` commits only when no row has an error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import access, crud
from hongfan.db import Database
from hongfan.errors import FieldError, HongfanError
from hongfan.principal import Principal
from hongfan.spreadsheets import SpreadsheetError, Table
from models.base import ENTITIES, Record, ToOne, column_meta
from models.messages import message
from models.rules import Invalid as InvalidValue
from models.rules import check_column, coerce, python_type
from models.validators import normalise_credit_code, normalise_national_id

Action = Literal["create", "update", "unchanged"]
Progress = Callable[[int, int], Awaitable[None]]

# The columns that identify a record in the world, so a re-import updates it.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "ScholarshipStudent": ("id_number",),
    "Company": ("credit_code",),
    "Organisation": ("parent_id", "name"),
    "ServiceSite": ("organisation_id", "name"),
    "Course": ("organisation_id", "title"),
    "Enrolment": ("course_id", "organisation_id", "name"),
    "CourseSession": ("course_id", "session_date", "topic"),
    "Grant": ("student_id", "year", "funding_source"),
    "Internship": ("student_id", "company_id"),
}

# Extra names a user may give on the command line or in a URL.
TYPE_ALIASES: dict[str, str] = {
    "students": "ScholarshipStudent",
    "student": "ScholarshipStudent",
    "学生": "ScholarshipStudent",
    "金秋助学": "ScholarshipStudent",
    "orgs": "Organisation",
    "organizations": "Organisation",
    "organization": "Organisation",
    "sites": "ServiceSite",
    "阵地": "ServiceSite",
    "企业": "Company",
    "实践基地": "Company",
    "课程": "Course",
    "培训": "Course",
    "sessions": "CourseSession",
    "报名": "Enrolment",
    "enrollments": "Enrolment",
    "enrollment": "Enrolment",
    "学员": "Enrolment",
    "助学金": "Grant",
}

PROGRESS_EVERY = 50
_SEPARATORS = re.compile(r"[/／]")
_BRACKETED = re.compile(r"^(?P<name>.+?)\s*[（(](?P<owner>[^（）()]+)[）)]\s*$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


class UnknownType(ValueError):
    """The name is not a record type that can be imported or exported."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def message(self, lang: str = "zh") -> str:
        return message("import.unknown_type", lang, name=self.name)


# -- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    column: str  # the header as written in the file (a label when the column is missing; "" for the row)
    code: str
    message: str  # in the importer's language


@dataclass
class RowOutcome:
    row: int  # spreadsheet row number; the header is row 1
    action: Action  # what the row does (or would do, had no row failed)
    errors: list[RowError] = field(default_factory=list)
    record_id: int | None = None  # after a committed import; in a preview only for existing records

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    type_name: str
    rows: list[RowOutcome]
    ignored_headers: list[str] = field(default_factory=list)  # headers matching no importable column

    @property
    def created(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.action == "create")

    @property
    def updated(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.action == "update")

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.ok and r.action == "unchanged")

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if not r.ok)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def ok(self) -> bool:
        return self.failed == 0

    @property
    def errors(self) -> list[tuple[int, RowError]]:
        return [(r.row, e) for r in self.rows for e in r.errors]


@dataclass
class ImportResult(ImportPreview):
    committed: bool = False  # True when every row was written; False means nothing was


# -- record types and columns ----------------------------------------------------------


def _norm(text: str) -> str:
    """A header or type name for matching: NFKC, case-folded, without spaces, _ - and *."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s_\-*]+", "", text)


def resolve_type(name: str) -> type[Record]:
    """A record type by GraphQL type name, plural, Chinese or English label, or alias."""
    wanted = _norm(name)
    for model in ENTITIES.values():
        meta = model.__entity__
        if wanted in {_norm(n) for n in (meta.type_name, meta.plural, meta.label_zh, meta.label_en)}:
            return model
    for alias, type_name in TYPE_ALIASES.items():
        if wanted == _norm(alias) and type_name in ENTITIES:
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


def _aliases(model: type[Record]) -> tuple[dict[str, str], set[str]]:
    """Normalised header → column, and the normalised names of known non-importable columns."""
    importable = importable_columns(model)
    strong: dict[str, str] = {}
    weak: dict[str, set[str]] = {}
    relation_names = {r.fk: r.name for r in model.__entity__.relations if isinstance(r, ToOne)}
    for column in importable:
        meta = column_meta(model, column)
        for text in (meta.label_zh, meta.label_en, column):
            strong.setdefault(_norm(text), column)
        extras = [relation_names.get(column, "")]
        extras += [re.sub(r"\(.*\)$", "", _norm(t)) for t in (meta.label_zh, meta.label_en)]
        for text in extras:
            key = _norm(text)
            if key:
                weak.setdefault(key, set()).add(column)
    aliases = dict(strong)
    for key, columns in weak.items():
        if key not in aliases and len(columns) == 1:
            aliases[key] = next(iter(columns))
    known: set[str] = set()
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        if column.name in importable:
            continue
        meta = column_meta(model, column.name)
        known |= {_norm(meta.label_zh), _norm(meta.label_en), _norm(column.name)}
    return aliases, known - set(aliases)


@dataclass
class _Plan:
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


def _plan(model: type[Record], headers: list[str], lang: str) -> _Plan:
    aliases, known = _aliases(model)
    columns: list[tuple[str, int, str]] = []
    taken: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = _norm(header)
        column = aliases.get(key)
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
            raise SpreadsheetError("import.missing_column", column=column_label(model, column, lang))
    return _Plan(model, lang, columns, ignored)


# -- references ------------------------------------------------------------------------


class _ReferenceProblem(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class _Org:
    id: int
    name: str
    path: str


class OrganisationIndex:
    """Organisations by their path of names, as the caller may see them.

    Holds the visible organisations, plus the caller's own ancestors so that a
    district editor can write (and read) full paths from the root,
    ``厦门市/湖里区/…``, and its own district's parent. Finding an ancestor
    grants nothing: crud refuses a write that refers to an invisible record.
    """

    def __init__(self) -> None:
        self.orgs: dict[int, _Org] = {}
        self.names: dict[int, str] = {}
        self.by_name: dict[str, list[int]] = {}

    @classmethod
    async def load(cls, session: AsyncSession, principal: Principal) -> OrganisationIndex:
        index = cls()
        model: Any = ENTITIES["Organisation"]
        visible = await session.execute(
            sa.select(model.id, model.name, model.path)
        )
        for org_id, name, path in visible.all():
            index.add(org_id, name, path)
        ancestors = [int(p) for p in (principal.organisation_path or "").split("/") if p]
        missing = [a for a in ancestors if a not in index.names]
        if missing:
            # The caller's own chain up to the root (a Core query on the table, names only):
            # a district editor's own district names its parent, the city. crud still
            # refuses to write a reference to it.
            table = model.__table__  # type: ignore[attr-defined]
            rows = await session.execute(sa.select(table.c.id, table.c.name).where(table.c.id.in_(missing)))
            names: dict[int, str] = {int(i): str(n) for i, n in rows.all()}
            for depth, org_id in enumerate(ancestors):
                if org_id in missing and org_id in names:
                    path = "/" + "".join(f"{a}/" for a in ancestors[: depth + 1])
                    index.add(org_id, names[org_id], path)
        return index

    def add(self, org_id: int, name: str, path: str) -> None:
        old = self.orgs.get(org_id)
        if old is not None:
            self.by_name[old.name].remove(org_id)
        self.orgs[org_id] = _Org(org_id, name, path)
        self.names[org_id] = name
        self.by_name.setdefault(name, []).append(org_id)

    def segments(self, org_id: int) -> list[str]:
        org = self.orgs.get(org_id)
        if org is None:
            return []
        ids = [int(p) for p in org.path.split("/") if p] or [org_id]
        return [self.names[i] for i in ids if i in self.names]

    def render(self, org_id: int | None) -> str | None:
        if org_id is None:
            return None
        segments = self.segments(org_id)
        return "/".join(segments) if segments else None

    def find(self, text: str) -> list[int]:
        wanted = [s.strip() for s in _SEPARATORS.split(text) if s.strip()]
        if not wanted:
            return []
        matches = [
            i for i in self.by_name.get(wanted[-1], []) if self.segments(i)[-len(wanted):] == wanted
        ]
        exact = [i for i in matches if self.segments(i) == wanted]
        return exact or matches


class References:
    """Turns what staff write in a relation column into the id of a visible record."""

    def __init__(self, session: AsyncSession, principal: Principal, organisations: OrganisationIndex) -> None:
        self.session = session
        self.principal = principal
        self.organisations = organisations
        self._cache: dict[tuple[str, str], int] = {}

    @classmethod
    async def load(cls, session: AsyncSession, principal: Principal) -> References:
        return cls(session, principal, await OrganisationIndex.load(session, principal))

    def forget(self, type_name: str) -> None:
        self._cache = {k: v for k, v in self._cache.items() if k[0] != type_name}

    def wrote(self, record: Record) -> None:
        """Keep lookups current after a row wrote ``record``."""
        type_name = record.__entity__.type_name
        if type_name == "Organisation":
            old = self.organisations.orgs.get(record.id or 0)
            self.organisations.add(record.id or 0, record.name, record.path)  # type: ignore[attr-defined]
            if old is not None and old.path != record.path:  # type: ignore[attr-defined]
                self._reindex_below(old.path, record.path)  # type: ignore[attr-defined]
        self.forget(type_name)

    def _reindex_below(self, old_path: str, new_path: str) -> None:
        for org in list(self.organisations.orgs.values()):
            if org.path.startswith(old_path) and org.path != new_path:
                self.organisations.add(org.id, org.name, new_path + org.path[len(old_path):])

    async def resolve(self, target: str, text: str) -> int:
        key = (target, text)
        if key not in self._cache:
            ids = await self._find(target, text)
            if not ids:
                raise _ReferenceProblem("import.reference", value=text, target=_target_label(target, self.principal))
            if len(set(ids)) > 1:
                raise _ReferenceProblem(
                    "import.ambiguous_reference", value=text, target=_target_label(target, self.principal)
                )
            self._cache[key] = ids[0]
        return self._cache[key]

    async def _ids(self, statement: sa.Select[Any]) -> list[int]:
        return [int(i) for i in (await self.session.execute(statement.limit(5))).scalars().all()]

    async def _find(self, target: str, text: str) -> list[int]:
        model: Any = ENTITIES[target]
        if target == "Organisation":
            return self.organisations.find(text)
        if target == "Company":
            code = normalise_credit_code(text)
            if re.fullmatch(r"[0-9A-Z]{18}", code):
                found = await self._ids(sa.select(model.id).where(model.credit_code == code))
                if found:
                    return found
            return await self._ids(sa.select(model.id).where(model.name == text))
        if target == "ScholarshipStudent":
            number = normalise_national_id(text)
            if re.fullmatch(r"\d{17}[\dX]", number):
                return await self._ids(sa.select(model.id).where(model.id_number == number))
            return await self._ids(sa.select(model.id).where(model.name == text))
        if target in ("Course", "ServiceSite"):
            name_column = model.title if target == "Course" else model.name  # type: ignore[attr-defined]
            found = await self._ids(sa.select(model.id).where(name_column == text))
            if len(found) == 1:
                return found
            bracketed = _BRACKETED.match(text)
            if bracketed:
                owners = self.organisations.find(bracketed["owner"])
                if owners:
                    narrowed = await self._ids(
                        sa.select(model.id).where(
                            name_column == bracketed["name"].strip(),
                            model.organisation_id.in_(owners),  # type: ignore[attr-defined]
                        )
                    )
                    if narrowed:
                        return narrowed
            return found
        # Any other type: by database id.
        if text.isdigit():
            return await self._ids(sa.select(model.id).where(model.id == int(text)))
        return []


def _target_label(target: str, principal: Principal) -> str:
    meta = ENTITIES[target].__entity__
    return meta.label_en if principal.language == "en" else meta.label_zh


# -- values ------------------------------------------------------------------------------


def prepare_text(model: type[Record], column: str, text: str | None) -> str | None:
    """Spreadsheet spellings that :func:`models.rules.coerce` does not know yet."""
    if text is None:
        return None
    target = python_type(model, column)
    if target is date:
        match = _DATE.match(text) or _COMPACT_DATE.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return f"{year:04d}-{month:02d}-{day:02d}"
        return text.removesuffix(" 00:00:00")
    if target is Decimal:
        return text.replace("¥", "").replace("￥", "").removesuffix("元").strip()
    return text


def _normalised(model: type[Record], column: str, value: Any) -> tuple[bool, Any]:
    """(ok, value as crud would store it), without raising."""
    if column in relation_targets(model):
        return True, value
    try:
        coerced = coerce(model, column, value)
    except InvalidValue:
        return False, None
    coerced, problem = check_column(model, column, coerced)
    if problem is not None and coerced is not None:
        return False, None
    return True, coerced


def _clear_to_caller(principal: Principal, model: type[Record], column: str) -> bool:
    """True when the caller sees the column's stored value unchanged (not masked, not hidden)."""
    narrowed = access.readable_columns(principal, model)
    if narrowed is not None and column not in narrowed:
        return False
    return access.can_read_column(principal, model, column)


# -- the import ------------------------------------------------------------------------------


class _Rollback(Exception):
    def __init__(self, report: ImportResult) -> None:
        super().__init__("rollback")
        self.report = report


async def preview_import(db: Database, principal: Principal, type_name: str, table: Table) -> ImportPreview:
    """What importing ``table`` would do, row by row; never writes anything."""
    report = await _import(db, principal, type_name, table, commit=False, progress=None)
    return ImportPreview(type_name=report.type_name, rows=report.rows, ignored_headers=report.ignored_headers)


async def commit_import(
    db: Database,
    principal: Principal,
    type_name: str,
    table: Table,
    progress: Progress | None = None,
) -> ImportResult:
    """Import ``table`` all or nothing: written only when every row is valid."""
    return await _import(db, principal, type_name, table, commit=True, progress=progress)


async def _import(
    db: Database, principal: Principal, type_name: str, table: Table, *, commit: bool, progress: Progress | None
) -> ImportResult:
    model = resolve_type(type_name)
    plan = _plan(model, table.headers, principal.language)
    try:
        async with db.transaction(principal) as session:
            report = await _run(session, principal, model, plan, table, progress)
            if not commit or not report.ok:
                raise _Rollback(report)
            report.committed = True
    except _Rollback as rollback:
        report = rollback.report
        for outcome in report.rows:
            if outcome.action == "create":
                outcome.record_id = None  # rolled back: the id was never real
    return report


async def _run(
    session: AsyncSession,
    principal: Principal,
    model: type[Record],
    plan: _Plan,
    table: Table,
    progress: Progress | None,
) -> ImportResult:
    references = await References.load(session, principal)
    seen: dict[tuple[Any, ...], int] = {}
    outcomes: list[RowOutcome] = []
    total = len(table.rows)
    for done, (number, cells) in enumerate(zip(table.row_numbers, table.rows, strict=True), start=1):
        outcomes.append(await _row(session, principal, model, plan, references, seen, number, cells))
        if done % 200 == 0:
            # Every row is flushed by its savepoint: keep the identity map small.
            session.expunge_all()
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            await progress(done, total)
    return ImportResult(type_name=model.__entity__.type_name, rows=outcomes, ignored_headers=plan.ignored)


async def _row(
    session: AsyncSession,
    principal: Principal,
    model: type[Record],
    plan: _Plan,
    references: References,
    seen: dict[tuple[Any, ...], int],
    number: int,
    cells: list[str | None],
) -> RowOutcome:
    lang = principal.language
    targets = relation_targets(model)
    errors: list[RowError] = []
    data: dict[str, Any] = {}
    for column, index, header in plan.columns:
        text = cells[index] if index < len(cells) else None
        if text is not None:
            text = str(text).strip() or None
        if column in targets:
            if text is None:
                data[column] = None
                continue
            try:
                data[column] = await references.resolve(targets[column], text)
            except _ReferenceProblem as problem:
                errors.append(RowError(header, problem.code, message(problem.code, lang, **problem.params)))
        else:
            data[column] = prepare_text(model, column, text)

    key = _natural_key(model, data)
    existing: Record | None = None
    if key is not None and not errors:
        found = await _find_existing(session, model, key)
        if len(found) > 1:
            existing = _pick(principal, model, found, data)
            if existing is None:
                error = RowError("", "import.ambiguous_key", message("import.ambiguous_key", lang))
                return RowOutcome(number, "update", [error])
        else:
            existing = found[0] if found else None
    action: Action = "update" if existing is not None else "create"
    identity = ("record", existing.id) if existing is not None else key
    if identity is not None:
        first = seen.get(identity)
        if first is not None:
            errors.append(RowError("", "import.duplicate_row", message("import.duplicate_row", lang, row=first)))
        else:
            seen[identity] = number
    if errors:
        # Report the other columns' problems too, without writing.
        errors += _value_errors(model, plan, {k: v for k, v in data.items() if k not in targets}, lang)
        return RowOutcome(number, action, errors, existing.id if existing is not None else None)

    try:
        if existing is None:
            values = {k: v for k, v in data.items() if v is not None}
            async with session.begin_nested():
                record = await crud.create(session, model, values)
            references.wrote(record)
            seen.setdefault(("record", record.id), number)
            return RowOutcome(number, "create", [], record.id)
        changes = _changes(principal, model, existing, data)
        if not changes:
            return RowOutcome(number, "unchanged", [], existing.id)
        version = existing.version
        async with session.begin_nested():
            record = await crud.update(session, model, existing.id or 0, version, changes)
        references.wrote(record)
        blind = any(not _clear_to_caller(principal, model, c) for c in changes)
        updated = record.version != version or blind
        return RowOutcome(number, "update" if updated else "unchanged", [], record.id)
    except HongfanError as error:
        return RowOutcome(number, action, [_row_error(plan, e) for e in error.errors], existing.id if existing else None)
    except DBAPIError:
        return RowOutcome(
            number, action, [RowError("", "import.database", message("import.database", lang))],
            existing.id if existing else None,
        )


def _row_error(plan: _Plan, error: FieldError) -> RowError:
    return RowError(plan.header(error.field), error.code, error.message)


def _value_errors(model: type[Record], plan: _Plan, data: dict[str, Any], lang: str) -> list[RowError]:
    errors: list[RowError] = []
    for column, raw in data.items():
        if raw is None:
            continue
        try:
            value = coerce(model, column, raw)
        except InvalidValue as problem:
            errors.append(RowError(plan.header(column), problem.code, message(problem.code, lang, **problem.params)))
            continue
        _value, issue = check_column(model, column, value)
        if issue is not None:
            name, code, params = issue
            errors.append(RowError(plan.header(name), code, message(code, lang, **params)))
    return errors


def _natural_key(model: type[Record], data: dict[str, Any]) -> tuple[Any, ...] | None:
    columns = NATURAL_KEYS.get(model.__entity__.type_name)
    if not columns:
        return None
    table = model.__table__  # type: ignore[attr-defined]
    values: list[Any] = []
    for column in columns:
        ok, value = _normalised(model, column, data.get(column))
        if not ok or (value is None and not table.c[column].nullable):
            return None
        values.append(value)
    return tuple(values)


async def _find_existing(session: AsyncSession, model: type[Record], key: tuple[Any, ...]) -> list[Record]:
    columns = NATURAL_KEYS[model.__entity__.type_name]
    conditions = [
        getattr(model, c).is_(None) if v is None else getattr(model, c) == v for c, v in zip(columns, key, strict=True)
    ]
    result = await session.execute(sa.select(model).where(*conditions).order_by(model.id).limit(20))  # type: ignore[arg-type]
    return list(result.scalars().all())


def _pick(principal: Principal, model: type[Record], found: list[Record], data: dict[str, Any]) -> Record | None:
    """Of several records sharing a natural key (namesakes), the one the row names.

    A unique column the row gives (an enrolment's certificate number) decides;
    else the one record the row matches in every column, if exactly one does.
    """
    table = model.__table__  # type: ignore[attr-defined]
    for column in table.columns:
        if column.unique and data.get(column.name) is not None:
            ok, value = _normalised(model, column.name, data[column.name])
            same = [r for r in found if ok and getattr(r, column.name) == value]
            if len(same) == 1:
                return same[0]
    identical = [r for r in found if not _changes(principal, model, r, data)]
    return identical[0] if len(identical) == 1 else None


def _changes(principal: Principal, model: type[Record], existing: Record, data: dict[str, Any]) -> dict[str, Any]:
    """The values of ``data`` that differ from the stored record (what to send to crud.update)."""
    table = model.__table__  # type: ignore[attr-defined]
    changes: dict[str, Any] = {}
    for column, value in data.items():
        current = getattr(existing, column)
        if not _clear_to_caller(principal, model, column):
            # A masked or hidden column: blank or the masked value itself means "keep";
            # anything else is sent as a change without comparing it with the stored
            # value, so that "unchanged" never confirms a guess at a masked value.
            shown = access.present(principal, model, column, current)
            if value is None or (shown is not None and str(value) == str(shown)):
                continue
            changes[column] = value
            continue
        if value is None and not table.c[column].nullable:
            continue  # a blank cell cannot clear a required column: keep the stored value
        ok, normalised = _normalised(model, column, value)
        if ok and normalised == current:
            continue
        changes[column] = value
    return changes


__all__ = [
    "NATURAL_KEYS",
    "ImportPreview",
    "ImportResult",
    "OrganisationIndex",
    "References",
    "RowError",
    "RowOutcome",
    "UnknownType",
    "column_label",
    "commit_import",
    "importable_columns",
    "preview_import",
    "relation_targets",
    "resolve_type",
    "template_headers",
]
