"""Users, API tokens and the audit log, for superadmins and org admins.

Who may create or change whom is decided by hongfan.accounts; the audit log's
rows are scoped by the session hook (org admins see their subtree's entries).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from admin_ui import audit_accounts, audit_view
from admin_ui.records import label, record_titles, title, type_label
from admin_ui.registry import BY_SLUG, BY_TYPE
from admin_ui.web import Page
from hongfan import access, accounts, policy, reads
from hongfan.errors import HongfanError
from hongfan.persisted import token_operation_names
from models.accounts import ApiToken, User, UserRole
from models.audit import AUDIT_ACTIONS, AuditEntry
from models.base import CHOICE_LABELS, ENTITIES
from models.validators import parse_record_id

AUDIT_PAGE = 50

WORDS = {
    "users": ("用户与令牌", "Users and tokens"),
    "new_user": ("新建用户", "New user"),
    "email": ("邮箱", "Email"),
    "name": ("显示名称", "Display name"),
    "role": ("角色", "Role"),
    "organisation": ("所属组织", "Organisation"),
    "company": ("所属企业", "Company"),
    "active": ("启用", "Active"),
    "last_login": ("最近登录", "Last sign-in"),
    "create": ("创建", "Create"),
    "password_once": (
        "初始密码（只显示这一次，请转交给用户）：",
        "Initial password (shown only now; pass it on):",
    ),
    "token_once": (
        "接口令牌（只显示这一次，请妥善保存）：",
        "API token (shown only now; keep it safe):",
    ),
    "tokens": ("接口令牌", "API tokens"),
    "issue": ("签发令牌", "Issue token"),
    "token_name": ("用途", "Purpose"),
    "expires_days": ("有效天数（留空为长期）", "Valid for days (blank: no expiry)"),
    "my_password": (
        "您的密码（登录超过 15 分钟需填写）",
        "Your password (after 15 minutes signed in)",
    ),
    "operations": ("允许的操作", "Operations"),
    "any_operation": ("不限", "any"),
    "operations_hint": (
        "只允许这些操作（可选）：粘贴 .graphql 文件的内容，令牌只能执行其中的命名操作",
        "Only these operations (optional): paste a .graphql file; the token runs its named operations and nothing else",
    ),
    "revoke": ("吊销", "Revoke"),
    "revoked": ("已吊销", "Revoked"),
    "expires": ("过期时间", "Expires"),
    "last_used": ("最近使用", "Last used"),
    "save": ("保存", "Save"),
    "deactivate": ("停用", "Deactivate"),
    "activate": ("启用", "Activate"),
    "audit": ("审计日志", "Audit log"),
    "when": ("时间", "When"),
    "who": ("操作人", "Who"),
    "action": ("操作", "Action"),
    "record": ("记录", "Record"),
    "changes": ("内容", "Details"),
    "any": ("全部", "Any"),
    "next": ("下一页", "Next page"),
    "filter": ("筛选", "Filter"),
}


def w(page: Page, key: str) -> str:
    zh, en = WORDS[key]
    return en if page.lang == "en" else zh


def role_options(page: Page) -> list[tuple[str, str]]:
    allowed = [UserRole(r.value) for r in access.grantable_roles(page.principal)]
    labels = CHOICE_LABELS[UserRole]
    return [(r.value, labels[r][1 if page.lang == "en" else 0]) for r in allowed]


async def _choices(
    page: Page, slug: str, chosen: str, find: tuple[str, str] | None, field: str
) -> list[tuple[int, str]]:
    """The chosen record, plus a search's matches when 查找 was pressed (no JavaScript)."""
    from admin_ui.pickers import find_options

    view = BY_SLUG[slug]
    found: list[tuple[int, str]] = []
    if chosen.isdigit():
        async with page.db.session(page.principal) as session:
            found += list(
                (await record_titles(session, view.model, {int(chosen)}, page.lang)).items()
            )
    if find is not None and find[0] == field:
        matches = await find_options(page, view, find[1], size=50)
        found += [
            (int(r["id"]), f"{r['title']} · {r['detail']}" if r["detail"] else r["title"])
            for r in matches.results
            if str(r["id"]) != chosen
        ]
    return found


