"""Catalogue of user-facing error messages.

Every error code produced by validation or the data layer maps to a
Simplified Chinese text (the default) and an English alternative. Texts use
:meth:`str.format` placeholders such as ``{max}``.
"""

from __future__ import annotations

import re
from typing import Literal

from models.messages_accounts import ACCOUNT_MESSAGES
from models.messages_api import API_MESSAGES
from models.messages_cli import CLI_MESSAGES
from models.messages_graphql import GRAPHQL_MESSAGES
from models.messages_integrity import INTEGRITY_MESSAGES
from models.messages_limits import LIMIT_MESSAGES
from models.messages_privacy import PRIVACY_MESSAGES
from models.messages_transfer import TRANSFER_MESSAGES

Language = Literal["zh", "en"]
DEFAULT_LANGUAGE: Language = "zh"
LANGUAGES: tuple[Language, ...] = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # Generic field validation
    "required": {
        "zh": "此项为必填项",
        "en": "This field is required",
    },
    "too_long": {
        "zh": "长度不能超过{max}个字符",
        "en": "Must be at most {max} characters long",
    },
    "too_short": {
        "zh": "长度不能少于{min}个字符",
        "en": "Must be at least {min} characters long",
    },
    "min_value": {
        "zh": "不能小于{min}",
        "en": "Must be at least {min}",
    },
    "max_value": {
        "zh": "不能大于{max}",
        "en": "Must be at most {max}",
    },
    "integer": {
        "zh": "请输入整数",
        "en": "Must be a whole number",
    },
    "decimal": {
        "zh": "请输入有效的数字",
        "en": "Must be a valid number",
    },
    "date": {
        "zh": "日期格式应为 YYYY-MM-DD",
        "en": "Dates must be written as YYYY-MM-DD",
    },
    "date_range.end_before_start": {
        "zh": "结束日期不能早于开始日期",
        "en": "The end date cannot be earlier than the start date",
    },
    "year.range": {
        "zh": "年份应在{min}至{max}之间",
        "en": "The year must be between {min} and {max}",
    },
    "money.format": {
        "zh": "金额应为不小于0且最多保留两位小数的数字",
        "en": "The amount must be a non-negative number with at most 2 decimal places",
    },
    "money.negative": {
        "zh": "金额不能为负数",
        "en": "The amount cannot be negative",
    },
    "money.too_large": {
        "zh": "金额过大：最多为 9999999999.99 元",
        "en": "The amount is too large: at most 9999999999.99 yuan",
    },
    "money.decimals": {
        "zh": "金额最多保留两位小数（精确到分）",
        "en": "The amount has at most 2 decimal places (exact to the fen)",
    },
    "aggregate.invalid": {
        "zh": "无法按此统计：{detail}（仅可按选项、年度或所属组织分组，对数值字段求和/最小/最大，且不含个人敏感信息）",
        "en": "Cannot aggregate this way: {detail} (group by a choice, a year or the organisation; sum/min/max numeric fields; never personal data)",
    },
    "aggregate.group": {
        "zh": "无法按此字段分组。可用的分组字段：{keys}",
        "en": "Cannot group by this field. The fields you can group by: {keys}",
    },
    "invalid_choice": {
        "zh": "无效的选项，可选值为：{choices}",
        "en": "Invalid choice; allowed values are: {choices}",
    },
    # Chinese identifiers
    "id_number.length": {
        "zh": "身份证号应为18位",
        "en": "A resident ID number must be 18 characters long",
    },
    "id_number.format": {
        "zh": "身份证号格式不正确：前17位应为数字，最后一位应为数字或X",
        "en": "Invalid resident ID number: the first 17 characters must be digits "
        "and the last a digit or X",
    },
    "id_number.birth_date": {
        "zh": "身份证号中的出生日期无效",
        "en": "The birth date in the resident ID number is not valid",
    },
    "id_number.check_digit": {
        "zh": "身份证号校验位不正确，请核对后重新输入",
        "en": "The resident ID number's check digit is wrong; please check the number",
    },
    "phone.format": {
        "zh": "手机号码格式不正确，应为11位中国大陆手机号",
        "en": "Must be an 11-digit mainland China mobile number",
    },
    "credit_code.length": {
        "zh": "统一社会信用代码应为18位",
        "en": "A unified social credit code must be 18 characters long",
    },
    "credit_code.format": {
        "zh": "统一社会信用代码只能包含数字和大写字母（不含I、O、Z、S、V）",
        "en": "A unified social credit code may only contain digits and capital letters "
        "(except I, O, Z, S and V)",
    },
    "credit_code.check_digit": {
        "zh": "统一社会信用代码校验位不正确，请核对后重新输入",
        "en": "The unified social credit code's check character is wrong; please check the code",
    },
    # Records and permissions
    "unique": {
        "zh": "已存在相同值的记录",
        "en": "Another record already has this value",
    },
    "not_found": {
        "zh": "记录不存在或无权访问",
        "en": "The record does not exist or you may not see it",
    },
    "invalid_reference": {
        "zh": "关联记录不存在或无权访问",
        "en": "The referenced record does not exist or you may not see it",
    },
    "forbidden": {
        "zh": "无权执行此操作",
        "en": "You are not allowed to do this",
    },
    "read_only": {
        "zh": "该记录不在你的管辖范围内，只能查看，不能修改",
        "en": "This record is outside your part of the network: you may read it, not change it",
    },
    "conflict.version": {
        "zh": "该记录已被他人修改（当前版本 {current}，你提交的版本 {given}），请刷新后重试",
        "en": "Someone else has changed this record (current version {current}, "
        "you submitted version {given}); please reload and try again",
    },
    "deleted": {
        "zh": "记录已删除",
        "en": "The record has been deleted",
    },
    "not_deleted": {
        "zh": "记录未被删除，无需恢复",
        "en": "The record is not deleted, so there is nothing to restore",
    },
    "year.graduation_before_enrolment": {
        "zh": "毕业年份不能早于入学年份",
        "en": "The graduation year cannot be earlier than the enrolment year",
    },
    "id_number.gender_mismatch": {
        "zh": "性别与身份证号不一致（身份证号第17位奇数为男、偶数为女）",
        "en": "The gender does not match the ID number (17th digit odd = male, even = female)",
    },
    "has_children": {
        "zh": "该组织下仍有下级组织，请先删除或移走下级组织",
        "en": "This organisation still has sub-organisations; delete or move them first",
    },
    "root_forbidden": {
        "zh": "只有超级管理员可以创建顶级组织",
        "en": "Only a superadmin may create a top-level organisation",
    },
    "not_writable": {
        "zh": "此字段不能修改",
        "en": "This field cannot be changed",
    },
    "page_size": {
        "zh": "每页条数应在0至{max}之间",
        "en": "The page size must be between 0 and {max}",
    },
    "cursor": {
        "zh": "分页游标无效，请从第一页重新开始",
        "en": "The page cursor is not valid; start again from the first page",
    },
    "filter.forbidden_field": {
        "zh": "无权按此字段筛选或排序",
        "en": "You may not filter or sort by this field",
    },
    "relation.forbidden": {
        "zh": "无权查看此关联",
        "en": "You may not see this relation",
    },
    "global_id": {
        "zh": "编号格式不正确",
        "en": "The ID is not valid",
    },
    "cycle": {
        "zh": "上级组织不能是自身或其下级",
        "en": "An organisation cannot be its own parent or sit under one of its own sub-units",
    },
    "level_under_parent": {
        "zh": "层级须低于上级组织（上级“{parent}”为{level}）",
        "en": "The level must be below the parent's ({parent} is a {level})",
    },
    "level_over_children": {
        "zh": "层级须高于其下级组织（下级“{child}”为{level}）",
        "en": "The level must be above its sub-units' ({child} is a {level})",
    },
}

