"""A record's history from the audit log, and putting back an earlier version."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from starlette.responses import Response

from admin_ui.columns import label, load, title
from admin_ui.forms import form_columns
from admin_ui.registry import AdminView
from admin_ui.web import Page, redirect
from hongfan import access, crud
from hongfan.errors import HongfanError
from hongfan.policy import Fields, Op
from models.audit import AuditEntry
from models.base import column_meta


async def history_page(page: Page, view: AdminView, pk: int) -> Response:
    model = view.model
    async with page.db.session(page.principal) as session:
        record = await load(session, model, pk)
        if record is None:
            return page.render("error.html", status_code=404, text=page.t("error.not_found"))
        entries = (
            await session.execute(
                sa.select(AuditEntry)
                .where(AuditEntry.entity == model.__entity__.type_name, AuditEntry.record_id == pk)
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
    return page.render("history.html", view=view, record=record, title=title(record, view, page.lang), rows=rows)


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
                    AuditEntry.entity == model.__entity__.type_name,
                    AuditEntry.record_id == pk,
                    AuditEntry.id >= entry_id,  # type: ignore[operator]
                    AuditEntry.action == "update",
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
