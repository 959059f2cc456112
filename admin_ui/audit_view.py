"""Audit entries as people read them: field labels, choice labels, record titles, and
personal data masked as the viewer may see it (in clear only for those who may, and then
that read is itself audited)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from admin_ui.audit_words import NOTE_KEYS, NOTE_VALUES, word
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
            if column not in table.c or _internal(model, column):
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


def _internal(model: type[Record], column: str) -> bool:
    """A column people never read: a tree's materialised path ("/1/4/28/"), which a move
    rewrites; the move itself reads as its parent's change (上级：湖里区 → 厦门市)."""
    return column == "path" and model.__entity__.scope == "path"


def records(page: Page, n: int) -> str:
    """ "3 条记录" / "3 records", "1 record"."""
    return page.t("history.record" if n == 1 else "history.records", n=format_value(n, page.lang))


def bulk_values(page: Page, model: type[Record], changes: dict[str, Any]) -> list[tuple[str, str]]:
    """What a bulk update set, as (label, value) in the page's language: personal data as
    stored, masked ("***", hongfan.bulk_writes._summary_values), read as 已隐藏."""
    table = model.__table__  # type: ignore[attr-defined]
    set_values = changes.get("values") or {}
    return [
        (
            label(model, column, page.lang),
            page.t("masked")
            if column_meta(model, column).sensitive
            else shown(page, model, column, value, {}),
        )
        for column, value in set_values.items()
        if column in table.c
        and not _internal(model, column)
        and access.visibility(page.principal, model, column).readable
    ]


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


_NOT_A_FILTER = {"sort", "cols", "after", "before", "msg", "bulk", "count"}


def export_summary(page: Page, model: type[Record], changes: dict[str, Any]) -> str:
    """What an export entry wrote out, as a sentence: how many rows, which format, which
    rows (the search and filters, or the records selected), then how it was made (from
    the command line, unmasked or not) — every key and value in the viewer's language.

    The search text is stored with its numbers masked (hongfan.redaction.mask_note, applied
    by hongfan.transfer.exporting for every surface)."""
    note = changes.get("filter") or {}
    lang = page.lang
    colon, between = (": ", "; ") if lang == "en" else ("：", "；")
    count = format_value(changes.get("count", 0), lang)
    fmt = str(changes.get("format", "")).upper()
    one = "_one" if changes.get("count") == 1 else ""
    if note.get("bulk") == "selected":
        text = page.t(f"audit.export_selected{one}", n=count, fmt=fmt)
    else:
        parts = [
            _filter_text(page, model, str(key), value)
            for key, value in note.items()
            if key not in _NOT_A_FILTER and key not in NOTE_KEYS and value not in ("", None)
        ]
        text = page.t(
            f"audit.export_summary{one}",
            n=count,
            fmt=fmt,
            # An export holds the exporter's own part only (OWN_PART in
            # hongfan.transfer.exporting), never "everything visible": said so.
            filter=between.join([page.t("audit.export_own"), *parts])
            if parts
            else page.t("audit.export_everything"),
        )
    how = [
        f"{word(NOTE_KEYS, key, lang)}{colon}{_note_value(key, note[key], lang)}"
        for key in NOTE_KEYS
        if note.get(key) not in ("", None)
    ]
    # Which personal data the file held in clear (hongfan.transfer.exporting), by label:
    # an org admin's clear export and an editor's masked one must not read alike.
    clear = [_column_label(model, str(f), lang) for f in changes.get("fields_in_clear") or []]
    if clear:
        how.append(
            page.t("audit.export_clear", fields=("、" if lang != "en" else ", ").join(clear))
        )
    return between.join([text, *how])


def _column_label(model: type[Record], key: str, lang: str) -> str:
    """A column's label, or a related record's ("student.id_number" → 学生 · 身份证号)."""
    table = model.__table__  # type: ignore[attr-defined]
    if key in table.c:
        return label(model, key, lang)
    fk, _, column = key.partition(".")
    target = fk_target(model, fk) if column and fk in table.c else None
    if target is not None and column in target.__table__.c:  # type: ignore[attr-defined]
        return f"{label(model, fk, lang)} · {label(target, column, lang)}"
    return key


def _note_value(key: str, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return format_value(value, lang)  # 是 / 否
    return word(NOTE_VALUES.get(key, {}), str(value), lang)


def _filter_text(page: Page, model: type[Record], key: str, value: Any) -> str:
    """One filter of an exported list, as its chip or field reads: 状态：实习中, 开始日期：≥ 2024年7月1日."""
    colon = ": " if page.lang == "en" else "："
    if key == "q":
        return page.t("audit.export_search", q=value)
    if key == "deleted":
        return page.t("list.deleted_only")
    if key == "org":  # the organisation filter: that organisation and those under it
        return f"{page.t('list.organisation')}{colon}#{value}"
    table = model.__table__  # type: ignore[attr-defined]
    fk, _, target_column = key.partition(".")
    target = fk_target(model, fk) if target_column and fk in table.c else None
    if target is not None and target_column in target.__table__.c:  # type: ignore[attr-defined]
        name = f"{label(model, fk, page.lang)} · {label(target, target_column, page.lang)}"
        return f"{name}{colon}{shown(page, target, target_column, value, {})}"
    column, sign = key, ""
    if column not in table.c and column.startswith("f_"):
        column = column.removeprefix("f_")
        for suffix, mark in (("_from", "≥ "), ("_to", "≤ ")):
            if column not in table.c and column.endswith(suffix):
                column, sign = column.removesuffix(suffix), mark
    if column not in table.c:
        return f"{key}{colon}{value}"
    if kind_of(model, column) == "bool" and value in ("0", "1"):
        shown_value = format_value(value == "1", page.lang)
    else:
        shown_value = shown(page, model, column, value, {})
    return f"{label(model, column, page.lang)}{colon}{sign}{shown_value}"
