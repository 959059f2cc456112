"""A record's history from the audit log, and putting back an earlier version."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from admin_ui import audit_view
from admin_ui.columns import label, title
from admin_ui.detail import audit_sensitive_read
from admin_ui.forms import form_columns
from admin_ui.i18n import format_actor
from admin_ui.registry import AdminView
from admin_ui.web import Page, redirect
from hongfan import access, crud, history, reads, redaction
from hongfan.errors import HongfanError
from hongfan.policy import Op
from models.validators import parse_record_id


async def history_page(page: Page, view: AdminView, pk: int) -> Response:
    """The record's edits (or, on the second tab, who read its personal data), 50 a page."""
    model = view.model
    params = page.request.query_params
    may_see_reads = access.sees_reads_of(page.principal, model)
    reads = params.get("tab") == "reads" and may_see_reads
    before = parse_record_id(params.get("before", ""))
    async with page.db.session(page.principal) as session:
        entries = await history.record_entries(session, model, pk, reads=reads, before=before)
        record = await history.visible(session, model, pk) if entries is not None else None
        if entries is None or record is None:
            return page.render("error.html", status_code=404, text=page.t("error.not_found"))
        more = len(entries) > history.HISTORY_PAGE
        entries = entries[: history.HISTORY_PAGE]
        changes = await audit_view.describe(page, session, model, entries)
    if changes.clear:  # admins see before/after of personal data in clear: that is a read too
        await audit_sensitive_read(page, record, sorted(changes.clear))
    restorable = access.can_write(page.principal, model, Op.UPDATE) and record.deleted_at is None
    who = await _who(page, model, entries)
    rows = [
        {
            "entry": e,
            "who": who.get(e.actor, ""),
            "action": page.t(f"action.{e.action}"),
            "changes": changes.rows.get(e.id or 0, []),
            "fields": [
                label(model, f, page.lang) if f in model.__table__.c else f  # type: ignore[attr-defined]
                for f in e.changes.get("fields", [])
            ],  # type: ignore[attr-defined]
            "bulk": (e.request_id or "").startswith("bulk-"),
            "restorable": e.action == "update" and restorable,
        }
        for e in entries
    ]
    tab = "reads" if reads else "edits"
    return page.render(
        "history.html",
        view=view,
        record=record,
        title=title(record, view, page.lang),
        rows=rows,
        tab=tab,
        may_see_reads=may_see_reads,
        older_url=page.url(
            f"/{view.slug}/{pk}/history", tab=tab if reads else None, before=entries[-1].id
        )
        if more
        else None,
        newest_url=page.url(f"/{view.slug}/{pk}/history", tab=tab if reads else None)
        if before
        else None,
    )


async def _who(page: Page, model: Any, entries: list[Any]) -> dict[str, str]:
    """Each entry's actor as the viewer may see people: a display name for staff who are not admins."""
    ids = {i for e in entries if (i := reads.actor_user_id(e.actor)) is not None}
    async with page.db.session(page.principal) as session:
        found = await reads.people(session.execute, ids)
    named: dict[str, str] = {}
    for entry in entries:
        user_id = reads.actor_user_id(entry.actor)
        if user_id is None:
            named[entry.actor] = format_actor(entry.actor, page.lang)
        else:
            named[entry.actor] = access.person_label(
                page.principal, model, found.get(user_id)
            ) or page.t("masked")
    return named


async def restore_version(page: Page, view: AdminView, pk: int, entry_id: int) -> Response:
    """Put back the values the record had before audit entry ``entry_id`` (and all later changes)."""
    model = view.model
    form = await page.request.form()
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    async with page.db.session(page.principal) as session:
        entries = await history.entries_since(session, model, pk, entry_id)
    if entries is None:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    writable = set(form_columns(page, model))
    values: dict[str, Any] = {}
    for entry in entries:  # newest first, so the oldest "before" wins
        for column, change in entry.changes.items():
            if column in writable and isinstance(change, list):
                values[column] = redaction.open_change(model, column, change[0])
    if not values:
        return redirect(page.url(f"/{view.slug}/{pk}/history", msg="nothing"))
    try:
        async with page.db.transaction(page.principal) as session:
            await crud.update(session, model, pk, None, values)
    except HongfanError as error:
        return page.render(
            "error.html", status_code=422, text="；".join(e.message for e in error.errors)
        )
    return redirect(page.url(f"/{view.slug}/{pk}", msg="version_restored"))
