"""Create and edit forms, saving through hongfan.crud; delete and restore."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from admin_ui.columns import (
    HIDDEN_IN_FORMS,
    changeable,
    choice_options,
    display,
    fk_target,
    kind_of,
    label,
    load,
    resolve_refs,
    title,
    type_label,
)
from admin_ui.detail import audit_sensitive_read
from admin_ui.form_changes import (
    LOADED_FIELD,
    as_shown,
    canonical,
    changed_by_user,
    changed_since_loaded,
    in_clear,
    loaded_digests,
    parse_loaded,
)
from admin_ui.pickers import chosen_title, find_options, picker_view
from admin_ui.registry import AdminView
from admin_ui.web import Page, redirect
from hongfan import access, crud
from hongfan.errors import Conflict, HongfanError
from hongfan.policy import Op
from models.base import Record, column_meta
from models.messages import message
from models.validators import parse_record_id


def form_columns(page: Page, model: type[Record]) -> list[str]:
    allowed = access.writable_columns(page.principal, model)
    return [c for c in crud.writable_columns(model) if c in allowed and c not in HIDDEN_IN_FORMS]


def _default(model: type[Record], column: str) -> Any:
    """The model's default for ``column`` (shown pre-filled on a new form), or None."""
    info = model.model_fields[column]
    default = info.get_default(call_default_factory=True) if not info.is_required() else None
    return default.value if isinstance(default, enum.Enum) else default


def is_required(model: type[Record], column: str) -> bool:
    """What validation demands: a value for every non-nullable column (a default fills it on create)."""
    derived = column == "organisation_id" and model.__entity__.scope_parent is not None
    return not model.__table__.c[column].nullable and not derived  # type: ignore[attr-defined]


