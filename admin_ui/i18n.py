"""The admin UI's own words, Simplified Chinese first, English on choice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from admin_ui.audit_words import SYSTEM_ACTORS, word

UI: dict[str, tuple[str, str]] = {
    "app.title": ("红帆 · 计生协数据管理", "Hongfan · association records"),
    "nav.dashboard": ("工作台", "Dashboard"),
    "nav.users": ("用户与令牌", "Users and tokens"),
    "nav.audit": ("审计日志", "Audit log"),
    "nav.sensitive_reads": ("敏感信息查看记录", "Sensitive-field reads"),
    "nav.logout": ("退出登录", "Sign out"),
    "nav.language": ("English", "中文"),
    "login.title": ("登录", "Sign in"),
    "login.email": ("邮箱", "Email"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Sign in"),
    "login.cross_site": (
        "登录请求来自其他网站，已拒绝。请直接打开本系统的登录页登录",
        "This sign-in came from another website and was refused; open this system's sign-in page and sign in there",
    ),
    "login.expired": ("登录已过期，请重新登录", "Your session has ended; please sign in again"),
    "list.search": ("搜索", "Search"),
    "list.search_placeholder": ("输入关键字，如姓名、名称的一部分", "Type part of a name…"),
    "list.filter": ("筛选", "Filter"),
    "list.reset": ("清除条件", "Clear"),
    "list.new": ("新建", "New"),
    "list.import": ("导入", "Import"),
    "list.export_csv": ("导出 CSV", "Export CSV"),
    "list.export_xlsx": ("导出 Excel", "Export Excel"),
    "list.total": ("共 {n} 条", "{n} records"),
    # An export is the caller's own part (hongfan.transfer.reach): said where it is started.
    "export.scope_note": (
        "导出本单位及下级的 {n} 条（其他单位公开的 {m} 条不在导出范围）",
        "Exports the {n} records of your organisation and those below it"
        " (the {m} published by other organisations are not included)",
    ),
    "export.scope_note_more": (
        "导出本单位及下级的 {n} 条（其他单位公开的记录不在导出范围）",
        "Exports the {n} records of your organisation and those below it"
        " (records published by other organisations are not included)",
    ),
    "export.scope_note_many": (
        "导出本单位及下级的超过 {n} 条（其他单位公开的记录不在导出范围）",
        "Exports more than {n} records of your organisation and those below it"
        " (records published by other organisations are not included)",
    ),
    "export.nothing_own": (
        "没有可导出的记录：本单位及下级没有符合条件的{label}。列表中的记录都是其他单位公开的，"
        "不在导出范围（导出的是本单位可以修改、再导入的记录）。",
        "Nothing to export: your organisation and those below it have no matching {label}"
        " records. Those listed are published by other organisations and are not exported"
        " (an export holds the records you may edit and import back).",
    ),
    "list.total_capped": ("超过 {n} 条", "more than {n} records"),
    "list.count_exact": ("精确计数", "count exactly"),
    "list.count_stopped": (
        "精确计数超过 {s} 秒，已停止；可缩小筛选范围后再试",
        "counting took over {s} s and was stopped; narrow the filters and try again",
    ),
    "list.empty": ("没有符合条件的记录", "No records match"),
    "list.next": ("下一页", "Next page"),
    "list.first": ("第一页", "First page"),
    "list.previous": ("上一页", "Previous page"),
    "list.position_lost": (
        "翻页位置无效或已过期，已回到第一页",
        "That page position is invalid or has expired; back to the first page",
    ),
    "list.deleted_only": ("仅显示已删除", "Deleted only"),
    "list.any": ("全部", "Any"),
    "list.organisation": ("所属组织（含下级）", "Organisation (with sub-units)"),
    "list.from": ("起", "from"),
    "list.to": ("止", "to"),
    "list.view": ("查看", "View"),
    "detail.edit": ("编辑", "Edit"),
    "detail.delete": ("删除", "Delete"),
    "detail.restore": ("恢复", "Restore"),
    "detail.history": ("修改历史", "History"),
    "detail.related": ("相关记录", "Related records"),
    "detail.view_all": ("查看全部 {n} 条", "See all {n}"),
    "detail.none": ("无", "None"),
    "detail.deleted_banner": (
        "此记录已删除（{at}）。可以恢复。",
        "This record was deleted ({at}). You can restore it.",
    ),
    "detail.confirm_delete": (
        "确定删除这条记录吗？删除后可在“已删除”中恢复。",
        "Delete this record? You can restore it from the deleted list.",
    ),
    "form.save": ("保存", "Save"),
    "form.cancel": ("取消", "Cancel"),
    "form.new_title": ("新建{label}", "New {label}"),
    "form.edit_title": ("编辑{label}", "Edit {label}"),
    "form.required": ("必填", "required"),
    "form.errors": ("请修改标出的字段后再保存", "Please correct the marked fields"),
    "form.sensitive_hidden": ("已隐藏，留空则不修改", "Hidden; leave blank to keep"),
    "form.choose": ("请选择", "Choose…"),
    "form.stale": (
        "表单已过期，请重新打开后再改（缺少有效的版本号，未保存任何内容）",
        "This form has expired; open it again to make your change (no valid version; nothing was saved)",
    ),
    "form.gone": (
        "这条记录已被删除，或已不在你可以修改的范围内；你的修改没有保存",
        "This record has been deleted or is no longer yours to change; your change was not saved",
    ),
    "form.saved": ("已保存", "Saved"),
    "form.created": ("已创建", "Created"),
    "form.deleted": ("已删除，可在“已删除”中恢复", "Deleted; restore it from the deleted list"),
    "form.restored": ("已恢复", "Restored"),
    "conflict.title": (
        "保存冲突：有人在你编辑期间修改了这条记录",
        "Conflict: someone saved this record while you were editing",
    ),
    "conflict.explain": (
        "你的修改尚未保存。请对比下列字段，选择保留哪一方的内容。",
        "Your changes are not saved yet. Compare the fields below and choose what to keep.",
    ),
    "conflict.same": (
        "有人在你编辑期间保存了这条记录；你改的字段现在已是你要的内容，无需再保存",
        "Someone saved this record while you were editing; the fields you changed already hold what you wanted, so there was nothing to save",
    ),
    "conflict.unchanged": (
        "有人在你编辑期间保存了这条记录；你没有改动任何字段，无需保存。下面是现在保存的内容",
        "Someone saved this record while you were editing; you changed no field, so there was nothing to save. This is the record as saved now",
    ),
    "conflict.field": ("字段", "Field"),
    "conflict.theirs": ("当前已保存的内容（版本 {v}）", "Saved now (version {v})"),
    "conflict.yours": ("你的修改", "Your change"),
    "conflict.both": ("双方都改了此字段", "Both changed this field"),
    "conflict.overwrite": ("以我的修改覆盖", "Save mine over theirs"),
    "conflict.discard": ("放弃我的修改", "Discard my changes"),
    "conflict.choose": (
        "要保留你的修改，请核对下方表单后点击“以我的修改覆盖”；否则：",
        "To keep your changes, check the form below and press “Save mine over theirs”; otherwise:",
    ),
    "role.superadmin": ("超级管理员", "Superadmin"),
    "role.org_admin": ("组织管理员", "Organisation admin"),
    "role.editor": ("编辑", "Editor"),
    "role.viewer": ("查看者", "Viewer"),
    "role.partner": ("合作企业", "Partner"),
    "history.title": ("修改历史", "History"),
    "history.when": ("时间", "When"),
    "history.who": ("操作人", "Who"),
    "history.action": ("操作", "Action"),
    "history.changes": ("变更", "Changes"),
    "history.restore_version": ("恢复到此次修改之前", "Restore to before this change"),
    "history.restored": ("已恢复到较早的版本", "Restored to an earlier version"),
    "history.nothing": ("没有可恢复的变更", "Nothing to restore"),
    "action.create": ("新建", "Created"),
    "action.update": ("修改", "Updated"),
    "action.delete": ("删除", "Deleted"),
    "action.restore": ("恢复", "Restored"),
    "action.read_sensitive": ("查看敏感信息", "Read sensitive fields"),
    "error.forbidden": ("无权访问此页面", "You may not open this page"),
    "error.not_found": ("记录不存在或无权访问", "The record does not exist or you may not see it"),
    "error.csrf": (
        "表单已过期，请刷新页面后重试",
        "This form has expired; reload the page and try again",
    ),
    "nav.skip": ("跳到主要内容", "Skip to main content"),
    "nav.menu": ("菜单", "Menu"),
    "nav.main": ("主导航", "Main navigation"),
    "list.search_placeholder_id": (
        "姓名、拼音首字母，或完整身份证号/手机号",
        "Name, pinyin initials, or a full ID number or phone",
    ),
    "list.remove_filter": ("去掉条件：{label}", "Remove filter: {label}"),
    "list.pages": ("翻页", "Pages"),
    "picker.find": ("查找", "Find"),
    "picker.placeholder": ("输入名称或拼音首字母", "Type a name or pinyin initials"),
    "picker.search_in": ("查找{label}", "Search {label}"),
    "picker.tail": ("尾号 {tail}", "ending {tail}"),
    "picker.found": (
        "找到 {n} 条，已列出前 {shown} 条；请输入更多字以缩小范围",
        "{n} found, the first {shown} listed; type more to narrow",
    ),
    "picker.found_all": ("找到 {n} 条", "{n} found"),
    "picker.none": ("没有找到", "Nothing found"),
    "picker.more": ("加载更多", "Load more"),
    "picker.hint": (
        "输入姓名、拼音或首字母后按↓选择",
        "Type a name, pinyin or initials, then ↓ to choose",
    ),
    "picker.clear": ("清除", "Clear"),
    "bulk.title": ("批量操作", "Bulk actions"),
    "bulk.action": ("选择操作", "Choose an action"),
    "bulk.value": ("设为", "Set to"),
    "bulk.continue": ("下一步：确认", "Next: confirm"),
    "bulk.all_matching": ("全部符合条件的记录（{n} 条）", "All {n} matching records"),
    "bulk.all_matching_capped": (
        "全部符合条件的记录（超过 {n} 条）",
        "All matching records (more than {n})",
    ),
    "bulk.select_page": ("选择本页全部", "Select this page"),
    "bulk.select_row": ("选择：{title}", "Select: {title}"),
    "bulk.export_csv": ("导出所选（CSV）", "Export selected (CSV)"),
    "bulk.export_xlsx": ("导出所选（Excel）", "Export selected (Excel)"),
    "bulk.set": ("设置“{field}”", "Set “{field}”"),
    "bulk.delete": ("删除所选", "Delete selected"),
    "bulk.restore": ("恢复所选", "Restore selected"),
    "bulk.choose_action": ("请选择要执行的批量操作", "Choose a bulk action"),
    "bulk.choose_value": ("请选择要设置的值", "Choose the value to set"),
    "bulk.none_selected": ("没有选择任何记录", "No records selected"),
    "bulk.too_many": (
        "一次最多处理 {max} 条记录，请先缩小筛选范围",
        "At most {max} records at once; narrow the filter first",
    ),
    "bulk.confirm_title": ("确认批量操作", "Confirm the bulk action"),
    "bulk.confirm_set": (
        "将把以下 {n} 条{label}的“{field}”设为“{value}”。",
        "“{field}” will be set to “{value}” on these {n} {label} records.",
    ),
    "bulk.confirm_delete": (
        "将删除以下 {n} 条{label}（可在“已删除”中恢复）。",
        "These {n} {label} records will be deleted (restorable from the deleted list).",
    ),
    "bulk.confirm_restore": (
        "将恢复以下 {n} 条{label}。",
        "These {n} {label} records will be restored.",
    ),
    "bulk.confirm_export": (
        "将导出以下 {n} 条{label}。",
        "These {n} {label} records will be exported.",
    ),
    "bulk.confirm_export_own": (
        "将导出本单位及下级的以下 {n} 条{label}（其他单位公开的 {m} 条不在导出范围）。",
        "These {n} {label} records of your organisation and those below it will be exported"
        " (the {m} published by other organisations are not included).",
    ),
    "bulk.all_or_nothing": (
        "全部成功才会保存；任何一条出错，都不会修改任何记录。",
        "Either all succeed or nothing is changed.",
    ),
    "bulk.and_more": ("……以及另外 {n} 条", "… and {n} more"),
    "bulk.do": ("确认执行", "Do it"),
    "bulk.cancel": ("返回列表", "Back to the list"),
    "bulk.failed": (
        "没有修改任何记录：以下记录有问题",
        "Nothing was changed: these records have problems",
    ),
    "bulk.done": ("已完成批量操作：{n} 条记录", "Bulk action done: {n} records"),
    "views.title": ("列与视图", "Columns and views"),
    "views.columns": ("显示的列", "Columns shown"),
    "views.apply": ("应用", "Apply"),
    "views.name": ("视图名称", "View name"),
    "views.as_default": ("设为此列表的默认视图", "Make it this list's default"),
    "views.save": ("保存当前视图", "Save this view"),
    "views.default": ("默认", "default"),
    "views.make_default": ("设为默认", "Make default"),
    "views.delete": ("删除", "Delete"),
    "views.name_required": ("请填写视图名称", "Give the view a name"),
    "views.too_many": ("每个列表最多保存 {n} 个视图", "At most {n} views per list"),
    "view_saved": ("视图已保存", "View saved"),
    "view_deleted": ("视图已删除", "View deleted"),
    "detail.add_related": ("新增{label}", "Add {label}"),
    "history.edits": ("修改记录", "Edits"),
    "history.reads": ("敏感信息查看", "Sensitive reads"),
    "history.empty": ("暂无记录", "Nothing yet"),
    "history.older": ("更早的记录", "Older entries"),
    "history.newest": ("最新的记录", "Newest entries"),
    "history.fields_read": ("查看了：{fields}", "Read: {fields}"),
    "history.bulk": ("（批量操作）", "(bulk action)"),
    "history.records": ("{n} 条记录", "{n} records"),
    "history.record": ("{n} 条记录", "{n} record"),
    "history.searched_by": ("查找依据：{fields}", "Searched by: {fields}"),
    "action.lookup_sensitive": ("按敏感信息查找", "Searched by personal data"),
    "action.bulk_update": ("批量修改", "Bulk update"),
    "action.bulk_delete": ("批量删除", "Bulk delete"),
    "action.bulk_restore": ("批量恢复", "Bulk restore"),
    "action.export": ("导出", "Exported"),
    "audit.export_summary": (
        "{n} 条（{fmt}），条件：{filter}",
        "{n} records ({fmt}), filter: {filter}",
    ),
    "audit.export_summary_one": (
        "{n} 条（{fmt}），条件：{filter}",
        "{n} record ({fmt}), filter: {filter}",
    ),
    "audit.export_search": ("搜索“{q}”", "search “{q}”"),
    "audit.export_selected": ("所选的 {n} 条记录（{fmt}）", "the {n} selected records ({fmt})"),
    "audit.export_selected_one": ("所选的 {n} 条记录（{fmt}）", "the {n} selected record ({fmt})"),
    # An export holds the caller's own part, never other units' published rows (OWN_PART).
    "audit.export_everything": (
        "本单位范围内的全部记录",
        "all records of its own organisations",
    ),
    "audit.export_clear": ("明文字段：{fields}", "fields in clear: {fields}"),
    "audit.token_for": ("{title}（{account}）", "{title} ({account})"),
    "audit.set_to": ("设为", "set to"),
    "audit.export_own": ("本单位范围内", "its own organisations only"),
    "action.export_person": ("导出个人数据", "Exported a person's data"),
    "action.anonymise": ("匿名化", "Anonymised"),
    "action.probe_unique": ("唯一性核对", "Checked a value is unique"),
    "action.set_password": ("设置密码", "Set a password"),
    "action.token_issue": ("签发令牌", "Issued a token"),
    "action.token_revoke": ("吊销令牌", "Revoked a token"),
    "masked": ("已隐藏", "Hidden"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
}


def t(key: str, lang: str = "zh", **params: object) -> str:
    zh, en = UI.get(key, (key, key))
    text = en if lang == "en" else zh
    return text.format(**params) if params else text


LOCAL_TIME = ZoneInfo("Asia/Shanghai")


def format_actor(actor: str | None, lang: str = "zh") -> str:
    """ "user:3:li@example.org" → "li@example.org"; "system:cli" → "系统（命令行）"."""
    if not actor:
        return ""
    kind, _, rest = actor.partition(":")
    if kind == "user":
        return rest.partition(":")[2] or rest
    if kind == "system":
        if not rest:
            return "System" if lang == "en" else "系统"
        name = word(SYSTEM_ACTORS, rest, lang)
        return f"System ({name})" if lang == "en" else f"系统（{name}）"
    return actor


def format_value(value: object, lang: str = "zh") -> str:
    """Dates, timestamps and money the way people in the association write them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y年%-m月%-d日") if lang == "zh" else value.isoformat()
    if isinstance(value, Decimal):
        return f"¥{value:,.2f}"
    return str(value)
