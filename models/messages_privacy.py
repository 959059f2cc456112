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
    "token.for_others": {
        "zh": "只有超级管理员可以为其他账号签发令牌；请让该账号本人登录后签发",
        "en": "Only a superadmin may issue a token for another account; that account's owner can sign in and issue one",
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
    "settings.keys_required": {
        "zh": "生产环境必须配置加密密钥：请设置 HONGFAN_KEYS 或 HONGFAN_KEYRING_FILE",
        "en": "Production needs the encryption keys: set HONGFAN_KEYS or HONGFAN_KEYRING_FILE",
    },
    "keys.required": {
        "zh": "生产环境必须配置加密密钥：请设置 HONGFAN_KEYS 或 HONGFAN_KEYRING_FILE",
        "en": "Production needs the encryption keys: set HONGFAN_KEYS or HONGFAN_KEYRING_FILE",
    },
    "keys.malformed": {
        "zh": "加密密钥 {source} 格式不正确（需要 active、keys 和 index_key）",
        "en": "The keyring {source} is malformed (it needs active, keys and index_key)",
    },
    "keys.unreadable": {
        "zh": "无法读取加密密钥文件 {source}",
        "en": "Cannot read the keyring file {source}",
    },
    "keys.not_loaded": {"zh": "加密密钥尚未加载", "en": "The keyring is not loaded"},
    "keys.not_sealed": {
        "zh": "数据库中的 {column} 不是加密值：数据库可能尚未迁移（hongfan db upgrade）",
        "en": "{column} in the database is not sealed: migrate it first (hongfan db upgrade)",
    },
    "keys.unknown_key": {
        "zh": "数据库中的 {column} 由密钥 {key} 加密，但密钥环中没有它：请配置包含该密钥的密钥环",
        "en": "{column} in the database was sealed with key {key}, which the keyring lacks: configure the keyring that has it",
    },
    "keys.wrong_key": {
        "zh": "密钥 {key} 无法解密数据库中的 {column}：密钥环与数据库不匹配",
        "en": "Key {key} does not open {column} in the database: the keyring does not belong to this database",
    },
    "keys.sealed_operator": {
        "zh": "加密字段 {column} 只能按完整值精确查找",
        "en": "The encrypted field {column} can only be looked up by its whole value",
    },
    "keys.exists": {"zh": "密钥 {key} 已存在", "en": "Key {key} exists already"},
    "cli.keys_inline": {
        "zh": "密钥来自 HONGFAN_KEYS：请在其中加入新密钥并设为 active，再运行 hongfan keys rotate",
        "en": "The keys come from HONGFAN_KEYS: add the new key there, make it active, then run hongfan keys rotate",
    },
    "cli.keys_added": {
        "zh": "已在 {path} 中新增密钥 {key} 并设为当前密钥",
        "en": "Added key {key} to {path} and made it active",
    },
    "cli.keys_rotated": {
        "zh": "已用密钥 {key} 重新加密 {count} 个值",
        "en": "Re-encrypted {count} values with key {key}",
    },
    "cli.keys_show": {
        "zh": "当前密钥：{key}；密钥环：{keys}",
        "en": "Active key: {key}; keyring: {keys}",
    },
    "cli.retention_off": {
        "zh": "未设置保存期限：请设置 HONGFAN_RETENTION_YEARS（毕业后保存的年数）",
        "en": "No retention period: set HONGFAN_RETENTION_YEARS (years kept after graduation)",
    },
    "cli.retention_row": {
        "zh": "学生 #{id}（预计毕业 {year} 年）",
        "en": "student #{id} (graduating {year})",
    },
    "cli.retention_listed": {
        "zh": "共 {count} 名学生已超过毕业后 {years} 年的保存期限（未作修改）",
        "en": "{count} students are past {years} years after graduation (nothing changed)",
    },
    "cli.retention_done": {
        "zh": "已匿名化 {count} 名超过毕业后 {years} 年保存期限的学生",
        "en": "Anonymised {count} students past {years} years after graduation",
    },
    "person.system": {"zh": "系统", "en": "System"},
}
