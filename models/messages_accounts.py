"""The texts of accounts, sign-in, sessions and tokens, in the shape of
:data:`models.messages.MESSAGES`, which merges them.

Codes: ``email.*``, ``password.*``, ``login.*``, ``role.*``, ``user.*``, ``token.*``,
``session.*``, ``service.*``, ``auth.*`` and ``csrf.*``: the texts the admin UI, GraphQL and
the command line share about who is signed in and what their account may do.
"""

from __future__ import annotations

ACCOUNT_MESSAGES: dict[str, dict[str, str]] = {
    "email.format": {
        "zh": "邮箱地址格式不正确",
        "en": "This is not a valid e-mail address",
    },
    "email.taken": {
        "zh": "该邮箱已被其他账号使用",
        "en": "Another account already uses this e-mail address",
    },
    "role.forbidden": {
        "zh": "无权授予此角色或在此范围内管理账号",
        "en": "You may not grant this role or manage accounts in this part of the network",
    },
    "role.organisation_required": {
        "zh": "该角色必须绑定一个组织",
        "en": "This role must be bound to an organisation",
    },
    "role.company_required": {
        "zh": "合作企业账号必须绑定一个企业",
        "en": "A partner account must be bound to a company",
    },
    "role.no_organisation": {
        "zh": "该角色不能绑定组织",
        "en": "This role cannot be bound to an organisation",
    },
    "role.no_company": {
        "zh": "该角色不能绑定企业",
        "en": "This role cannot be bound to a company",
    },
    "user.self_change": {
        "zh": "不能修改自己的角色、所属组织或启用状态",
        "en": "You cannot change your own role, binding or active state",
    },
    "user.last_superadmin": {
        "zh": "这是最后一个启用的超级管理员账号，不能停用或降级",
        "en": "This is the last active superadmin; it cannot be deactivated or demoted",
    },
    "password.too_short": {
        "zh": "密码长度不能少于{min}个字符",
        "en": "The password must be at least {min} characters long",
    },
    "password.too_long": {
        "zh": "密码长度不能超过{max}个字符",
        "en": "The password must be at most {max} characters long",
    },
    "login.failed": {
        "zh": "用户名或密码错误",
        "en": "Wrong e-mail address or password",
    },
    "login.rate_limited": {
        "zh": "登录失败次数过多，请{minutes}分钟后再试",
        "en": "Too many failed sign-ins; try again in {minutes} minutes",
    },
    "login.slow_down": {
        "zh": "登录失败次数过多，请{seconds}秒后再试",
        "en": "Too many failed sign-ins; try again in {seconds} seconds",
    },
    "service.unavailable": {
        "zh": "数据库暂时无法访问，请稍后重试",
        "en": "The database is unavailable for a moment; please try again shortly",
    },
    "service.unavailable_title": {
        "zh": "服务暂时不可用",
        "en": "Service temporarily unavailable",
    },
    "service.try_again": {
        "zh": "重试",
        "en": "Try again",
    },
    "login.missing": {
        "zh": "请输入邮箱和密码",
        "en": "Enter your e-mail address and password",
    },
    "auth.required": {
        "zh": "请先登录",
        "en": "Please sign in first",
    },
    "login.cross_site": {
        "zh": "登录请求来自其他网站，已拒绝。请直接打开本系统的登录页登录",
        "en": "This sign-in came from another website and was refused; open this system's sign-in page and sign in there",
    },
    "session.ended": {
        "zh": "登录已失效（已退出、已过期，或账号被停用、权限或密码已变更），请重新登录",
        "en": "Your session has ended (signed out, expired, or the account was deactivated or its access or password changed); please sign in again",
    },
    "token.invalid": {
        "zh": "API 令牌无效、已过期或已被吊销",
        "en": "The API token is invalid, expired or revoked",
    },
    "token.scheme": {
        "zh": "/graphql 只接受 API 令牌认证（Authorization: Bearer hf_…），不接受 Basic 等其他方式；匿名访问请不要发送 Authorization 头",
        "en": "/graphql accepts API tokens only (Authorization: Bearer hf_…), not Basic or other schemes; send no Authorization header to ask anonymously",
    },
    "token.expires_days": {
        "zh": "有效天数应为 1 到 {max} 之间的整数（留空为长期有效）",
        "en": "The number of days must be a whole number from 1 to {max} (none: no expiry)",
    },
    "csrf.missing": {
        "zh": "表单已过期，请刷新页面后重试",
        "en": "This form has expired; reload the page and try again",
    },
}
