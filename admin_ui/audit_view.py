"""Audit entries as people read them: field labels, choice labels, record titles, and
personal data masked as the viewer may see it (in clear only for those who may, and then
that read is itself audited)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from admin_ui.columns import fk_target, kind_of, label, record_titles
from admin_ui.i18n import format_value
from admin_ui.web import Page
from hongfan import access
from hongfan.history import changed_pairs
from models import sealed
from models.audit import AuditEntry
from models.base import CHOICE_LABELS, Record, column_meta
from models.rules import python_type


class Changes:
    """Each entry's (label, before, after) rows, and the personal-data columns shown in clear."""

    def __init__(self) -> None:
        self.rows: dict[int, list[tuple[str, str, str]]] = {}
        self.clear: set[str] = set()


async def describe(
    page: Page, session: AsyncSession, model: type[Record], entries: list[AuditEntry]
) -> Changes:
    found = Changes()
    refs = await _reference_titles(page, session, model, entries)
    table = model.__table__  # type: ignore[attr-defined]
    for entry in entries:
        rows = []
        for column, before, after in changed_pairs(entry):
            if column not in table.c:
                continue
            if not access.visibility(page.principal, model, column).readable:
                continue
            if access.sensitive_in_clear(page.principal, model, column) and (
                before is not None or after is not None
            ):
                found.clear.add(column)
            rows.append(
                (
                    label(model, column, page.lang),
                    shown(page, model, column, before, refs),
                    shown(page, model, column, after, refs),
                )
            )
        found.rows[entry.id or 0] = rows
    return found


async def _reference_titles(
    page: Page, session: AsyncSession, model: type[Record], entries: list[AuditEntry]
) -> dict[str, dict[int, str]]:
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        for column, before, after in changed_pairs(entry):
            if column in model.__table__.c and fk_target(model, column) is not None:  # type: ignore[attr-defined]
                wanted.setdefault(column, set()).update(
                    v for v in (before, after) if isinstance(v, int)
                )
    titles = {}
    for column, ids in wanted.items():
        target = fk_target(model, column)
        if target is not None and access.can_read_column(page.principal, model, column):
            titles[column] = await record_titles(session, target, ids, page.lang)
    return titles


def shown(
    page: Page, model: type[Record], column: str, raw: Any, refs: dict[str, dict[int, str]]
) -> str:
    """One stored audit value as the viewer may see it, in the UI's language."""
    if raw is None:
        return "—"
    kind = kind_of(model, column)
    value: Any = raw
    try:
        target = python_type(model, column)
        if kind == "choice":
            value = target(raw)
        elif target is date and isinstance(raw, str):
            value = date.fromisoformat(raw)
        elif target is datetime and isinstance(raw, str):
            value = datetime.fromisoformat(raw)
    except (ValueError, TypeError):
        value = raw
    if column_meta(model, column).sensitive and isinstance(value, str) and value.count(".") == 2:
        try:  # sealed in the audit log like the column itself (hongfan.redaction.seal_changes)
            column_type = model.__table__.c[column].type  # type: ignore[attr-defined]
            value = sealed.unseal(getattr(column_type, "column", column), value)
            if kind == "choice":
                value = python_type(model, column)(value)
        except (sealed.KeyringError, ValueError):
            return page.t("masked")
    if column_meta(model, column).sensitive:
        value = access.present(page.principal, model, column, value)
        if value is None:
            return page.t("masked")
    if kind == "relation":
        return (
            refs.get(column, {}).get(value, f"#{value}") if isinstance(value, int) else str(value)
        )
    if isinstance(value, enum.Enum):
        zh, en = CHOICE_LABELS.get(type(value), {}).get(value, (value.value, value.value))
        return en if page.lang == "en" else zh
    if column_meta(model, column).person:
        return "—"  # authorship is named by the entry's actor, never by a stored value
    return format_value(value, page.lang)


_NOT_A_FILTER = {"sort", "cols", "after", "before", "msg"}


def export_summary(page: Page, model: type[Record], changes: dict[str, Any]) -> str:
    """What an export entry wrote out: how many rows, which format, under which search/filter.

    The search text is stored with its numbers masked (hongfan.redaction.mask_note, applied
    by hongfan.transfer.exporting for every surface)."""
    note = changes.get("filter") or {}
    parts: list[str] = []
    if note.get("bulk") == "selected":
        parts.append(page.t("audit.export_selected"))
    for key, value in note.items():
        if key in _NOT_A_FILTER or key in ("bulk", "count") or value in ("", None):
            continue
        if key == "q":
            parts.append(page.t("audit.export_search", q=value))
        elif key == "deleted":
            parts.append(page.t("list.deleted_only"))
        else:
            column = key.removeprefix("f_").removesuffix("_from").removesuffix("_to")
            column = "organisation_id" if key == "org" else column
            name = label(model, column, page.lang) if column in model.__table__.c else key  # type: ignore[attr-defined]
            sign = "≥ " if key.endswith("_from") else "≤ " if key.endswith("_to") else ""
            parts.append(f"{name}{'：' if page.lang != 'en' else ': '}{sign}{value}")
    return page.t(
        "audit.export_summary",
        n=format_value(changes.get("count", 0), page.lang),
        fmt=str(changes.get("format", "")).upper(),
        filter="；".join(parts) if parts else page.t("audit.export_everything"),
    )
