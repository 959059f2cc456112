"""The texts of refused deletes and restores (issue #10.3), merged into
:data:`models.messages.MESSAGES`."""

from __future__ import annotations

INTEGRITY_MESSAGES: dict[str, dict[str, str]] = {
    "has_dependents": {
        "zh": "仍有记录属于它：{what}。请先删除或移走这些记录，或选择连同下级一并删除",
        "en": "Records still belong to it: {what}. Delete or move them first, or delete it with everything below it",
    },
    "has_dependents.elsewhere": {
        "zh": "其他地方仍有记录引用要删除的记录：{what}。请先修改这些记录",
        "en": "Records elsewhere still refer to what would be deleted: {what}. Change them first",
    },
    "parent_deleted": {
        "zh": "它所属的记录已被删除，请先恢复所属记录",
        "en": "The record it belongs to is deleted; restore that one first",
    },
    "dependents.count": {"zh": "{label} {count} 条", "en": "{count} × {label}"},
    "dependents.separator": {"zh": "、", "en": ", "},
}
INTEGRITY_MESSAGES["page.first_and_last"] = {
    "zh": "first 与 last 不能同时使用：向后翻页用 first/after，向前翻页用 last/before",
    "en": "Give first or last, not both: first/after pages forwards, last/before backwards",
}