async def _users_view(page: Page, find: tuple[str, str] | None = None, **extra: Any) -> Response:
    async with page.db.session(accounts.AUTH) as session:
        users = await accounts.list_users(session, page.principal)
    async with page.db.session(page.principal) as session:
        org_titles = await record_titles(
            session,
            ENTITIES["Organisation"],
            {u.organisation_id for u in users if u.organisation_id},
            page.lang,
        )
        company_names = await record_titles(
            session, ENTITIES["Company"], {u.company_id for u in users if u.company_id}, page.lang
        )
    form = extra.get("form") or {}
    orgs = await _choices(
        page, "organisations", str(form.get("organisation_id", "")), find, "organisation_id"
    )
    companies = await _choices(
        page, "companies", str(form.get("company_id", "")), find, "company_id"
    )
    labels = CHOICE_LABELS[UserRole]
    rows = [
        {
            "user": u,
            "role": labels[UserRole(u.role)][1 if page.lang == "en" else 0],
            "binding": org_titles.get(u.organisation_id or 0)
            or company_names.get(u.company_id or 0, ""),
        }
        for u in users
    ]
    return page.render(
        "users.html",
        active="users",
        w=lambda k: w(page, k),
        rows=rows,
        roles=role_options(page),
        orgs=orgs,
        companies=companies,
        find=find,
        **extra,
    )


async def users_page(page: Page, request: Request) -> Response:
    if not page.is_admin:
        return page.render("error.html", status_code=403, text=page.t("error.forbidden"))
    if request.method == "GET":
        return await _users_view(page)
    form = await request.form()
    if not page.csrf_valid(form):
        return page.render("error.html", status_code=403, text=page.t("error.csrf"))
    if form.get("_find"):  # a picker's 查找 without JavaScript: show matches, create nothing
        field = str(form.get("_find"))
        return await _users_view(page, find=(field, str(form.get(f"{field}__q", ""))), form=form)
    role = str(form.get("role", ""))
    organisation = str(form.get("organisation_id", ""))
    company = str(form.get("company_id", ""))
    try:
        async with page.db.transaction(accounts.AUTH) as session:
            user, password = await accounts.create_user(
                session,
                page.principal,
                str(form.get("email", "")),
                role,
                organisation_id=int(organisation)
                if organisation.isdigit() and policy.bound_to(role) != "company"
                else None,
                company_id=int(company)
                if company.isdigit() and policy.bound_to(role) == "company"
                else None,
                display_name=str(form.get("display_name", "")) or None,
            )
    except HongfanError as error:
        return await _users_view(page, errors={e.field: e.message for e in error.errors}, form=form)
    return await _users_view(page, created=user, password=password)


async def user_page(page: Page, request: Request) -> Response:
    if not page.is_admin:
        return page.render("error.html", status_code=403, text=page.t("error.forbidden"))
    user_id = int(request.path_params["pk"])
    issued: str | None = None
    error_text: str | None = None
    if request.method == "POST":
        form = await request.form()
        if not page.csrf_valid(form):
            return page.render("error.html", status_code=403, text=page.t("error.csrf"))
        action = form.get("action")
        try:
            async with page.db.transaction(accounts.AUTH) as session:
                if action == "issue":
                    days = str(form.get("expires_days", ""))
                    _, issued = await accounts.issue_token(
                        session,
                        page.principal,
                        user_id,
                        name=str(form.get("name", "")) or "api",
                        expires_days=int(days) if days.isdigit() else None,
                        password=str(form.get("password", "")) or None,
                        operations=str(form.get("operations", "")).strip() or None,
                    )
                elif action == "revoke":
                    await accounts.revoke_token(
                        session, page.principal, int(str(form.get("token_id", "0")))
                    )
                elif action in ("activate", "deactivate"):
                    await accounts.update_user(
                        session,
                        page.principal,
                        user_id,
                        int(str(form.get("version", "0"))),
                        is_active=action == "activate",
                    )
        except HongfanError as error:
            error_text = "；".join(e.message for e in error.errors)
    try:
        async with page.db.session(accounts.AUTH) as session:
            visible = {u.id for u in await accounts.list_users(session, page.principal)}
            if user_id not in visible:
                return page.render("error.html", status_code=404, text=page.t("error.not_found"))
            user = (await session.execute(sa.select(User).where(User.id == user_id))).scalar_one()  # type: ignore[arg-type]
            tokens = await accounts.list_tokens(session, page.principal, user_id)
            bound = await token_operation_names(session, [int(t.id or 0) for t in tokens])
    except HongfanError:
        return page.render("error.html", status_code=404, text=page.t("error.not_found"))
    labels = CHOICE_LABELS[UserRole]
    return page.render(
        "user.html",
        active="users",
        w=lambda k: w(page, k),
        user=user,
        tokens=tokens,
        bound=bound,
        issued=issued,
        error=error_text,
        role=labels[UserRole(user.role)][1 if page.lang == "en" else 0],
    )


