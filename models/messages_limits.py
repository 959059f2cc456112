"""The texts of requests refused at the edge (issue #9), in the shape of
:data:`models.messages.MESSAGES`, which merges them.

Codes: ``request.*`` (the HTTP request itself: size, JSON shape), ``filter.*`` (the size of
a filter), ``statement.*`` (a statement past its deadline), ``value.*`` (a value that does
not fit, wherever it is entered).
"""

from __future__ import annotations

LIMIT_MESSAGES: dict[str, dict[str, str]] = {
    # -- the HTTP request ---------------------------------------------------------------
    "request.too_large": {
        "zh": "请求体过大：不能超过 {max} KB",
        "en": "The request body is too large: at most {max} KB",
    },
    "request.json": {
        "zh": "请求体不是有效的 JSON（UTF-8）",
        "en": "The request body is not valid JSON (UTF-8)",
    },
    "request.not_object": {
        "zh": '请求体应为 JSON 对象，如 {{"query": "…"}}',
        "en": 'The request body must be a JSON object such as {{"query": "…"}}',
    },
    "request.query": {
        "zh": '请求中缺少 GraphQL 查询："query" 应为字符串',
        "en": 'The request has no GraphQL query: "query" must be a string',
    },
    "request.member_object": {
        "zh": '请求中的 "{name}" 类型不正确：应为 JSON 对象或 null',
        "en": '"{name}" in the request has the wrong type: it must be a JSON object or null',
    },
    "request.member_string": {
        "zh": '请求中的 "{name}" 类型不正确：应为字符串或 null',
        "en": '"{name}" in the request has the wrong type: it must be a string or null',
    },
    "request.surrogate": {
        "zh": "请求中含有无效字符（单独的 UTF-16 代理项，如 \\ud800）：请检查输入的文本",
        "en": "The request holds an invalid character (a lone UTF-16 surrogate such as \\ud800): check the text entered",
    },
    "request.too_deep": {
        "zh": "请求嵌套层数过多：不能超过 {max} 层",
        "en": "The request is nested too deeply: at most {max} levels",
    },
    # -- filters ------------------------------------------------------------------------
    "filter.string_too_long": {
        "zh": "筛选条件 {operator} 的文本过长：不能超过 {max} 个字符",
        "en": "The text of the filter condition {operator} is too long: at most {max} characters",
    },
    "filter.list_too_long": {
        "zh": "筛选条件 {operator} 的取值过多：不能超过 {max} 个",
        "en": "The filter condition {operator} has too many values: at most {max}",
    },
    "filter.too_deep": {
        "zh": "筛选条件嵌套过深：不能超过 {max} 层",
        "en": "The filter is nested too deeply: at most {max} levels",
    },
    "filter.too_many_nodes": {
        "zh": "筛选条件过多：不能超过 {max} 个",
        "en": "The filter has too many conditions: at most {max}",
    },
    "query.operation_name_required": {
        "zh": "请求包含多个操作，请用 operationName 指明要执行哪一个",
        "en": "The document has several operations: name the one to run in operationName",
    },
    "query.too_costly": {
        "zh": "查询开销过大：估计最多读取 {cost} 行，上限 {max} 行。请减小 first/last 或嵌套层数后重试",
        "en": "The query is too costly: it may read up to {cost} rows, the limit is {max}. Lower first/last or the nesting and try again",
    },
    # -- statements ---------------------------------------------------------------------
    "statement.timeout": {
        "zh": "查询超时（超过 {seconds} 秒），已取消：请缩小筛选范围后重试",
        "en": "The query took too long (over {seconds} s) and was cancelled: narrow the filter and try again",
    },
    # -- values -------------------------------------------------------------------------
    "value.control_char": {
        "zh": "不能包含控制字符",
        "en": "Must not contain control characters",
    },
    "value.direction_char": {
        "zh": "不能包含文字方向控制字符（如从右到左覆盖）",
        "en": "Must not contain text-direction control characters (such as right-to-left override)",
    },
    "value.not_finite": {
        "zh": "应为有限的数字",
        "en": "Must be a finite number",
    },
    "value.out_of_range": {
        "zh": "数值超出允许范围",
        "en": "The number is out of the allowed range",
    },
}
