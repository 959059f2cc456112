"""Generic record pages: list, detail, create, edit, delete, restore, history.

Rows come through the caller's scoped session (hongfan.db) and hongfan.reads;
writes go through hongfan.crud — the same policy and the same write path as
GraphQL, so the admin cannot show or change what the API would refuse.

The pages live in one module per concern (columns, lists, detail, forms,
history); this module names them for the routes and for other admin modules.
"""

from __future__ import annotations

from admin_ui.columns import (
    choice_options,
    display,
    fk_target,
    kind_of,
    label,
    load,
    record_titles,
    resolve_refs,
    title,
    type_label,
)
from admin_ui.detail import audit_sensitive_read, detail_page
from admin_ui.forms import delete_or_restore, form_page, save
from admin_ui.history import history_page, restore_version
from admin_ui.lists import ListQuery, build_list_query, list_page, organisation_choices
from admin_ui.registry import BY_SLUG, AdminView


def view_for(slug: str) -> AdminView | None:
    return BY_SLUG.get(slug)


__all__ = [
    "ListQuery",
    "audit_sensitive_read",
    "build_list_query",
    "choice_options",
    "delete_or_restore",
    "detail_page",
    "display",
    "fk_target",
    "form_page",
    "history_page",
    "kind_of",
    "label",
    "list_page",
    "load",
    "organisation_choices",
    "record_titles",
    "resolve_refs",
    "restore_version",
    "save",
    "title",
    "type_label",
    "view_for",
]
