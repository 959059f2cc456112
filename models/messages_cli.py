"""The command line's and start-up's texts, in the shape of :data:`models.messages.MESSAGES`.

:mod:`models.messages` merges them into its catalogue, so ``message("db.missing", lang, …)``
renders these like every other code. Codes: ``settings.*`` (a bad ``HONGFAN_*`` variable),
``db.*`` (the database at start-up and ``hongfan db``), ``os.*`` (files), ``cli.*`` (the
commands' own answers). Every text is one line: the CLI prints failures as one line.
"""

from __future__ import annotations

CLI_MESSAGES: dict[str, dict[str, str]] = {
    # -- settings from the environment -------------------------------------------------
    "settings.integer": {
        "zh": "环境变量 {name}={value} 无效：应为整数",
        "en": "{name}={value} is not valid: it must be a whole number",
    },
    "settings.port": {
        "zh": "环境变量 {name}={value} 无效：端口应为 1 到 65535 之间的整数",
        "en": "{name}={value} is not valid: a port is a whole number from 1 to 65535",
    },
    "settings.secret_required": {
        "zh": "HONGFAN_ENV=production 时必须设置 HONGFAN_SECRET_KEY（所有进程使用同一个随机值）",
        "en": "HONGFAN_SECRET_KEY must be set when HONGFAN_ENV=production (one random value shared by every process)",
    },
    "settings.database_scheme": {
        "zh": "HONGFAN_DATABASE_URL 使用了不支持的数据库类型“{scheme}”：请使用 postgresql://用户@主机/数据库 或 sqlite:///文件路径",
        "en": "HONGFAN_DATABASE_URL names an unsupported database “{scheme}”: use postgresql://user@host/database or sqlite:///path/to/file",
    },
    "settings.database_url": {
        "zh": "HONGFAN_DATABASE_URL 无法解析：应形如 postgresql://用户@主机/数据库 或 sqlite:///文件路径",
        "en": "HONGFAN_DATABASE_URL cannot be parsed: write it as postgresql://user@host/database or sqlite:///path/to/file",
    },
    "settings.language": {
        "zh": "HONGFAN_LANG={value} 无效：应为 zh 或 en",
        "en": "HONGFAN_LANG={value} is not valid: use zh or en",
    },
    # -- the database at start-up ------------------------------------------------------
    "db.unreachable": {
        "zh": "无法连接数据库服务器（{database}）：{reason}。请确认 PostgreSQL 已启动并在该地址监听，或修改 HONGFAN_DATABASE_URL",
        "en": "Cannot reach the database server ({database}): {reason}. Check that PostgreSQL is running there, or change HONGFAN_DATABASE_URL",
    },
    "db.missing": {
        "zh": "数据库 {name} 不存在（{database}）：运行 hongfan db create（或 hongfan db upgrade）创建它",
        "en": "The database {name} does not exist ({database}): create it with hongfan db create (or hongfan db upgrade)",
    },
    "db.credentials": {
        "zh": "数据库服务器拒绝了登录（{database}）：{reason}。请检查 HONGFAN_DATABASE_URL 中的用户名和密码",
        "en": "The database server refused the login ({database}): {reason}. Check the user and password in HONGFAN_DATABASE_URL",
    },
    "db.sqlite_directory": {
        "zh": "SQLite 数据库所在的目录不存在（{database}）：先创建目录 {directory}，或修改 HONGFAN_DATABASE_URL",
        "en": "The directory of the SQLite database does not exist ({database}): create {directory} first, or change HONGFAN_DATABASE_URL",
    },
    "db.sqlite_open": {
        "zh": "无法打开 SQLite 数据库（{database}）：{reason}",
        "en": "Cannot open the SQLite database ({database}): {reason}",
    },
    "db.not_migrated": {
        "zh": "数据库尚未建表（{database}）：先运行 hongfan db upgrade",
        "en": "The database has no tables yet ({database}): run hongfan db upgrade first",
    },
    "db.behind": {
        "zh": "数据库版本 {current} 落后于程序的 {head}（{database}）：运行 hongfan db upgrade",
        "en": "The database is at revision {current}, the code at {head} ({database}): run hongfan db upgrade",
    },
    "db.unknown_revision": {
        "zh": "数据库版本 {current} 不在本程序的迁移历史中（{database}）：数据库由更新的版本迁移过，请使用对应版本的 Hongfan",
        "en": "The database is at revision {current}, which this code does not know ({database}): it was migrated by a newer Hongfan; use that version",
    },
    "db.error": {
        "zh": "数据库出错（{database}）：{reason}",
        "en": "Database error ({database}): {reason}",
    },
    "db.timeout": {
        "zh": "数据库服务器在 {seconds} 秒内没有响应（{database}）：请确认服务器正常运行",
        "en": "The database server did not answer within {seconds} s ({database}): check that it is running",
    },
    # -- hongfan db --------------------------------------------------------------------
    "db.created": {
        "zh": "已创建数据库 {name}（{database}）；下一步：hongfan db upgrade",
        "en": "Created the database {name} ({database}); next: hongfan db upgrade",
    },
    "db.created_now": {
        "zh": "已创建数据库 {name}（{database}）",
        "en": "Created the database {name} ({database})",
    },
    "db.exists": {
        "zh": "数据库 {name} 已存在，未做更改（{database}）",
        "en": "The database {name} exists already; nothing changed ({database})",
    },
    "db.create_refused": {
        "zh": '数据库服务器不允许创建数据库 {name}（{database}）：{reason}。请让数据库管理员执行 CREATE DATABASE "{name}" OWNER "{user}"; 或使用有 CREATEDB 权限的账号',
        "en": 'The server does not allow creating the database {name} ({database}): {reason}. Ask its administrator to run CREATE DATABASE "{name}" OWNER "{user}"; or use an account with CREATEDB',
    },
    "db.sqlite_created": {
        "zh": "SQLite 数据库文件已就绪（{database}）；下一步：hongfan db upgrade",
        "en": "The SQLite database file is ready ({database}); next: hongfan db upgrade",
    },
    "db.upgraded": {
        "zh": "数据库已升级到 {revision}（{database}）",
        "en": "Database upgraded to {revision} ({database})",
    },
    "db.downgraded": {
        "zh": "数据库已降级到 {revision}（{database}）",
        "en": "Database downgraded to {revision} ({database})",
    },
    "db.no_revision": {
        "zh": "没有名为“{revision}”的迁移版本：用 hongfan db history 查看可用的版本",
        "en": "There is no migration revision “{revision}”: hongfan db history lists them",
    },
    "db.migration_failed": {
        "zh": "迁移失败（{database}）：{reason}",
        "en": "The migration failed ({database}): {reason}",
    },
    "db.retallied": {
        "zh": "统计数据已按现有记录重新计算（{database}）",
        "en": "Statistics recomputed from the records ({database})",
    },
    "db.current": {
        "zh": "当前版本：{current}（{database}）",
        "en": "Current revision: {current} ({database})",
    },
    "db.current_none": {
        "zh": "数据库尚未迁移（{database}）：运行 hongfan db upgrade",
        "en": "The database has not been migrated ({database}): run hongfan db upgrade",
    },
    "db.is_head": {
        "zh": "已是最新版本",
        "en": "up to date",
    },
    "db.not_head": {
        "zh": "最新版本为 {head}，运行 hongfan db upgrade 升级",
        "en": "the newest is {head}; hongfan db upgrade applies it",
    },
    "db.history_current": {
        "zh": "← 当前",
        "en": "← current",
    },
    # -- files -------------------------------------------------------------------------
    "os.not_found": {
        "zh": "{path}：文件或目录不存在",
        "en": "{path}: no such file or directory",
    },
    "os.is_directory": {
        "zh": "{path} 是一个目录：请给出文件名",
        "en": "{path} is a directory: give a file name",
    },
    "os.not_directory": {
        "zh": "{path}：路径中有一部分不是目录",
        "en": "{path}: part of the path is not a directory",
    },
    "os.permission": {
        "zh": "{path}：没有权限",
        "en": "{path}: permission denied",
    },
    "os.error": {
        "zh": "{path}：{reason}",
        "en": "{path}: {reason}",
    },
    # -- the commands' own answers -----------------------------------------------------
    "cli.database": {
        "zh": "数据库：{database}",
        "en": "Database: {database}",
    },
    "cli.failed_in": {
        "zh": "{message}（数据库：{database}）",
        "en": "{message} (database: {database})",
    },
    "cli.interrupted": {
        "zh": "已中断",
        "en": "Interrupted",
    },
    "cli.unexpected": {
        "zh": "意外错误 {kind}：{reason}（加 --debug 查看详细信息）",
        "en": "Unexpected error {kind}: {reason} (add --debug for the details)",
    },
    "cli.usage": {
        "zh": "{message}（用法：{prog} --help）",
        "en": "{message} (usage: {prog} --help)",
    },
    "cli.port_in_use": {
        "zh": "端口 {port} 已被占用（{host}:{port}）：用 --port 或 HONGFAN_PORT 换一个端口，或先停止占用它的程序",
        "en": "Port {port} is in use ({host}:{port}): choose another with --port or HONGFAN_PORT, or stop what uses it",
    },
    "cli.cannot_listen": {
        "zh": "无法在 {host}:{port} 监听：{reason}",
        "en": "Cannot listen on {host}:{port}: {reason}",
    },
    "cli.serving": {
        "zh": "红帆 Hongfan 已启动：{base}（按 Ctrl+C 停止）",
        "en": "Hongfan 红帆 is serving on {base} (Ctrl+C stops it)",
    },
    "cli.serving_admin": {
        "zh": "  管理后台：          {base}/admin/",
        "en": "  Admin UI:            {base}/admin/",
    },
    "cli.serving_graphql": {
        "zh": "  GraphQL / GraphiQL： {base}/graphql",
        "en": "  GraphQL / GraphiQL:  {base}/graphql",
    },
    "cli.serving_health": {
        "zh": "  健康检查：          {base}/healthz  {base}/readyz",
        "en": "  Health:              {base}/healthz  {base}/readyz",
    },
    "cli.serving_database": {
        "zh": "  数据库：            {database}",
        "en": "  Database:            {database}",
    },
    "cli.serving_sign_in": {
        "zh": "  登录：hongfan demo 打印的演示账号（开发环境密码 hongfan-demo-2024），或 hongfan create-admin 你的邮箱",
        "en": "  Sign in: the demo accounts hongfan demo printed (password hongfan-demo-2024 in development), or hongfan create-admin you@example.org",
    },
    "cli.demo_loaded": {
        "zh": "演示数据已载入：",
        "en": "Demo data loaded:",
    },
    "cli.demo_present": {
        "zh": "演示数据已存在，未做更改：",
        "en": "Demo data already present; nothing changed:",
    },
    "cli.demo_logins": {
        "zh": "演示账号（POST /auth/login 或管理后台登录）：",
        "en": "Demo logins (POST /auth/login, or the admin UI):",
    },
    "cli.demo_token": {
        "zh": "合作企业账号 {email} 的 API 令牌（Authorization: Bearer <令牌>），只显示这一次：",
        "en": "Partner API token for {email} (Authorization: Bearer <token>), shown only now:",
    },
    "cli.demo_token_earlier": {
        "zh": "合作企业账号 {email} 的 API 令牌已在之前的运行中创建，不再显示；新建一个：hongfan token create {email}",
        "en": "The partner API token for {email} was made by an earlier run and is not shown again; make a new one: hongfan token create {email}",
    },
    "cli.user_created": {
        "zh": "已创建{role}账号 {email}（id {id}）",
        "en": "Created {role} {email} (id {id})",
    },
    "cli.generated_password": {
        "zh": "生成的密码（只显示这一次，首次登录后请修改）：",
        "en": "Generated password (shown only now; change it after the first login):",
    },
    "cli.no_users": {
        "zh": "没有账号：用 hongfan create-admin 邮箱 创建第一个",
        "en": "No accounts: make the first with hongfan create-admin EMAIL",
    },
    "cli.users_header": {
        "zh": "id\t邮箱\t角色\t所属\t状态\t最近登录",
        "en": "id\temail\trole\tbound to\tstatus\tlast sign-in",
    },
    "cli.active": {"zh": "启用", "en": "active"},
    "cli.inactive": {"zh": "停用", "en": "inactive"},
    "cli.never": {"zh": "从未", "en": "never"},
    "cli.no_organisation_id": {
        "zh": "没有 id 为 {ref} 的组织",
        "en": "No organisation has the id {ref}",
    },
    "cli.empty_organisation": {
        "zh": "--org 不能为空",
        "en": "--org is empty",
    },
    "cli.no_organisation": {
        "zh": "找不到名为“{ref}”的组织",
        "en": "No organisation is named “{ref}”",
    },
    "cli.ambiguous_organisation": {
        "zh": "“{ref}”对应 {n} 个组织，请写更长的路径或 id：{candidates}",
        "en": "“{ref}” names {n} organisations; give a longer path or the id: {candidates}",
    },
    "cli.no_company": {
        "zh": "找不到企业“{ref}”",
        "en": "No company “{ref}”",
    },
    "cli.ambiguous_company": {
        "zh": "“{ref}”对应 {n} 家企业，请给出 id：{candidates}",
        "en": "“{ref}” names {n} companies; give the id: {candidates}",
    },
    "cli.token_operations": {
        "zh": "此令牌只能执行 {count} 个操作：{names}（其他请求一律拒绝，错误码 OPERATION_NOT_ALLOWED）。",
        "en": "This token runs only {count} operations: {names} (anything else is refused with OPERATION_NOT_ALLOWED).",
    },
    "cli.token_created": {
        "zh": "已为 {email}（{role}）创建 API 令牌 {id}“{name}”，{expiry}。",
        "en": "API token {id} “{name}” for {email} ({role}); {expiry}.",
    },
    "cli.token_expires": {
        "zh": "有效期至 {at} UTC",
        "en": "expires {at} UTC",
    },
    "cli.token_never_expires": {
        "zh": "永不过期",
        "en": "never expires",
    },
    "cli.token_shown_once": {
        "zh": "请以 'Authorization: Bearer <令牌>' 发送。令牌只显示这一次：",
        "en": "Send it as 'Authorization: Bearer <token>'. It is shown only now:",
    },
    "cli.token_revoked": {
        "zh": "已撤销 API 令牌 {id}“{name}”（{prefix}…）",
        "en": "Revoked API token {id} “{name}” ({prefix}…)",
    },
    "cli.no_such_token": {
        "zh": "没有这个令牌",
        "en": "No such token",
    },
    "cli.token_reference": {
        "zh": "请给出令牌本身（hf_…）或它的 id，而不是“{ref}”",
        "en": "Give the token (hf_…) or its id, not “{ref}”",
    },
    "cli.no_tokens": {
        "zh": "没有 API 令牌",
        "en": "No API tokens",
    },
    "cli.tokens_header": {
        "zh": "id\t账号\t名称\t前缀\t创建于\t有效期至\t最近使用\t可执行的操作\t状态",
        "en": "id\taccount\tname\tprefix\tcreated\texpires\tlast used\toperations\tstatus",
    },
    "cli.token_any_operation": {"zh": "不限", "en": "any"},
    "cli.token_bound_to": {"zh": "仅 {count} 个：{names}", "en": "only {count}: {names}"},
    "cli.token_valid": {"zh": "有效", "en": "valid"},
    "cli.token_is_revoked": {"zh": "已撤销", "en": "revoked"},
    "cli.token_expired": {"zh": "已过期", "en": "expired"},
}
