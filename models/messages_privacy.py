"""Texts about personal data (people, keys, erasure), in the shape of :data:`models.messages.MESSAGES`.

:mod:`models.messages` merges them into its catalogue.
"""

from __future__ import annotations

PRIVACY_MESSAGES: dict[str, dict[str, str]] = {
    "person.unnamed": {"zh": "用户 #{id}", "en": "User #{id}"},
    "integrity": {
        "zh": "保存失败：数据与已有记录冲突，请刷新后重试",
        "en": "Not saved: the data conflicts with an existing record; reload and try again",
    },
    "token.needs_session": {
        "zh": "签发令牌需要登录会话：接口令牌不能签发新令牌",
        "en": "Issuing a token needs a signed-in session: an API token cannot issue tokens",
    },
    "token.reauth": {
        "zh": "请先输入您的密码确认身份（登录超过 {minutes} 分钟后签发令牌需重新验证）",
        "en": "Enter your password to confirm it is you (needed {minutes} minutes after signing in)",
    },
    "token.reauth_failed": {"zh": "密码不正确", "en": "The password is not correct"},
    "unique.elsewhere": {
        "zh": "该号码已在其他单位登记，不能重复录入；如需核实请联系上级协会管理员",
        "en": "This number is already registered elsewhere and cannot be entered again; ask your association's administrator",
    },
    "unique.too_many": {
        "zh": "查重次数过多，请 {minutes} 分钟后再试",
        "en": "Too many duplicate checks; try again in {minutes} minutes",
    },
    "person.system": {"zh": "系统", "en": "System"},
}
