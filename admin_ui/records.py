"""Generic record pages: list, detail, create, edit, delete, restore, history.

Rows come through the caller's scoped session (hongfan.db) and hongfan.reads;
writes go through hongfan.crud — the same policy and the same write path as
GraphQL, so the admin cannot show or change what the API would refuse.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import Response

from admin_ui.i18n import format_actor, format_value
from admin_ui.registry import BY_SLUG, BY_TYPE, AdminView
from admin_ui.web import Page, redirect
from hongfan import access, crud, reads
from hongfan.errors import Conflict, FieldError, HongfanError
from hongfan.pagination import (
    CursorError,
    Direction,
    SortKey,
    decode_cursor,
    encode_cursor,
    with_tiebreak,
)
from hongfan.policy import Fields, Op
from models.audit import AuditEntry
from models.base import CHOICE_LABELS, ENTITIES, Record, ToMany, ToOne, column_meta
from models.rules import python_type
from models.search import text_contains

PAGE_SIZE = 25
COUNT_CAP = 10_000
PICKER_LIMIT = 500
HIDDEN_IN_FORMS = {"id", "path", "created_at", "updated_at", "created_by", "updated_by", "version", "deleted_at"}


# -- columns ---------------------------------------------------------------------


def label(model: type[Record], column: str, lang: str) -> str:
    meta = column_meta(model, column)
    return meta.label_en if lang == "en" else meta.label_zh


def type_label(model: type[Record], lang: str) -> str:
    meta = model.__entity__
    return meta.label_en if lang == "en" else meta.label_zh


def fk_target(model: type[Record], column: str) -> type[Record] | None:
    for relation in model.__entity__.relations:
        if isinstance(relation, ToOne) and relation.fk == column:
            return ENTITIES[relation.target]
    return None


def choice_options(model: type[Record], column: str, lang: str) -> list[tuple[str, str]]:
    enum_cls: type[enum.Enum] = python_type(model, column)
    labels = CHOICE_LABELS.get(enum_cls, {})
    return [(m.value, labels.get(m, (m.value, m.value))[1 if lang == "en" else 0]) for m in enum_cls]


def kind_of(model: type[Record], column: str) -> str:
    if fk_target(model, column) is not None:
        return "relation"
    target = python_type(model, column)
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return "choice"
    if target is bool:
        return "bool"
    if target is date:
        return "date"
    if target is int:
        return "int"
    if (getattr(model.__table__.c[column].type, "length", None) or 0) > 300:  # type: ignore[attr-defined]
        return "text"
    return "str"


def display(page: Page, model: type[Record], record: Record, column: str, refs: dict[str, dict[int, str]]) -> Any:
    raw = getattr(record, column)
    value = access.present(page.principal, model, column, raw)
    if value is None:
        return page.t("masked") if raw is not None and column_meta(model, column).sensitive else None
    if column in refs:
        return refs[column].get(value, f"#{value}")
    if column in ("created_by", "updated_by"):
        return format_actor(value, page.lang)
    if isinstance(value, enum.Enum):
        labels = CHOICE_LABELS.get(type(value), {})
        zh, en = labels.get(value, (value.value, value.value))
        return en if page.lang == "en" else zh
    return value


async def record_titles(session: AsyncSession, model: type[Record], ids: set[int], lang: str) -> dict[int, str]:
    """What each referenced record is called; organisations by their path below the city."""
    if not ids:
        return {}
    view = BY_TYPE.get(model.__entity__.type_name)
    found = await reads.by_ids(session.execute, model, sorted(ids))
    if model.__entity__.scope != "path":
        return {pk: _title(r, view, lang) if view else f"#{pk}" for pk, r in found.items()}
    ancestors: set[int] = set()
    for record in found.values():
        ancestors.update(int(p) for p in str(record.path).strip("/").split("/") if p)  # type: ignore[attr-defined]
    names = {pk: str(r.name) for pk, r in (await reads.by_ids(session.execute, model, sorted(ancestors))).items()}  # type: ignore[attr-defined]
    titles = {}
    for pk, record in found.items():
        parts = [names.get(int(p), "…") for p in str(record.path).strip("/").split("/") if p]  # type: ignore[attr-defined]
        titles[pk] = " / ".join(parts[1:] or parts)
    return titles


async def resolve_refs(page: Page, session: AsyncSession, model: type[Record], records: list[Record], columns: list[str]) -> dict[str, dict[int, str]]:
    refs: dict[str, dict[int, str]] = {}
    for column in columns:
        target = fk_target(model, column)
        if target is None or not access.can_read_column(page.principal, model, column):
            continue
        ids = {getattr(r, column) for r in records if getattr(r, column) is not None}
        refs[column] = await record_titles(session, target, ids, page.lang)
    return refs


# -- list ------------------------------------------------------------------------


@dataclass
class ListQuery:
    where: list[sa.ColumnElement[bool]] = field(default_factory=list)
    keys: list[SortKey] = field(default_factory=list)
    deleted: bool = False
    params: dict[str, str] = field(default_factory=dict)


def build_list_query(page: Page, view: AdminView) -> ListQuery:
    """Search, filters and sort from the query string, refusing unreadable columns."""
    model = view.model
    principal = page.principal
    params = page.request.query_params
    query = ListQuery()
    text = params.get("q", "").strip()
    if text:
        searchable = [
            c.name
            for c in model.__table__.columns  # type: ignore[attr-defined]
            if column_meta(model, c.name).searchable and access.can_read_column(principal, model, c.name)
        ]
        if searchable:
            query.where.append(sa.or_(*[text_contains(getattr(model, c), text) for c in searchable]))
        query.params["q"] = text
    for column in view.filters:
        if not access.can_read_column(principal, model, column):
            continue
        kind = kind_of(model, column)
        attribute = getattr(model, column)
        if kind in ("choice", "bool", "int"):
            value = params.get(f"f_{column}", "")
            if value == "":
                continue
            query.params[f"f_{column}"] = value
            if kind == "bool":
                query.where.append(attribute.is_(value == "1"))
            elif kind == "int":
                if value.lstrip("-").isdigit():
                    query.where.append(attribute == int(value))
            else:
                query.where.append(attribute == python_type(model, column)(value))
        elif kind == "date":
            for suffix, compare in (("from", attribute.__ge__), ("to", attribute.__le__)):
                value = params.get(f"f_{column}_{suffix}", "")
                if value:
                    try:
                        query.where.append(compare(date.fromisoformat(value)))
                        query.params[f"f_{column}_{suffix}"] = value
                    except ValueError:
                        pass
    organisation = params.get("org", "")
    if organisation.isdigit() and (model.__entity__.scope == "path" or "organisation_id" in model.__table__.c):  # type: ignore[attr-defined]
        org_model: Any = ENTITIES["Organisation"]
        subtree = sa.select(org_model.id).where(
            org_model.path.like(  # type: ignore[attr-defined]
                sa.select(org_model.path).where(org_model.id == int(organisation)).scalar_subquery() + "%"  # type: ignore[attr-defined]
            )
        )
        in_scope: Any = model.id if model.__entity__.scope == "path" else model.organisation_id  # type: ignore[attr-defined]
        query.where.append(in_scope.in_(subtree))
        query.params["org"] = organisation
    for relation in model.__entity__.relations:
        if isinstance(relation, ToOne):
            value = params.get(relation.fk, "")
            if value.isdigit() and access.can_read_column(principal, model, relation.fk):
                query.where.append(getattr(model, relation.fk) == int(value))
                query.params[relation.fk] = value
    if params.get("deleted") == "1":
        query.deleted = True
        query.where.append(model.deleted_at.is_not(None))  # type: ignore[union-attr]
        query.params["deleted"] = "1"
    sort = params.get("sort", "")
    name = sort.lstrip("-")
    if name and name in model.__table__.c and column_meta(model, name).orderable and access.can_read_column(principal, model, name):  # type: ignore[attr-defined]
        query.keys = [SortKey(name, Direction.DESC if sort.startswith("-") else Direction.ASC)]
        query.params["sort"] = sort
    else:
        default = view.list_columns[0]
        query.keys = [SortKey(default, Direction.DESC if kind_of(model, default) == "date" else Direction.ASC)]
    query.keys = with_tiebreak(query.keys)
    return query


def scoped_statement_options(deleted: bool) -> dict[str, Any]:
    return {access.INCLUDE_DELETED: True} if deleted else {}


async def list_page(page: Page, view: AdminView) -> Response:
    model = view.model
    query = build_list_query(page, view)
    where = sa.and_(*query.where) if query.where else None
    after = None
    cursor = page.request.query_params.get("after")
    if cursor:
        try:
            after = decode_cursor(model, cursor, query.keys)
        except CursorError:
            after = None
    options = scoped_statement_options(query.deleted)

    async with page.db.session(page.principal) as session:

        async def execute(statement: Any) -> Any:
            return await session.execute(statement.execution_options(**options))

        rows = await reads.fetch_page(execute, model, where=where, keys=query.keys, first=PAGE_SIZE, after=after)
        total, exact = await reads.count_up_to(execute, model, where, COUNT_CAP)
        records = rows[:PAGE_SIZE]
        columns = [c for c in view.list_columns if access.can_read_column(page.principal, model, c) or column_meta(model, c).sensitive]
        columns = [c for c in columns if access.readable_columns(page.principal, model) is None or c in access.readable_columns(page.principal, model)]  # type: ignore[operator]
        refs = await resolve_refs(page, session, model, records, columns)
        org_choices = await organisation_choices(page, session)
    next_cursor = encode_cursor(records[-1], query.keys) if len(rows) > PAGE_SIZE else None
    filters = []
    for column in view.filters:
        if not access.can_read_column(page.principal, model, column):
            continue
        kind = kind_of(model, column)
        options_ = choice_options(model, column, page.lang) if kind == "choice" else []
        filters.append({"column": column, "label": label(model, column, page.lang), "kind": kind, "options": options_})
    return page.render(
        "list.html",
        view=view,
        model=model,
        title=type_label(model, page.lang),
        columns=[(c, label(model, c, page.lang)) for c in columns],
        rows=[(r, {c: display(page, model, r, c, refs) for c in columns}) for r in records],
        total=total,
        exact=exact,
        query=query,
        next_url=page.url(f"/{view.slug}", **query.params, after=next_cursor) if next_cursor else None,
        first_url=page.url(f"/{view.slug}", **query.params) if cursor else None,
        filters=filters,
        org_choices=org_choices,
        can_create=access.can_write(page.principal, model, Op.CREATE),
        sort=query.params.get("sort", ""),
        sortable={
            c for c in columns
            if column_meta(model, c).orderable and access.can_read_column(page.principal, model, c)
        },
        sort_url=lambda c: page.url(
            f"/{view.slug}", **{**query.params, "sort": ("-" + c) if query.params.get("sort") == c else c}
        ),
        export_url=lambda fmt: page.url(f"/{view.slug}/export.{fmt}", **query.params),
    )


async def organisation_choices(page: Page, session: AsyncSession) -> list[tuple[int, str]]:
    model = ENTITIES["Organisation"]
    ids = [r for r in (await session.execute(sa.select(model.id).limit(PICKER_LIMIT))).scalars().all()]  # type: ignore[call-overload]
    titles = await record_titles(session, model, set(ids), page.lang)
    return sorted(titles.items(), key=lambda item: item[1])


# -- detail ----------------------------------------------------------------------


async def load(session: AsyncSession, model: type[Record], pk: int, *, deleted: bool = True) -> Record | None:
    statement = sa.select(model).where(model.id == pk)  # type: ignore[arg-type]
    if deleted:
        statement = statement.execution_options(**{access.INCLUDE_DELETED: True})
    return (await session.execute(statement)).scalar_one_or_none()


def detail_columns(page: Page, model: type[Record]) -> list[str]:
    narrowed = access.readable_columns(page.principal, model)
    columns = []
    for c in model.__table__.columns:  # type: ignore[attr-defined]
        if c.name in {"id", "path"}:
            continue
        if narrowed is not None and c.name not in narrowed:
            continue
        if column_meta(model, c.name).sensitive and access.field_mode(page.principal, model) is Fields.HIDDEN:
            continue
        columns.append(c.name)
    # What the record says first; who changed it when, last.
    return sorted(columns, key=lambda c: c in HIDDEN_IN_FORMS)


async def detail_page(page: Page, view: AdminView, pk: int) -> Response:
    model = view.model
    async with page.db.session(page.principal) as session:
        record = await load(session, model, pk)
        if record is None:
            return page.render("error.html", status_code=404, text=page.t("error.not_found"))
        columns = detail_columns(page, model)
        refs = await resolve_refs(page, session, model, [record], columns)
        related = []
        for relation in model.__entity__.relations:
            if not isinstance(relation, ToMany) or relation.target not in BY_TYPE:
                continue
            target = ENTITIES[relation.target]
            if access.row_rule(page.principal, target).value == "none":
                continue
            target_view = BY_TYPE[relation.target]
            where = getattr(target, relation.fk) == pk
            keys = with_tiebreak([SortKey(target_view.list_columns[0], Direction.ASC)])
            rows = await reads.fetch_page(session.execute, target, where=where, keys=keys, first=10)
            total, exact = await reads.count_up_to(session.execute, target, where, COUNT_CAP)
            related.append(
                {
                    "label": relation.description.split(" (")[0] if page.lang == "en" else _zh(relation.description),
                    "view": target_view,
                    "rows": [(r.id, _title(r, target_view, page.lang)) for r in rows[:10]],
                    "total": total,
                    "all_url": page.url(f"/{target_view.slug}", **{relation.fk: pk}),
                }
            )
        sensitive_clear = [
            c for c in columns
            if column_meta(model, c).sensitive and access.field_mode(page.principal, model) is Fields.FULL and getattr(record, c) is not None
        ]
        if sensitive_clear:
            await audit_sensitive_read(page, record, sensitive_clear)
    return page.render(
        "detail.html",
        view=view,
        model=model,
        record=record,
        title=_title(record, view, page.lang),
        type_title=type_label(model, page.lang),
        fields=[(label(model, c, page.lang), display(page, model, record, c, refs), c, refs.get(c) and fk_target(model, c)) for c in columns],
        related=related,
        can_update=access.can_write(page.principal, model, Op.UPDATE) and record.deleted_at is None,
        can_delete=access.can_write(page.principal, model, Op.DELETE) and record.deleted_at is None,
        can_restore=access.can_write(page.principal, model, Op.RESTORE) and record.deleted_at is not None,
        slug_of=lambda target: BY_TYPE[target.__entity__.type_name].slug if target else None,
    )


def _zh(description: str) -> str:
    return description.rsplit("(", 1)[-1].rstrip(")") if "(" in description else description


def _title(record: Record, view: AdminView, lang: str = "zh") -> str:
    parts = []
    for column in (view.title_column, view.subtitle_column):
        if column is None:
            continue
        value = getattr(record, column, None)
        if isinstance(value, enum.Enum):
            zh, en = CHOICE_LABELS.get(type(value), {}).get(value, (value.value, value.value))
            value = en if lang == "en" else zh
        if value not in (None, ""):
            parts.append(format_value(value, lang))
    return " · ".join(parts) or f"#{record.id}"


async def audit_sensitive_read(page: Page, record: Record, columns: list[str]) -> None:
    async with page.db.transaction(page.principal) as session:
        session.add(
            AuditEntry(
                actor=page.principal.actor,
                action="read_sensitive",
                entity=record.__entity__.type_name,
                record_id=record.id or 0,
                changes={"fields": sorted(columns), "surface": "admin"},
                organisation_id=crud.audit_organisation(record),
            )
        )


# -- forms -----------------------------------------------------------------------


def form_columns(page: Page, model: type[Record]) -> list[str]:
    allowed = access.writable_columns(page.principal, model)
    return [c for c in crud.writable_columns(model) if c in allowed and c not in HIDDEN_IN_FORMS]


async def form_fields(
    page: Page,
    session: AsyncSession,
    model: type[Record],
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    submitted: bool = False,
) -> list[dict[str, Any]]:
    fields = []
    for column in form_columns(page, model):
        kind = kind_of(model, column)
        sensitive = column_meta(model, column).sensitive
        masked = sensitive and access.field_mode(page.principal, model) is not Fields.FULL
        options: list[tuple[str, str]] = []
        if kind == "choice":
            options = choice_options(model, column, page.lang)
        elif kind == "relation":
            target = fk_target(model, column)
            assert target is not None
            ids = (await session.execute(sa.select(target.id).limit(PICKER_LIMIT + 1))).scalars().all()  # type: ignore[call-overload]
            titles = await record_titles(session, target, set(ids[:PICKER_LIMIT]), page.lang)
            options = sorted(((str(k), v) for k, v in titles.items()), key=lambda item: item[1])
        value = values.get(column)
        if isinstance(value, enum.Enum):
            value = value.value
        if masked and not submitted:
            value = ""  # never put a hidden value into the page; what the user typed may stay
        table_column = model.__table__.c[column]  # type: ignore[attr-defined]
        fields.append(
            {
                "name": column,
                "label": label(model, column, page.lang),
                "kind": kind,
                "value": "" if value is None else str(value),
                "options": options,
                "required": not table_column.nullable and model.model_fields[column].is_required(),
                "masked": masked,
                "error": errors.get(column),
                "maxlength": getattr(table_column.type, "length", None),
            }
        )
    return fields


def read_form(page: Page, model: type[Record], form: Any, *, editing: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in form_columns(page, model):
        kind = kind_of(model, column)
        masked = column_meta(model, column).sensitive and access.field_mode(page.principal, model) is not Fields.FULL
        raw = form.get(column)
        if kind == "bool":
            data[column] = raw == "1"
            continue
        if raw is None:
            continue
        if masked and editing and raw.strip() == "":
            continue  # a hidden value left blank stays as it is
        data[column] = raw
    return data


def errors_by_field(error: HongfanError) -> dict[str, str]:
    found: dict[str, str] = {}
    for e in error.errors:
        found.setdefault(e.field, e.message)
    return found


async def form_page(page: Page, view: AdminView, pk: int | None) -> Response:
    model = view.model
    op = Op.UPDATE if pk is not None else Op.CREATE
    if not access.can_write(page.principal, model, op):
        return page.render("error.html", status_code=403, text=page.t("error.forbidden"))
    async with page.db.session(page.principal) as session:
        record = await load(session, model, pk, deleted=False) if pk is not None else None
        if pk is not None and record is None:
            return page.render("error.html", status_code=404, text=page.t("error.not_found"))
        values = crud.snapshot(record) if record is not None else dict(page.request.query_params)
        fields = await form_fields(page, session, model, values, {})
    return _render_form(page, view, record, fields, {}, None)


def _render_form(page: Page, view: AdminView, record: Record | None, fields: list[dict[str, Any]], errors: dict[str, str], conflict: Any, status: int = 200, version: int | None = None) -> Response:
    model = view.model
    heading = page.t("form.edit_title" if record is not None else "form.new_title", label=type_label(model, page.lang))
    return page.render(
        "form.html",
        status_code=status,
        view=view,
        record=record,
        heading=heading,
        fields=fields,
        form_error=page.t("form.errors") if errors else None,
        general_errors=[m for f, m in errors.items() if f not in {x["name"] for x in fields}],
        conflict=conflict,
        version=version if version is not None else (record.version if record is not None else None),
    )


async def save(page: Page, view: AdminView, pk: int | None) -> Response:
    model = view.model
    form = await page.request.form()
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    data = read_form(page, model, form, editing=pk is not None)
    raw_version = form.get("version")
    version = int(raw_version) if isinstance(raw_version, str) and raw_version.isdigit() else None
    try:
        async with page.db.transaction(page.principal) as session:
            if pk is None:
                record = await crud.create(session, model, data)
            else:
                record = await crud.update(session, model, pk, version, data)
    except Conflict as conflict:
        return await _conflict(page, view, pk, data, conflict)
    except HongfanError as error:
        errors = errors_by_field(error)
        async with page.db.session(page.principal) as session:
            existing = await load(session, model, pk, deleted=False) if pk is not None else None
            fields = await form_fields(page, session, model, data, errors, submitted=True)
        return _render_form(page, view, existing, fields, errors, None, status=422, version=version)
    return redirect(page.url(f"/{view.slug}/{record.id}", msg="saved" if pk else "created"))


async def _conflict(page: Page, view: AdminView, pk: int | None, data: dict[str, Any], conflict: Conflict) -> Response:
    """Show what is saved now beside what the user typed; nothing was written."""
    model = view.model
    async with page.db.session(page.principal) as session:
        current = await load(session, model, pk or 0, deleted=False)
        if current is None:
            return page.render("error.html", status_code=404, text=page.t("error.not_found"))
        refs = await resolve_refs(page, session, model, [current], list(data))
        fields = await form_fields(page, session, model, data, {}, submitted=True)
    rows = []
    for column, mine in data.items():
        theirs = display(page, model, current, column, refs)
        theirs_raw = getattr(current, column)
        theirs_raw = theirs_raw.value if isinstance(theirs_raw, enum.Enum) else theirs_raw
        if str(theirs_raw if theirs_raw is not None else "") != str(mine if mine is not None else ""):
            rows.append({"label": label(model, column, page.lang), "theirs": theirs, "mine": mine})
    info = {"rows": rows, "version": current.version}
    return _render_form(page, view, current, fields, {}, info, status=409, version=current.version)


async def delete_or_restore(page: Page, view: AdminView, pk: int, restore: bool) -> Response:
    form = await page.request.form()
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    try:
        async with page.db.transaction(page.principal) as session:
            if restore:
                await crud.restore(session, view.model, pk)
            else:
                await crud.delete(session, view.model, pk)
    except HongfanError as error:
        return page.render("error.html", status_code=422, text="；".join(e.message for e in error.errors))
    return redirect(page.url(f"/{view.slug}/{pk}", msg="restored" if restore else "deleted"))


# -- history ---------------------------------------------------------------------


async def history_page(page: Page, view: AdminView, pk: int) -> Response:
    model = view.model
    async with page.db.session(page.principal) as session:
        record = await load(session, model, pk)
        if record is None:
            return page.render("error.html", status_code=404, text=page.t("error.not_found"))
        entries = (
            await session.execute(
                sa.select(AuditEntry)
                .where(col(AuditEntry.entity) == model.__entity__.type_name, col(AuditEntry.record_id) == pk)
                .order_by(AuditEntry.id.desc())  # type: ignore[union-attr]
                .limit(200)
            )
        ).scalars().all()
    visible = [e for e in entries if e.action != "read_sensitive" or page.is_admin]
    mode = access.field_mode(page.principal, model)

    def shown(column: str, value: Any) -> Any:
        if column in model.__table__.c and column_meta(model, column).sensitive and mode is not Fields.FULL:  # type: ignore[attr-defined]
            return "***" if value is not None else None
        return value

    rows = [
        {
            "entry": e,
            "action": page.t(f"action.{e.action}"),
            "changes": [
                (label(model, f, page.lang) if f in model.__table__.c else f, shown(f, c[0]), shown(f, c[1]))  # type: ignore[attr-defined]
                for f, c in e.changes.items()
                if isinstance(c, list) and len(c) == 2
            ],
            "fields": e.changes.get("fields", []),
            "restorable": e.action == "update" and access.can_write(page.principal, model, Op.UPDATE) and record.deleted_at is None,
        }
        for e in visible
    ]
    return page.render("history.html", view=view, record=record, title=_title(record, view, page.lang), rows=rows)


async def restore_version(page: Page, view: AdminView, pk: int, entry_id: int) -> Response:
    """Put back the values the record had before audit entry ``entry_id`` (and all later changes)."""
    model = view.model
    form = await page.request.form()
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    async with page.db.session(page.principal) as session:
        entries = (
            await session.execute(
                sa.select(AuditEntry)
                .where(
                    col(AuditEntry.entity) == model.__entity__.type_name,
                    col(AuditEntry.record_id) == pk,
                    col(AuditEntry.id) >= entry_id,
                    col(AuditEntry.action) == "update",
                )
                .order_by(AuditEntry.id.desc())  # type: ignore[union-attr]
            )
        ).scalars().all()
    writable = set(form_columns(page, model))
    values: dict[str, Any] = {}
    for entry in entries:  # newest first, so the oldest "before" wins
        for column, change in entry.changes.items():
            if column in writable and isinstance(change, list):
                values[column] = change[0]
    if not values:
        return redirect(page.url(f"/{view.slug}/{pk}/history", msg="nothing"))
    try:
        async with page.db.transaction(page.principal) as session:
            await crud.update(session, model, pk, None, values)
    except HongfanError as error:
        return page.render("error.html", status_code=422, text="；".join(e.message for e in error.errors))
    return redirect(page.url(f"/{view.slug}/{pk}", msg="version_restored"))


def view_for(slug: str) -> AdminView | None:
    return BY_SLUG.get(slug)


__all__ = ["FieldError", "Request", "delete_or_restore", "detail_page", "form_page", "history_page", "list_page", "restore_version", "save", "view_for"]
