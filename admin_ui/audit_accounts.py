"""Audit entries about user accounts and API tokens, as people read them.

An account entry stores what changed (``{"role": ["editor", "org_admin"]}``) and a token
entry the account it was issued for (``{"user_id": [None, 7], ...}``); the audit page shows
them as 角色：编辑 → 机构管理员 and API 令牌 #2（li@example.org）. Only the fields named in
``USER_FIELDS`` / ``TOKEN_FIELDS`` are ever shown: a password hash or a token's secret,
were one stored, never is.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from admin_ui.audit_words import ACCOUNT_TYPES, TOKEN_FIELDS, USER_FIELDS, word
from admin_ui.columns import record_titles
from admin_ui.i18n import format_value
from admin_ui.web import Page
from hongfan.history import changed_pairs
from models.accounts import ApiToken, User, UserRole
from models.audit import AuditEntry
from models.base import CHOICE_LABELS, ENTITIES

# Account fields that name a record, and that record's type (hongfan.accounts.users).
_REFERENCES = {"organisation_id": "Organisation", "company_id": "Company"}


async def describe_accounts(
    page: Page, session: AsyncSession, entity: str, entries: list[AuditEntry]
) -> dict[int, dict[str, Any]]:
    """Per entry id: ``{"type", "title", "changes", "fields"}`` as people/_describe_entries
    gives every entry; ``changes`` is a list of (label, before, after) in the page's language.

    ``entity`` is "User" or "ApiToken"; any other is titled by its id, with no changes."""
    fields = USER_FIELDS if entity == "User" else TOKEN_FIELDS if entity == "ApiToken" else {}
    pairs = {
        e.id or 0: [p for p in changed_pairs(e) if p[0] in fields and p[1:] != (None, None)]
        for e in entries
    }
    refs = await _reference_titles(page, session, [p for ps in pairs.values() for p in ps])
    owners = await _token_owners(session, entries) if entity == "ApiToken" else {}
    people = await _people(session, set(owners.values()))
    described = {}
    for entry in entries:
        title = f"#{entry.record_id}"
        owner = owners.get(entry.record_id or 0)
        if owner is not None:
            title = page.t("audit.token_for", title=title, account=people.get(owner, f"#{owner}"))
        described[entry.id or 0] = {
            "type": word(ACCOUNT_TYPES, entity, page.lang),
            "title": title,
            "changes": [
                (
                    word(fields, column, page.lang),
                    _shown(page, column, before, refs),
                    _shown(page, column, after, refs),
                )
                for column, before, after in pairs[entry.id or 0]
            ],
            "fields": [],
        }
    return described


def _shown(page: Page, column: str, raw: Any, refs: dict[str, dict[int, str]]) -> str:
    if raw is None:
        return "—"
    if column == "role":
        try:
            zh, en = CHOICE_LABELS[UserRole][UserRole(raw)]
        except ValueError:
            return str(raw)
        return en if page.lang == "en" else zh
    if column in refs and isinstance(raw, int):
        return refs[column].get(raw, f"#{raw}")
    return format_value(raw, page.lang)


async def _reference_titles(
    page: Page, session: AsyncSession, pairs: list[tuple[str, Any, Any]]
) -> dict[str, dict[int, str]]:
    titles: dict[str, dict[int, str]] = {}
    for column, type_name in _REFERENCES.items():
        ids = {v for c, *vs in pairs if c == column for v in vs if isinstance(v, int)}
        model = ENTITIES.get(type_name)
        if ids and model is not None:
            titles[column] = await record_titles(session, model, ids, page.lang)
    return titles


async def _token_owners(session: AsyncSession, entries: list[AuditEntry]) -> dict[int, int]:
    """Token id → the id of the account it belongs to (a revoke entry does not store it)."""
    ids = {e.record_id for e in entries if e.record_id}
    if not ids:
        return {}
    rows = await session.execute(
        sa.select(col(ApiToken.id), col(ApiToken.user_id)).where(col(ApiToken.id).in_(ids))
    )
    return {int(pk or 0): int(user) for pk, user in rows.all()}


async def _people(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """Account id → its email, as the page names every actor (hongfan i18n.format_actor)."""
    if not ids:
        return {}
    rows = await session.execute(
        sa.select(col(User.id), col(User.email)).where(col(User.id).in_(ids))
    )
    return {int(pk or 0): str(email) for pk, email in rows.all()}


__all__ = ["describe_accounts"]