# Accounts, sign-in and tokens; spreadsheet import and export: each in its own module.
MESSAGES.update(ACCOUNT_MESSAGES)
MESSAGES.update(TRANSFER_MESSAGES)
# The command line's and start-up's texts: the same catalogue, kept in their own module.
MESSAGES.update(CLI_MESSAGES)
# Requests, filters and values refused at the edge (#9).
MESSAGES.update(LIMIT_MESSAGES)
MESSAGES.update(INTEGRITY_MESSAGES)
# The GraphQL-over-HTTP layer's texts (#14): requests, persisted operations.
MESSAGES.update(API_MESSAGES)
MESSAGES.update(GRAPHQL_MESSAGES)
# People, tokens and personal data (#12).
MESSAGES.update(PRIVACY_MESSAGES)


class _KeepMissing(dict[str, object]):
    """Leaves unknown placeholders visible instead of raising ``KeyError``."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message(code: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """Render the message for ``code`` in ``lang`` (falls back to Chinese).

    An unknown code is returned as-is; missing parameters stay as ``{name}``.
    """
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts.get(lang) or texts[DEFAULT_LANGUAGE]
    if lang != "en":
        template = _spaced(template, params)
    try:
        return template.format_map(_KeepMissing(params))
    except (ValueError, IndexError, AttributeError, TypeError):
        # e.g. a format spec that does not fit the value given; an
        # unformatted message is better than a failed request.
        return template


# A placeholder between a Chinese character and a value that starts or ends with a Latin
# letter ("应为{expected}" with "true 或 false"): Chinese text sets Latin words off by a
# space ("应为 true 或 false"), as the catalogue's own texts do ("类型 Organisation").
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_PLACEHOLDER = re.compile(r"\{(\w+)(?:[:!][^}]*)?\}")


def _spaced(template: str, params: dict[str, object]) -> str:
    def space(found: re.Match[str]) -> str:
        value = params.get(found.group(1))
        text = found.group(0)
        if not isinstance(value, str) or not value:
            return text
        start, end = found.span()
        before = start > 0 and _HAN.match(template[start - 1]) and _latin(value[0])
        after = _HAN.match(template[end : end + 1]) and _latin(value[-1])
        return f"{' ' if before else ''}{text}{' ' if after else ''}"

    return _PLACEHOLDER.sub(space, template)


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def _language_of(tag: str) -> Language | None:
    primary = tag.strip().lower().replace("_", "-").split("-", 1)[0]
    if primary == "zh":
        return "zh"
    if primary == "en":
        return "en"
    return None


def negotiate_language(accept_language: str | None) -> Language:
    """Choose ``"zh"`` or ``"en"`` from an HTTP ``Accept-Language`` header.

    English wins only when its best entry ranks above Chinese's best entry
    (higher q-value, or equal q-value and listed earlier); anything else,
    including a missing or unparsable header, gives ``"zh"``.
    """
    if not accept_language:
        return DEFAULT_LANGUAGE
    # rank = (q, -position): a higher tuple ranks higher
    best: dict[Language, tuple[float, int]] = {}
    for position, item in enumerate(accept_language.split(",")):
        tag, *params = item.split(";")
        language = _language_of(tag)
        if language is None:
            continue
        q = 1.0
        for param in params:
            name, _, raw = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(raw.strip())
                except ValueError:
                    q = 0.0
        if not 0.0 < q <= 1.0:
            continue  # q=0 means "not acceptable"; out-of-range values are malformed
        rank = (q, -position)
        if language not in best or rank > best[language]:
            best[language] = rank
    if "en" in best and ("zh" not in best or best["en"] > best["zh"]):
        return "en"
    return DEFAULT_LANGUAGE