async def audit_page(page: Page, request: Request) -> Response:
    if not page.is_admin:
        return page.render("error.html", status_code=403, text=page.t("error.forbidden"))
    params = request.query_params
    statement = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE + 1)  # type: ignore[union-attr]
    for name in ("action", "entity"):
        if params.get(name):
            statement = statement.where(getattr(AuditEntry, name) == params[name])
    if params.get("actor"):
        statement = statement.where(AuditEntry.actor.icontains(params["actor"], autoescape=True))  # type: ignore[attr-defined]
    # A position is a canonical audit id (hongfan's record ids); anything else — altered,
    # made up, past the id range — starts the log again and says so, never a 500.
    before = parse_record_id(params.get("before", ""))
    position_lost = bool(params.get("before")) and before is None
    if before is not None:
        statement = statement.where(AuditEntry.id < before)  # type: ignore[operator, arg-type]
    async with page.db.session(page.principal) as session:
        entries = list((await session.execute(statement)).scalars().all())
        more = len(entries) > AUDIT_PAGE
        entries = entries[:AUDIT_PAGE]
        described = await _describe_entries(page, session, entries)
    query = {k: params[k] for k in ("action", "entity", "actor") if params.get(k)}
    slugs = {v.type_name: v.slug for v in page.nav()}
    return page.render(
        "audit.html",
        active="sensitive" if params.get("action") == "read_sensitive" else "audit",
        w=lambda k: w(page, k),
        entries=entries,
        query=query,
        slugs=slugs,
        described=described,
        next_url=page.url("/audit", **query, before=entries[-1].id) if more and entries else None,
        position_lost=position_lost,
        entities=sorted(
            ((n, type_label(m, page.lang)) for n, m in ENTITIES.items()), key=lambda e: e[1]
        ),
        actions=list(AUDIT_ACTIONS),
    )


async def _describe_entries(
    page: Page, session: Any, entries: list[AuditEntry]
) -> dict[int, dict[str, Any]]:
    """Per entry: the record type's label, the record's title, and its changes in words."""
    described: dict[int, dict[str, Any]] = {}
    by_entity: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        by_entity.setdefault(entry.entity, []).append(entry)
    for entity, group in by_entity.items():
        model = ENTITIES.get(entity)
        if model is None:
            described.update(await audit_accounts.describe_accounts(page, session, entity, group))
            continue
        view = BY_TYPE.get(entity)
        ids = {e.record_id for e in group if e.record_id}
        found = await reads.by_ids(
            lambda st: session.execute(st.execution_options(**{access.INCLUDE_DELETED: True})),
            model,
            sorted(ids),
        )
        titles = (
            await record_titles(session, model, ids, page.lang)
            if model.__entity__.scope == "path"
            else {pk: title(r, view, page.lang) if view else f"#{pk}" for pk, r in found.items()}
        )
        changes = await audit_view.describe(page, session, model, group)
        for entry in group:
            fields = entry.changes.get("fields", [])
            count = len(entry.changes.get("ids", []))
            described[entry.id or 0] = {
                "type": type_label(model, page.lang),
                "title": titles.get(entry.record_id, f"#{entry.record_id}")
                if entry.record_id
                else (audit_view.records(page, count) if count else ""),
                "changes": changes.rows.get(entry.id or 0, []),
                "set": audit_view.bulk_values(page, model, entry.changes)
                if entry.action == "bulk_update"
                else [],
                "fields": [
                    label(model, f, page.lang) if f in model.__table__.c else f  # type: ignore[attr-defined]
                    for f in fields
                ],
                "searched": entry.action == "lookup_sensitive",
                "export": audit_view.export_summary(page, model, entry.changes)
                if entry.action == "export"
                else "",
            }
    return described


def routes(signed_in: Any) -> list[Route]:
    return [
        Route("/users", signed_in(users_page), methods=["GET", "POST"]),
        Route("/users/{pk:int}", signed_in(user_page), methods=["GET", "POST"]),
        Route("/audit", signed_in(audit_page)),
    ]


__all__ = ["ApiToken", "routes"]
