"""Every audit action is named in words on the audit page, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from admin_ui.i18n import UI, t
from models.audit import AUDIT_ACTIONS

ROOT = Path(__file__).resolve().parents[2]
# Where audit entries are written, and how their action is spelled there.
WRITTEN = re.compile(r'(?:action=|ACTION = |_audit\(\s*session,\s*\w+,\s*)"([a-z_]+)"')


def actions_written_in_the_code() -> set[str]:
    found: set[str] = set()
    for package in ("hongfan", "admin_ui", "graph", "models"):
        for source in (ROOT / package).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            if "AuditEntry(" in text or "_audit(" in text:
                found.update(WRITTEN.findall(text))
    from hongfan.bulk_writes import BULK_ACTIONS

    found.update(f"bulk_{a}" for a in BULK_ACTIONS)
    return found - {"store_true"}


def test_every_action_the_code_writes_is_a_known_audit_action() -> None:
    # Given every action an audit entry is written with anywhere in the code
    written = actions_written_in_the_code()
    # Then each is one the audit page knows (and offers as a filter)
    assert written, "no audit writes found: the scan is broken"
    assert {"create", "export", "read_sensitive", "token_issue"} <= written
    assert written - set(AUDIT_ACTIONS) == set()


def test_every_audit_action_has_a_label_in_chinese_and_english() -> None:
    for action in AUDIT_ACTIONS:
        key = f"action.{action}"
        assert key in UI, f"{action} has no label"
        zh, en = t(key, "zh"), t(key, "en")
        assert zh != key and en != key and zh != en
        assert re.search(r"[\u4e00-\u9fff]", zh), f"{action}: {zh!r} is not Chinese"
