"""What the audit log stores as codes, in words: (Chinese, English).

Audit entries keep what the code wrote — an export's note ``{"via": "cli", "unmasked":
false}``, the entity ``ApiToken``, the actor ``system:cli`` — and the audit and history
pages show each through these tables, never as stored. tests/admin_ui/test_audit_words.py
finds every such code the code writes, so a new one without words fails there.
"""

from __future__ import annotations

Words = dict[str, tuple[str, str]]

# Audit entities that are not record types (those are labelled by their EntityMeta).
ACCOUNT_TYPES: Words = {
    "User": ("用户账号", "User account"),
    "ApiToken": ("API 令牌", "API token"),
}

# The account fields an audit entry may show (hongfan.accounts.users), and nothing else:
# a password hash or a token secret is never among them.
USER_FIELDS: Words = {
    "email": ("邮箱", "Email"),
    "display_name": ("姓名", "Name"),
    "role": ("角色", "Role"),
    "organisation_id": ("所属组织", "Organisation"),
    "company_id": ("所属企业", "Company"),
    "is_active": ("已启用", "Active"),
}
# The token fields an audit entry may show (hongfan.accounts.tokens): its name (the entry's
# title names the account it is for).
TOKEN_FIELDS: Words = {"name": ("名称", "Name")}

# Who acted, for the system principals (``system:<name>``, hongfan.principal.system).
SYSTEM_ACTORS: Words = {
    "cli": ("命令行", "command line"),
    "auth": ("账号服务", "sign-in service"),
    "jobs": ("后台任务", "background jobs"),
    "demo": ("演示数据", "demo data"),
    "bench": ("性能测试", "benchmark"),
}

# An export note's keys that say how the file was made rather than which rows it holds.
NOTE_KEYS: Words = {
    "via": ("来源", "source"),
    "unmasked": ("未遮盖", "unmasked"),
}
NOTE_VALUES: dict[str, Words] = {
    "via": {"cli": ("命令行", "command line")},
}


def word(table: Words, code: str, lang: str) -> str:
    """``code`` in words from ``table``, in ``lang`` ("zh" or "en"); as stored when unknown."""
    zh, en = table.get(code, (code, code))
    return en if lang == "en" else zh


__all__ = [
    "ACCOUNT_TYPES",
    "NOTE_KEYS",
    "NOTE_VALUES",
    "SYSTEM_ACTORS",
    "TOKEN_FIELDS",
    "USER_FIELDS",
    "word",
]
