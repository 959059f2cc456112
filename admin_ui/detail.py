"""A record's page: its fields as the caller may see them, related records, actions."""

from __future__ import annotations

from starlette.responses import Response

from admin_ui.columns import (
    COUNT_CAP,
    HIDDEN_IN_FORMS,
    changeable,
    display,
    fk_target,
    label,
    load,
    resolve_refs,
    title,
    type_label,
)
from admin_ui.registry import BY_TYPE, AdminView
from admin_ui.web import Page
from hongfan import access, crud, reads
from hongfan.pagination import Direction, SortKey, with_tiebreak
from hongfan.policy import Op
from models import pinyin
from models.audit import AuditEntry
from models.base import ENTITIES, Record, ToMany


def detail_columns(page: Page, model: type[Record]) -> list[str]:
    columns = []
    for c in model.__table__.columns:  # type: ignore[attr-defined]
        if c.name in {"id", "path"} or pinyin.derived_from(c):
            continue
        if not access.visibility(page.principal, model, c.name).readable:
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
        mine = await changeable(session, model, pk)
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
            keys = with_tiebreak(
                [SortKey(pinyin.sort_column(target, target_view.list_columns[0]), Direction.ASC)]
            )
            rows = await reads.fetch_page(session.execute, target, where=where, keys=keys, first=10)
            total, exact = await reads.count_up_to(session.execute, target, where, COUNT_CAP)
            related.append(
                {
                    "label": relation.description.split(" (")[0]
                    if page.lang == "en"
                    else _zh(relation.description),
                    "view": target_view,
                    "rows": [(r.id, title(r, target_view, page.lang)) for r in rows[:10]],
                    "total": total,
                    "all_url": page.url(f"/{target_view.slug}", **{relation.fk: pk}),
                    "add_url": _add_url(page, target, target_view, relation.fk, pk)
                    if record.deleted_at is None
                    else None,
                    "add_label": page.t("detail.add_related", label=type_label(target, page.lang)),
                }
            )
        sensitive_clear = [
            c
            for c in columns
            if access.sensitive_in_clear(page.principal, model, c)
            and getattr(record, c) is not None
        ]
        if sensitive_clear:
            await audit_sensitive_read(page, record, sensitive_clear)
    return page.render(
        "detail.html",
        view=view,
        model=model,
        record=record,
        title=title(record, view, page.lang),
        type_title=type_label(model, page.lang),
        fields=[
            (
                label(model, c, page.lang),
                display(page, model, record, c, refs),
                c,
                refs.get(c) and fk_target(model, c),
            )
            for c in columns
        ],
        related=related,
        can_update=mine
        and access.can_write(page.principal, model, Op.UPDATE)
        and record.deleted_at is None,
        can_delete=mine
        and access.can_write(page.principal, model, Op.DELETE)
        and record.deleted_at is None,
        can_restore=mine
        and access.can_write(page.principal, model, Op.RESTORE)
        and record.deleted_at is not None,
        slug_of=lambda target: BY_TYPE[target.__entity__.type_name].slug if target else None,
    )


def _add_url(page: Page, target: type[Record], view: AdminView, fk: str, pk: int) -> str | None:
    """ "新增助学金发放" on a student's page: the new form with the student chosen (?student_id=7)."""
    from admin_ui.forms import form_columns

    if not access.can_write(page.principal, target, Op.CREATE) or fk not in form_columns(
        page, target
    ):
        return None
    return page.url(f"/{view.slug}/new", **{fk: pk})


def _zh(description: str) -> str:
    return description.rsplit("(", 1)[-1].rstrip(")") if "(" in description else description


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
