"""GraphQL's own parse, validation and variable errors (graph/request_errors.py): what is
wrong and where, never the value sent. ``{where}`` is the place (" (line 1, column 3)"),
``{hint}`` the schema's suggestions while introspection is on."""

from __future__ import annotations

GRAPHQL_MESSAGES: dict[str, dict[str, str]] = {
    "gql.where": {"zh": "（第 {line} 行第 {column} 列）", "en": " (line {line}, column {column})"},
    "gql.hint": {"zh": "；你是不是要找：{names}？", "en": "; did you mean {names}?"},
    "gql.at": {"zh": " 中 {path}", "en": " at {path}"},
    # kinds of values and tokens, named instead of the value itself
    "gql.kind.int": {"zh": "整数", "en": "a whole number"},
    "gql.kind.float": {"zh": "数字", "en": "a number"},
    "gql.kind.string": {"zh": "带引号的字符串", "en": "a quoted string"},
    "gql.kind.boolean": {"zh": "true 或 false", "en": "true or false"},
    "gql.kind.id": {"zh": "字符串形式的 ID", "en": "an ID (a string)"},
    "gql.kind.number": {"zh": "一个数字", "en": "a number"},
    "gql.kind.string_literal": {"zh": "一个字符串", "en": "a string"},
    "gql.kind.name": {"zh": "名称", "en": "a name"},
    "gql.kind.end": {"zh": "文档结尾", "en": "the end of the document"},
    "gql.kind.token": {"zh": "其他内容", "en": "something else"},
    # parsing (GRAPHQL_PARSE_FAILED)
    "gql.syntax": {
        "zh": "查询文档有语法错误{where}",
        "en": "The document does not parse{where}",
    },
    "gql.syntax.expected": {
        "zh": "查询文档有语法错误{where}：此处应为{expected}，实际是{found}",
        "en": "The document does not parse{where}: expected {expected}, found {found}",
    },
    "gql.syntax.unexpected": {
        "zh": "查询文档有语法错误{where}：此处不应出现{found}",
        "en": "The document does not parse{where}: {found} is not expected here",
    },
    "gql.syntax.unterminated": {
        "zh": "查询文档有语法错误{where}：字符串缺少结尾的双引号",
        "en": "The document does not parse{where}: a string has no closing double quote",
    },
    "gql.syntax.number": {
        "zh": "查询文档有语法错误{where}：数字的写法不对",
        "en": "The document does not parse{where}: a number is not written correctly",
    },
    "gql.syntax.character": {
        "zh": "查询文档有语法错误{where}：有 GraphQL 不认识的字符",
        "en": "The document does not parse{where}: a character GraphQL does not know",
    },
    "gql.syntax.single_quote": {
        "zh": '查询文档有语法错误{where}：字符串要用双引号（"），不能用单引号',
        "en": 'The document does not parse{where}: strings take double quotes ("), not single ones',
    },
    "gql.syntax.string": {
        "zh": "查询文档有语法错误{where}：字符串中有无效的转义或控制字符",
        "en": "The document does not parse{where}: a string holds an invalid escape or control character",
    },
    "gql.syntax.empty_selection": {
        "zh": "查询文档有语法错误{where}：花括号内至少要选择一个字段",
        "en": "The document does not parse{where}: a selection set must not be empty",
    },
    "gql.syntax.too_many_tokens": {
        "zh": "查询文档过长：最多 {max} 个词法单元（token），未解析",
        "en": "The document is too long: at most {max} tokens; it was not parsed",
    },
    "gql.syntax.too_nested": {
        "zh": "查询文档嵌套过深，未解析",
        "en": "The document is nested too deeply; it was not parsed",
    },
    "gql.syntax.too_large": {
        "zh": "查询文档过长，未解析",
        "en": "The document is too long; it was not parsed",
    },
    # validation (GRAPHQL_VALIDATION_FAILED)
    "gql.invalid": {
        "zh": "查询文档不符合接口定义{where}",
        "en": "The document does not fit the schema{where}",
    },
    "gql.unknown_field": {
        "zh": "类型 {type} 没有这个字段{where}{hint}",
        "en": "Type {type} has no such field{where}{hint}",
    },
    "gql.unknown_argument": {
        "zh": "{field} 没有这个参数{where}{hint}",
        "en": "{field} has no such argument{where}{hint}",
    },
    "gql.unknown_type": {
        "zh": "接口中没有这个类型{where}{hint}",
        "en": "The schema has no such type{where}{hint}",
    },
    "gql.unknown_directive": {
        "zh": "没有这个指令{where}",
        "en": "No such directive{where}",
    },
    "gql.unknown_fragment": {
        "zh": "片段 {name} 未定义{where}",
        "en": "Fragment {name} is not defined{where}",
    },
    "gql.unused_fragment": {
        "zh": "片段 {name} 定义了但没有用到{where}",
        "en": "Fragment {name} is defined but never used{where}",
    },
    "gql.unused_variable": {
        "zh": "变量 ${name} 声明了但没有用到{where}",
        "en": "Variable ${name} is declared but never used{where}",
    },
    "gql.undefined_variable": {
        "zh": "变量 ${name} 没有在操作中声明{where}",
        "en": "Variable ${name} is not declared by the operation{where}",
    },
    "gql.variable_position": {
        "zh": "变量 ${name} 的类型 {given} 不能用在需要 {expected} 的位置{where}",
        "en": "Variable ${name} of type {given} cannot be used where {expected} is expected{where}",
    },
    "gql.variable_type": {
        "zh": "变量 ${name} 的类型不能作为输入类型{where}",
        "en": "Variable ${name} is not of an input type{where}",
    },
    "gql.variable_missing": {
        "zh": "缺少变量 ${name}（{type}，必填，不能为 null）{where}",
        "en": "Variable ${name} ({type}) is required and may not be null{where}",
    },
    "gql.variable_value": {
        "zh": "变量 ${name}{at} 的值不符合要求：{reason}",
        "en": "Variable ${name} has an invalid value{at}: {reason}",
    },
    "gql.literal": {
        "zh": "参数值不符合要求{where}：{reason}",
        "en": "An argument value is invalid{where}: {reason}",
    },
    "gql.needs_selection": {
        "zh": "字段 {field}（{type}）需要选择子字段，例如 {field} {{ … }}{where}",
        "en": "Field {field} ({type}) needs a selection of subfields, e.g. {field} {{ … }}{where}",
    },
    "gql.no_selection": {
        "zh": "字段 {field}（{type}）没有子字段，不能加花括号{where}",
        "en": "Field {field} ({type}) has no subfields: no braces after it{where}",
    },
    "gql.required_argument": {
        "zh": "缺少必填参数 {argument}（{type}）{where}",
        "en": "The required argument {argument} ({type}) is missing{where}",
    },
    "gql.field_conflict": {
        "zh": "返回字段 {name} 冲突：同一名称查询了不同的内容，请用不同的别名{where}",
        "en": "Fields named {name} conflict: they ask for different things; use different aliases{where}",
    },
    "gql.duplicate": {
        "zh": "同一位置出现了重复的名称（参数、变量、片段、操作或输入字段）{where}",
        "en": "A name is repeated where it must be unique (argument, variable, fragment, operation or input field){where}",
    },
    "gql.anonymous": {
        "zh": "无名操作只能是文档中唯一的操作{where}",
        "en": "An operation without a name must be the only one in the document{where}",
    },
    "gql.too_deep": {
        "zh": "查询嵌套过深：最多 {max} 层",
        "en": "The query nests too deep: at most {max} levels",
    },
    "gql.too_many_aliases": {
        "zh": "别名过多：最多 {max} 个",
        "en": "Too many aliases: at most {max}",
    },
    "gql.introspection_off": {
        "zh": "此服务器已关闭内省查询（__schema、__type）{where}",
        "en": "Introspection (__schema, __type) is turned off on this server{where}",
    },
    "gql.fragment_cycle": {
        "zh": "片段不能直接或间接地引用自身{where}",
        "en": "A fragment must not spread itself, directly or through others{where}",
    },
    "gql.fragment_type": {
        "zh": "片段的类型与此处不符{where}",
        "en": "The fragment's type does not fit here{where}",
    },
    "gql.directive_place": {
        "zh": "此指令不能用在这里{where}",
        "en": "This directive may not be used here{where}",
    },
    "gql.not_executable": {
        "zh": "文档中只能有查询、变更和片段{where}",
        "en": "A document may hold only operations and fragments{where}",
    },
    # what is wrong with a value (literal or variable), never the value
    "gql.value.invalid": {"zh": "值无效", "en": "the value is invalid"},
    "gql.value.kind": {"zh": "应为{expected}", "en": "expected {expected}"},
    "gql.value.int_range": {
        "zh": "整数超出范围（-2147483648 到 2147483647）；号码请用带引号的字符串",
        "en": "the whole number is out of range (-2147483648 to 2147483647); send numbers such as IDs as quoted strings",
    },
    "gql.value.enum": {"zh": "不是 {type} 的取值{hint}", "en": "not a value of {type}{hint}"},
    "gql.value.unknown_field": {
        "zh": "输入类型 {type} 没有这个字段{hint}",
        "en": "input type {type} has no such field{hint}",
    },
    "gql.value.required_field": {
        "zh": "输入类型 {type} 缺少必填字段 {field}",
        "en": "input type {type} needs the field {field}",
    },
    "gql.value.object": {
        "zh": "应为 {type} 对象（{{ … }}）",
        "en": "expected a {type} object ({{ … }})",
    },
    "gql.value.null": {
        "zh": "{type} 必填，不能为 null",
        "en": "{type} is required and may not be null",
    },
    "gql.value.type": {"zh": "不是有效的 {type}", "en": "not a valid {type}"},
    "gql.value.runtime": {
        "zh": "此处使用的变量没有提供值",
        "en": "a variable used here has no value",
    },
}