async def form_fields(
    page: Page,
    session: AsyncSession,
    model: type[Record],
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    submitted: bool = False,
    find: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The form's inputs; ``find`` = (relation column, typed text) lists that picker's matches."""
    fields = []
    for column in form_columns(page, model):
        kind = kind_of(model, column)
        sensitive = column_meta(model, column).sensitive
        masked = sensitive and not access.can_read_column(page.principal, model, column)
        value = values.get(column)
        if isinstance(value, enum.Enum):
            value = value.value
        if masked and not submitted:
            value = ""  # never put a hidden value into the page; what the user typed may stay
        table_column = model.__table__.c[column]  # type: ignore[attr-defined]
        field: dict[str, Any] = {
            "name": column,
            "label": label(model, column, page.lang),
            "kind": kind,
            "value": "" if value is None else str(value),
            "options": choice_options(model, column, page.lang) if kind == "choice" else [],
            "required": is_required(model, column),
            "masked": masked,
            "error": errors.get(column),
            "maxlength": getattr(table_column.type, "length", None),
        }
        if kind == "relation":
            field["picker"] = await _picker(page, session, model, column, field["value"], find)
            field["options"] = field["picker"]["options"]
        fields.append(field)
    return fields


async def _picker(
    page: Page,
    session: AsyncSession,
    model: type[Record],
    column: str,
    value: str,
    find: tuple[str, str] | None,
) -> dict[str, Any]:
    """A relation input: the chosen record, and the matches of a search asked for without JavaScript."""
    target = fk_target(model, column)
    assert target is not None
    view = picker_view(target)
    options: list[tuple[str, str]] = []
    chosen_id = parse_record_id(value)
    chosen = await chosen_title(page, session, target, chosen_id) if chosen_id is not None else None
    if chosen is not None:
        options.append((value, " · ".join(p for p in chosen if p)))
    picker: dict[str, Any] = {
        "source": f"/admin/{view.slug}/options" if view and view in page.nav() else None,
        "query": "",
        "total": None,
        "more": False,
    }
    if find is not None and find[0] == column and view is not None:
        found = await find_options(page, view, find[1], size=50)
        options += [
            (str(r["id"]), " · ".join(p for p in (r["title"], r["detail"]) if p))
            for r in found.results
            if str(r["id"]) != value
        ]
        picker.update(query=find[1], total=found.total, more=found.next is not None, searched=True)
    picker["options"] = options
    return picker


def read_form(page: Page, model: type[Record], form: Any, *, editing: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for column in form_columns(page, model):
        kind = kind_of(model, column)
        masked = column_meta(model, column).sensitive and not access.can_read_column(
            page.principal, model, column
        )
        raw = form.get(column)
        if kind == "bool":
            data[column] = raw == "1"
            continue
        if raw is None:
            continue
        if masked and editing and raw.strip() == "":
            continue  # a hidden value left blank stays as it is
        if not editing and raw.strip() == "" and _default(model, column) is not None:
            continue  # left empty on a new record: the declared default applies
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
        if pk is not None and not await changeable(session, model, pk):
            return page.render("error.html", status_code=403, text=message("read_only", page.lang))
        if record is not None:
            values = crud.snapshot(record)
        else:  # a new record: declared defaults, then what the link says (?student_id=7)
            values = {c: _default(model, c) for c in form_columns(page, model)}
            values.update({k: v for k, v in page.request.query_params.items() if k in values})
        fields = await form_fields(page, session, model, values, {})
    loaded = None
    if record is not None:
        columns = [f["name"] for f in fields]
        await _audit_clear_values(page, record, columns)
        loaded = loaded_digests(page.settings.secret_key, page.principal, record, columns)
    return _render_form(page, view, record, fields, {}, None, loaded=loaded)


async def _audit_clear_values(page: Page, record: Record, columns: list[str]) -> None:
    """An edit form shows personal data in clear to admins: a read like the detail page's."""
    model = type(record)
    clear = [
        c
        for c in columns
        if access.sensitive_in_clear(page.principal, model, c) and getattr(record, c) is not None
    ]
    if clear:
        await audit_sensitive_read(page, record, clear)


def _render_form(
    page: Page,
    view: AdminView,
    record: Record | None,
    fields: list[dict[str, Any]],
    errors: dict[str, str],
    conflict: Any,
    status: int = 200,
    version: int | None = None,
    loaded: str | None = None,
    expired: bool = False,
) -> Response:
    """The form page; ``expired``: the form is offered without a version, so a save of it is
    refused again (the user must open the record again to edit it)."""
    model = view.model
    heading = page.t(
        "form.edit_title" if record is not None else "form.new_title",
        label=type_label(model, page.lang),
    )
    first_error = next((f["name"] for f in fields if f["error"]), None)
    found = next((f["name"] for f in fields if f.get("picker", {}).get("searched")), None)
    return page.render(
        "form.html",
        status_code=status,
        view=view,
        record=record,
        heading=heading,
        record_title=title(record, view, page.lang) if record is not None else None,
        fields=fields,
        focus=first_error or found,
        form_error=page.t("form.errors") if first_error else None,
        general_errors=[m for f, m in errors.items() if f not in {x["name"] for x in fields}],
        conflict=conflict,
        loaded=loaded,
        version=None
        if expired
        else version
        if version is not None
        else (record.version if record is not None else None),
    )


async def save(page: Page, view: AdminView, pk: int | None) -> Response:
    model = view.model
    form = await page.request.form()
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    data = read_form(page, model, form, editing=pk is not None)
    raw_version = str(form.get("version", ""))
    version = parse_record_id(raw_version)  # "²".isdigit() is true; int("²") fails
    raw_loaded = str(form.get(LOADED_FIELD, ""))
    changes = data  # only what the user changed is written (a form without digests: all)
    if pk is not None:
        changes = changed_by_user(
            page.settings.secret_key, page.principal, model, pk, parse_loaded(raw_loaded), data
        )
    find = str(form.get("_find", ""))
    if find:  # "查找" pressed in a picker (no JavaScript): show its matches, save nothing
        async with page.db.session(page.principal) as session:
            existing = await load(session, model, pk, deleted=False) if pk is not None else None
            fields = await form_fields(
                page,
                session,
                model,
                data,
                {},
                submitted=True,
                find=(find, str(form.get(f"{find}__q", ""))),
            )
        return _render_form(
            page, view, existing, fields, {}, None, version=version, loaded=raw_loaded
        )
    if pk is not None and version is None:
        # The edit form always carries the version it was loaded at: without one this save
        # could not be checked against someone else's (crud's version=None skips the check).
        return await _expired(page, view, pk, data, raw_loaded)
    try:
        async with page.db.transaction(page.principal) as session:
            if pk is None:
                record = await crud.create(session, model, data)
            else:
                record = await crud.update(session, model, pk, version, changes)
    except Conflict:
        return await _conflict(page, view, pk, changes, parse_loaded(raw_loaded))
    except HongfanError as error:
        errors = errors_by_field(error)
        async with page.db.session(page.principal) as session:
            existing = await load(session, model, pk, deleted=False) if pk is not None else None
            if pk is not None and existing is None:  # deleted, or moved out of the user's scope
                return page.render("error.html", status_code=404, text=page.t("form.gone"))
            fields = await form_fields(page, session, model, data, errors, submitted=True)
        return _render_form(
            page,
            view,
            existing,
            fields,
            errors,
            None,
            status=422,
            version=version,
            loaded=raw_loaded,
        )
    return redirect(page.url(f"/{view.slug}/{record.id}", msg="saved" if pk else "created"))


async def _expired(
    page: Page, view: AdminView, pk: int, data: dict[str, Any], loaded: str
) -> Response:
    """A save of an edit form without a valid version: refused, nothing written; what the
    user typed is shown again (to copy) with a sentence asking her to open the record again."""
    errors = {"version": page.t("form.stale")}
    async with page.db.session(page.principal) as session:
        existing = await load(session, view.model, pk, deleted=False)
        if existing is None:
            return page.render("error.html", status_code=404, text=page.t("form.gone"))
        fields = await form_fields(page, session, view.model, data, errors, submitted=True)
    return _render_form(
        page, view, existing, fields, errors, None, status=422, loaded=loaded, expired=True
    )


async def _conflict(
    page: Page, view: AdminView, pk: int | None, mine: dict[str, Any], loaded: dict[str, str]
) -> Response:
    """Show what is saved now beside what the user changed; nothing was written.

    ``mine`` holds only the fields the user changed. The form offered again is the record
    as saved now with those changes on top, carrying the current record's digests, so
    saving it over writes only the user's own changes."""
    model = view.model
    secret = page.settings.secret_key
    async with page.db.session(page.principal) as session:
        current = await load(session, model, pk or 0, deleted=False)
        if current is None:  # deleted, or moved out of the user's scope, since her form loaded
            return page.render("error.html", status_code=404, text=page.t("form.gone"))
        refs = await resolve_refs(page, session, model, [current], list(mine))
        columns = form_columns(page, model)
        hidden = {c for c in columns if not access.can_read_column(page.principal, model, c)}
        values = {c: v for c, v in crud.snapshot(current).items() if c not in hidden}
        values.update(mine)
        fields = await form_fields(page, session, model, values, {}, submitted=True)
    theirs_too = changed_since_loaded(secret, page.principal, current, loaded, list(mine))
    by_name = {f["name"]: f for f in fields}
    rows = []
    for column, value in mine.items():
        theirs_raw = getattr(current, column)
        if in_clear(page.principal, model, column) and canonical(theirs_raw) == canonical(value):
            continue  # saved now as the user wants it (never asked of a value she cannot read)
        rows.append(
            {
                "label": label(model, column, page.lang),
                "theirs": display(page, model, current, column, refs),
                "mine": as_shown(by_name.get(column), value),
                "both": column in theirs_too,
            }
        )
    if not rows:
        # Nothing the user changed differs from what is saved now (or they changed nothing):
        # an empty side-by-side table would only puzzle. Say so, on the record as saved now.
        said = "conflict_same" if mine else "conflict_unchanged"
        return redirect(page.url(f"/{view.slug}/{current.id}", msg=said))
    await _audit_clear_values(page, current, list(mine))
    info = {"rows": rows, "version": current.version}
    digests = loaded_digests(secret, page.principal, current, [f["name"] for f in fields])
    return _render_form(
        page,
        view,
        current,
        fields,
        {},
        info,
        status=409,
        version=current.version,
        loaded=digests,
    )


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
        return page.render(
            "error.html", status_code=422, text="；".join(e.message for e in error.errors)
        )
    return redirect(page.url(f"/{view.slug}/{pk}", msg="restored" if restore else "deleted"))
