"""The texts of the GraphQL-over-HTTP layer (issue #14), in the shape of
:data:`models.messages.MESSAGES`, which merges them.

Codes: ``http.*`` (the HTTP request: method, parameters, CSRF header), ``persisted.*``
(persisted operations and partner allow-lists).
"""

from __future__ import annotations

API_MESSAGES: dict[str, dict[str, str]] = {
    "settings.cors_origin": {
        "zh": "环境变量 HONGFAN_CORS_ORIGINS 中的 {value} 无效：每项应为一个来源，如 https://www.example.org（不含路径，不能用 *）",
        "en": "{value} in HONGFAN_CORS_ORIGINS is not valid: each entry is one origin such as https://www.example.org (no path, no *)",
    },
    "http.bad_request": {
        "zh": "请求无效：{reason}",
        "en": "Bad request: {reason}",
    },
    "http.json": {
        "zh": "请求体不是有效的 JSON（UTF-8）",
        "en": "The request body is not valid JSON (UTF-8)",
    },
    "http.content_type": {
        "zh": "POST 请求须以 Content-Type: application/json 发送",
        "en": "A POST request must be sent with Content-Type: application/json",
    },
    "http.no_query": {
        "zh": "请求中缺少 GraphQL 查询（query 参数）",
        "en": "The request has no GraphQL query (the query parameter)",
    },
    "http.parameter": {
        "zh": '请求参数 "{name}" 类型不正确：应为{kind}或 null',
        "en": 'The request parameter "{name}" has the wrong type: it must be {kind_en} or null',
    },
    "http.get_mutation": {
        "zh": "修改操作（mutation）只能用 POST 发送，GET 只能执行查询",
        "en": "Mutations must be sent with POST; GET runs queries only",
    },
    "http.method": {
        "zh": "/graphql 只接受 GET 和 POST 请求",
        "en": "/graphql accepts GET and POST requests only",
    },
    "http.operation": {
        "zh": "找不到要执行的操作：请检查 operationName",
        "en": "Cannot tell which operation to run: check operationName",
    },
    "http.batch": {
        "zh": "不支持批量请求：请逐个发送操作",
        "en": "Batched requests are not supported: send one operation per request",
    },
    "http.graphiql_off": {
        "zh": "本服务器未启用 GraphiQL（HONGFAN_GRAPHIQL=1 可开启）",
        "en": "GraphiQL is off on this server (HONGFAN_GRAPHIQL=1 turns it on)",
    },
    "http.csrf_header": {
        "zh": "使用登录 Cookie 的请求缺少 X-CSRF-Token 请求头：请发送登录时获得的 csrfToken（也可从 GET /auth/me 获取）",
        "en": "This request uses the session cookie but has no X-CSRF-Token header: send the csrfToken from sign-in (also in GET /auth/me)",
    },
    "http.csrf_wrong": {
        "zh": "X-CSRF-Token 请求头与当前登录会话不符：请发送本次登录获得的 csrfToken（也可从 GET /auth/me 获取）",
        "en": "The X-CSRF-Token header does not belong to this session: send the csrfToken from this sign-in (also in GET /auth/me)",
    },
    "list.sign_in": {
        "zh": "查询 {type} 需要登录：请使用 API 令牌（Authorization: Bearer …）或登录会话",
        "en": "Listing {type} needs sign-in: send an API token (Authorization: Bearer …) or use a session",
    },
    "enum.unknown": {
        "zh": "没有名为 {type} 的选项类型",
        "en": "There is no enum type named {type}",
    },
    "graphiql.title": {
        "zh": "红帆 GraphiQL",
        "en": "Hongfan GraphiQL",
    },
    "graphiql.token": {
        "zh": "API 令牌（可选）",
        "en": "API token (optional)",
    },
    "graphiql.signed_in": {
        "zh": "已登录：{email}（使用登录会话）",
        "en": "Signed in as {email} (using the session)",
    },
    "graphiql.anonymous": {
        "zh": "未登录：只能看到已发布的内容",
        "en": "Not signed in: published records only",
    },
    "graphiql.loading": {
        "zh": "正在加载 GraphiQL…",
        "en": "Loading GraphiQL…",
    },
    "persisted.not_found": {
        "zh": "PersistedQueryNotFound：服务器没有这个持久化查询，请连同查询文本（query）再发送一次",
        "en": "PersistedQueryNotFound: the server does not know this persisted query; send it again with its query text",
    },
    "persisted.mismatch": {
        "zh": "extensions.persistedQuery.sha256Hash 与 query 文本的 SHA-256 不符：哈希须按 UTF-8 编码的原文计算",
        "en": "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query text (hash the exact text, UTF-8 encoded)",
    },
    "persisted.format": {
        "zh": 'extensions.persistedQuery 须为 {"version": 1, "sha256Hash": 64 位十六进制字符串}',
        "en": 'extensions.persistedQuery must be {"version": 1, "sha256Hash": 64 hexadecimal characters}',
    },
    "operation.not_allowed": {
        "zh": "此 API 令牌只能执行为其登记的操作（{names}）：本请求的操作不在其中，未执行",
        "en": "This API token runs only the operations registered for it ({names}); this request's operation is not one of them and was not run",
    },
    "operations.parse": {
        "zh": "操作文件不是有效的 GraphQL：第 {line} 行第 {column} 列有语法错误",
        "en": "The operations file is not valid GraphQL: a syntax error at line {line}, column {column}",
    },
    "operations.none": {
        "zh": "操作文件中没有任何操作（query 或 mutation）",
        "en": "The operations file has no operation (query or mutation) in it",
    },
    "operations.too_many": {
        "zh": "一个令牌最多登记 {max} 个操作",
        "en": "A token may be bound to at most {max} operations",
    },
    "operations.unnamed": {
        "zh": "操作文件中的每个操作都须有名称（如 query PublishedSites { … }）",
        "en": "Every operation in the file needs a name (such as query PublishedSites { … })",
    },
    "operations.fragment": {
        "zh": "操作 {name} 用到的片段（fragment）不在文件中",
        "en": "The operation {name} uses a fragment the file does not define",
    },
    "operations.duplicate": {
        "zh": "操作文件中有两个名为 {name} 的操作",
        "en": "The operations file has two operations named {name}",
    },
}
