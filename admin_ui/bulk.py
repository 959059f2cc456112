"""Bulk actions on a list: delete, restore, export, or set an enumerated field, for the
rows ticked or for all rows matching the list's filter.

Two steps, like the import: the list's form posts the choice here, a confirmation
page says exactly what will happen to how many records (naming the first of them),
and only its confirm button writes — through ``hongfan.bulk_writes.bulk``, in one
transaction, all or nothing, each record audited with its own change and the
operation as one ``bulk_…`` entry. The ids are fixed when the confirmation is shown,
so "all matching the filter" means the rows counted on that page.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin_ui.columns import choice_options, kind_of, label, title, type_label
from admin_ui.forms import form_columns
from admin_ui.listquery import build_list_query, state_params
from admin_ui.registry import BY_SLUG, AdminView
from admin_ui.web import Page, redirect
from hongfan import access, bulk_writes, reads
from hongfan.errors import HongfanError
from hongfan.policy import Op
from hongfan.transfer.reach import export_reach
from models.base import Record, column_meta
from models.validators import parse_record_id

BULK_MAX = 1_000  # records one bulk action may change; more is refused with the count
PREVIEW = 20  # records named on the confirmation page


def bulk_actions(page: Page, view: AdminView) -> list[dict[str, Any]]:
    """What the caller may do to many rows of this list at once."""
    model = view.model
    found: list[dict[str, Any]] = [
        {"value": "export_csv", "label": page.t("bulk.export_csv")},
        {"value": "export_xlsx", "label": page.t("bulk.export_xlsx")},
    ]
    if access.can_write(page.principal, model, Op.UPDATE):
        for column in settable_fields(page, model):
            found.append(
                {
                    "value": f"set:{column}",
                    "label": page.t("bulk.set", field=label(model, column, page.lang)),
                    "options": _options(page, model, column),
                }
            )
    if access.can_write(page.principal, model, Op.DELETE):
        found.append({"value": "delete", "label": page.t("bulk.delete")})
    if access.can_write(page.principal, model, Op.RESTORE):
        found.append({"value": "restore", "label": page.t("bulk.restore")})
    return found


def settable_fields(page: Page, model: type[Record]) -> list[str]:
    """Enumerated (choice or yes/no) fields the caller may write; never personal data."""
    return [
        c
        for c in form_columns(page, model)
        if kind_of(model, c) in ("choice", "bool") and not column_meta(model, c).sensitive
    ]


def _options(page: Page, model: type[Record], column: str) -> list[tuple[str, str]]:
    if kind_of(model, column) == "bool":
        return [("1", page.t("yes")), ("0", page.t("no"))]
    return choice_options(model, column, page.lang)


def _selection(
    page: Page, view: AdminView, fields: dict[str, str], ticked: list[str]
) -> tuple[Any, bool] | None:
    """(where, deleted): the ticked rows, or every row matching the list's question; None
    when nothing is ticked."""
    model = view.model
    if fields.get("all") != "1":
        wanted = sorted({pk for i in ticked if (pk := parse_record_id(i)) is not None})
        if not wanted:
            return None
        return model.id.in_(wanted), fields.get("deleted") == "1"  # type: ignore[union-attr]
    query = build_list_query(page, view, state_params(fields))
    return (sa.and_(*query.where) if query.where else None), query.deleted


async def _selected_ids(
    page: Page, view: AdminView, selection: tuple[Any, bool] | None, *, own: bool = False
) -> tuple[list[int], int]:
    """(ids, how many match) of the selection (:func:`_selection`); ``own``: only the
    caller's own part (an export's rows, OWN_PART in hongfan.transfer.exporting)."""
    model = view.model
    if selection is None:
        return [], 0
    where, deleted = selection
    options: dict[str, Any] = {access.INCLUDE_DELETED: True} if deleted else {}
    if own:
        options[access.OWN_SCOPE] = True
    async with page.db.session(page.principal) as session:
        statement = sa.select(model.id)  # type: ignore[call-overload]
        if where is not None:
            statement = statement.where(where)
        ids = list(
            (
                await session.execute(
                    statement.order_by(model.id).limit(BULK_MAX + 1).execution_options(**options)
                )
            )
            .scalars()
            .all()
        )  # type: ignore[arg-type]
    return ids[:BULK_MAX], len(ids)


async def bulk_page(page: Page, request: Request) -> Response:
    """POST /admin/{slug}/bulk: confirm (first post) or do (``confirm=1``) a bulk action."""
    view = BY_SLUG.get(request.path_params["slug"])
    if view is None or view not in page.nav():
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    form = await request.form()
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    action = fields.get("action", "")
    allowed = {a["value"]: a for a in bulk_actions(page, view)}
    if action not in allowed:
        return page.render("error.html", status_code=422, text=page.t("bulk.choose_action"))
    if fields.get("confirm") == "1":
        ids = [
            pk for i in fields.get("ids", "").split(",") if (pk := parse_record_id(i)) is not None
        ][:BULK_MAX]
        return await _execute(page, view, action, fields, ids)
    selection = _selection(page, view, fields, [str(v) for v in form.getlist("ids")])
    exporting = action in ("export_csv", "export_xlsx")
    # An export holds the caller's own rows only: those are the ones named and counted here,
    # and the other units' published rows left out are counted with the export's scope.
    ids, matching = await _selected_ids(page, view, selection, own=exporting)
    left_out = 0
    if (
        exporting
        and selection is not None
        and access.reads_beyond_scope(page.principal, view.model)
    ):
        reach = await export_reach(page.db, page.principal, view.type_name, selection[0])
        left_out = reach.left_out or 0
    if not ids:
        if left_out:
            return page.render(
                "error.html",
                status_code=422,
                text=page.t("export.nothing_own", label=type_label(view.model, page.lang)),
                back=_back(page, view, fields),
            )
        return page.render("error.html", status_code=422, text=page.t("bulk.none_selected"))
    if matching > BULK_MAX:
        return page.render(
            "error.html", status_code=422, text=page.t("bulk.too_many", max=BULK_MAX)
        )
    return await _confirm(page, view, action, allowed[action], fields, ids, left_out)


def _back(page: Page, view: AdminView, fields: dict[str, str]) -> str:
    """The list the action was chosen on (its filters; the search text stays out of URLs)."""
    return page.url(
        f"/{view.slug}",
        **state_params({k: v for k, v in fields.items() if k not in ("q", "msg")}),
    )


async def _confirm(
    page: Page,
    view: AdminView,
    action: str,
    choice: dict[str, Any],
    fields: dict[str, str],
    ids: list[int],
    left_out: int = 0,
) -> Response:
    """The confirmation page; ``left_out``: other units' published rows an export leaves out."""
    model = view.model
    value = fields.get("value", "")
    value_label = None
    if action.startswith("set:"):
        value_label = dict(choice.get("options", [])).get(value)
        if value_label is None:
            return page.render("error.html", status_code=422, text=page.t("bulk.choose_value"))
    async with page.db.session(page.principal) as session:
        named = await reads.by_ids(
            lambda s: session.execute(s.execution_options(**{access.INCLUDE_DELETED: True})),
            model,
            ids[:PREVIEW],
        )
    return page.render(
        "bulk.html",
        view=view,
        title=type_label(model, page.lang),
        action=action,
        action_label=label(model, action.removeprefix("set:"), page.lang)
        if action.startswith("set:")
        else choice["label"],
        value=value,
        value_label=value_label,
        count=len(ids),
        left_out=left_out,
        ids=",".join(str(i) for i in ids),
        named=[title(named[i], view, page.lang) for i in ids[:PREVIEW] if i in named],
        back=_back(page, view, fields),
    )


