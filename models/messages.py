"""Catalogue of user-facing error messages.

Every error code produced by validation or the data layer maps to a
Simplified Chinese text (the default) and an English alternative. Texts use
:meth:`str.format` placeholders such as ``{max}``.
"""

from __future__ import annotations

from typing import Literal

from models.messages_api import API_MESSAGES
from models.messages_cli import CLI_MESSAGES
from models.messages_integrity import INTEGRITY_MESSAGES
from models.messages_limits import LIMIT_MESSAGES
from models.messages_privacy import PRIVACY_MESSAGES

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
    "aggregate.invalid": {
        "zh": "无法按此统计：{detail}（仅可按选项、年度或所属组织分组，对数值字段求和/最小/最大，且不含个人敏感信息）",
        "en": "Cannot aggregate this way: {detail} (group by a choice, a year or the organisation; sum/min/max numeric fields; never personal data)",
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
    # Accounts, sign-in and tokens
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
    "token.expires_days": {
        "zh": "有效天数应为正整数",
        "en": "The number of days must be a positive whole number",
    },
    "csrf.missing": {
        "zh": "表单已过期，请刷新页面后重试",
        "en": "This form has expired; reload the page and try again",
    },
    # Spreadsheet import and export
    "import.too_large": {
        "zh": "文件过大，不能超过{max_mb} MB，请拆分后再导入",
        "en": "The file is too large; the limit is {max_mb} MB, so split it and import the parts",
    },
    "import.too_many_rows": {
        "zh": "数据行过多，一次最多导入{max}行，请拆分后再导入",
        "en": "Too many rows; at most {max} rows can be imported at once, so split the file",
    },
    "import.unreadable": {
        "zh": "无法读取文件，请确认它是有效的 CSV 或 Excel（.xlsx）文件",
        "en": "The file cannot be read; make sure it is a valid CSV or Excel (.xlsx) file",
    },
    "import.empty": {
        "zh": "文件中没有数据：需要一行表头和至少一行数据",
        "en": "The file has no data: it needs a header row and at least one data row",
    },
    "import.format": {
        "zh": "不支持此文件格式，请在 Excel 中另存为“Excel 工作簿（.xlsx）”或“CSV”后再导入",
        "en": "This file format is not supported; save it from Excel as an Excel workbook (.xlsx) or CSV",
    },
    "import.unknown_type": {
        "zh": "不支持导入或导出此类记录：{name}",
        "en": "Records of this kind cannot be imported or exported: {name}",
    },
    "import.no_columns": {
        "zh": "表头中没有可识别的列，请使用导入模板中的列名",
        "en": "None of the column headers is recognised; use the headers of the import template",
    },
    "import.duplicate_column": {
        "zh": "列“{column}”与列“{other}”对应同一字段，请删除其中一列",
        "en": "The columns “{column}” and “{other}” are the same field; remove one of them",
    },
    "import.missing_column": {
        "zh": "缺少必需的列：{column}",
        "en": "A required column is missing: {column}",
    },
    "import.reference": {
        "zh": "找不到“{value}”对应的{target}，或无权访问{nearest}",
        "en": "No {target} “{value}” was found, or you may not see it{nearest}",
    },
    "import.ambiguous_reference": {
        "zh": "“{value}”对应多条{target}记录，请写得更具体（如组织的完整路径、企业的统一社会信用代码、学生的身份证号，或在名称后用括号注明所属组织）",
        "en": "“{value}” matches several records ({target}); be more specific (an organisation's full path, "
        "a company's credit code, a student's ID number, or the organisation in brackets after the name)",
    },
    "import.duplicate_row": {
        "zh": "与第{row}行是同一条记录，请合并为一行",
        "en": "This is the same record as row {row}; merge the two rows",
    },
    "import.ambiguous_key": {
        "zh": "此行匹配到多条已有记录，无法确定要更新哪一条",
        "en": "This row matches several existing records, so it is unclear which one to update",
    },
    "import.database": {
        "zh": "此行无法保存：与数据库中已有的数据冲突",
        "en": "This row cannot be saved: it conflicts with data already in the database",
    },
    "import.too_many_columns": {
        "zh": "列数过多，一行最多{max}列，请删除多余的列后再导入",
        "en": "Too many columns; a row may have at most {max}, so remove the extra columns",
    },
    "import.xlsx_too_big": {
        "zh": "Excel 文件解压后过大（单个部分超过{max_mb} MB），请拆分后再导入",
        "en": "The Excel file unpacks too large (a part over {max_mb} MB); split it and import the parts",
    },
    "import.xlsx_bomb": {
        "zh": "Excel 文件的压缩结构异常（可能是“压缩炸弹”），已拒绝读取",
        "en": "The Excel file is compressed abnormally (possibly a zip bomb) and was not read",
    },
    "import.hostile_xml": {
        "zh": "Excel 文件中含有不允许的 XML 声明（DTD 或实体），已拒绝读取",
        "en": "The Excel file contains XML declarations that are not allowed (a DTD or entities) and was not read",
    },
    "import.excel_number": {
        "zh": "“{value}”是 Excel 按数字保存的结果，末尾几位已经丢失：请把此列设置为“文本”格式，再重新输入完整号码",
        "en": "“{value}” is how Excel stores a number, and its last digits are lost: format the column as Text and type the full number again",
    },
    "import.level_order": {
        "zh": "层级应低于上级组织“{parent}”的层级（如社区/村在街道/镇之下）",
        "en": "The level must be below that of the parent “{parent}” (e.g. a community under a street or town)",
    },
    "import.near_name": {
        "zh": "新建的“{name}”与已有的“{other}”非常接近，请确认不是同一处（如是，请改用已有名称）",
        "en": "The new “{name}” is very close to the existing “{other}”: make sure it is not the same place (if it is, use the existing name)",
    },
    "import.renamed": {
        "zh": "将由“{old}”改为“{new}”",
        "en": "Will change from “{old}” to “{new}”",
    },
    "import.changed_meanwhile": {
        "zh": "检查之后数据已被他人修改，未写入任何数据，请重新导入",
        "en": "The data was changed by someone else after the check; nothing was written, so import again",
    },
    "import.job_failed": {
        "zh": "导入未能完成，未写入任何数据，请稍后重试",
        "en": "The import could not finish; nothing was written, so try again later",
    },
    "job.interrupted": {
        "zh": "服务器重启，任务已中止，未写入任何数据，请重新提交",
        "en": "The server restarted and the job was stopped; nothing was written, so start it again",
    },
    "export.sensitive_choice": {
        "zh": "{type}含敏感字段（{fields}）：请用 --as 邮箱 按该账号的权限导出（按其权限脱敏），或用 --unmasked 明文导出（记入审计日志）",
        "en": "{type} has sensitive fields ({fields}): export as an account with --as EMAIL (masked as it sees them), or in clear with --unmasked (audited)",
    },
    "import.user_not_found": {
        "zh": "找不到账号：{email}",
        "en": "No account with this e-mail address: {email}",
    },
    "import.accounts_unavailable": {
        "zh": "此版本不支持以指定账号运行（--as）",
        "en": "Running as an account (--as) is not available in this version",
    },
}


# The command line's and start-up's texts: the same catalogue, kept in their own module.
MESSAGES.update(CLI_MESSAGES)
# Requests, filters and values refused at the edge (#9).
MESSAGES.update(LIMIT_MESSAGES)
MESSAGES.update(INTEGRITY_MESSAGES)
# The GraphQL-over-HTTP layer's texts (#14): requests, persisted operations.
MESSAGES.update(API_MESSAGES)
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
    try:
        return template.format_map(_KeepMissing(params))
    except (ValueError, IndexError, AttributeError, TypeError):
        # e.g. a format spec that does not fit the value given; an
        # unformatted message is better than a failed request.
        return template


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