async def _execute(
    page: Page, view: AdminView, action: str, fields: dict[str, str], ids: list[int]
) -> Response:
    from admin_ui.transfer import _download
    from hongfan.transfer import exporting as exports

    model = view.model
    if action in ("export_csv", "export_xlsx"):
        fmt: Literal["csv", "xlsx"] = "csv" if action == "export_csv" else "xlsx"
        key: Any = model.id
        content = await exports.export_file(
            page.db,
            page.principal,
            view.type_name,
            fmt,
            where=key.in_(ids),
            lang=page.lang,
            filter_note={"bulk": "selected", "count": len(ids)},
        )
        media = (
            "text/csv; charset=utf-8"
            if fmt == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        return _download(content, exports.export_filename(view.type_name, fmt, page.lang), media)
    data: dict[str, Any] | None = None
    crud_action = action
    if action.startswith("set:"):
        column = action.removeprefix("set:")
        value: Any = fields.get("value", "")
        data = {column: value == "1" if kind_of(model, column) == "bool" else value}
        crud_action = "update"
    try:
        async with page.db.transaction(page.principal) as session:
            await bulk_writes.bulk(session, model, crud_action, ids, data)
    except HongfanError as error:
        async with page.db.session(page.principal) as session:
            named = await reads.by_ids(
                lambda s: session.execute(s.execution_options(**{access.INCLUDE_DELETED: True})),
                model,
                ids,
            )
        problems = []
        for e in error.errors:
            pk, _, _field = e.field.partition(".")
            record = named.get(parse_record_id(pk) or 0)
            problems.append(
                {"record": title(record, view, page.lang) if record else pk, "message": e.message}
            )
        return page.render(
            "bulk.html",
            status_code=422,
            view=view,
            title=type_label(model, page.lang),
            problems=problems,
            back=page.url(f"/{view.slug}"),
        )
    return redirect(page.url(f"/{view.slug}", msg="bulk_done", n=len(ids)))


def routes(signed_in: Any) -> list[Route]:
    return [Route("/{slug}/bulk", signed_in(bulk_page), methods=["POST"])]
