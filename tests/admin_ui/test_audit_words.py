"""The audit log reads as sentences in the viewer's language, never as stored codes.

Given exports from the command line and of records selected in a list, and an API token
issued, when an admin opens the audit log (Chinese by default, English on choice), then
each entry says what happened in words — 系统（命令行）, 来源：命令行；未遮盖：否,
所选的 2 条记录（CSV）, API 令牌 #… — and no stored key or value (via, cli, unmasked,
False, ApiToken) shows. And every such code the code writes has words in both languages.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import sqlalchemy as sa

from admin_ui.audit_words import ACCOUNT_TYPES, NOTE_KEYS, NOTE_VALUES, SYSTEM_ACTORS
from hongfan import accounts
from hongfan.cli import build_parser
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import Organisation
from models.accounts import User
from models.base import ENTITIES
from tests.admin_ui.conftest import AdminClient, text_of

ROOT = Path(__file__).resolve().parents[2]
STORED = ("via", "cli", "unmasked", "False", "True", "ApiToken")


def _entries(page: str) -> list[str]:
    """The audit table's rows, as text."""
    return [text_of(row) for row in re.findall(r"<tr><td.*?</tr>", page, flags=re.S)]


def _one(entries: list[str], *words: str) -> str:
    """The newest entry that says all of ``words``."""
    found = [e for e in entries if all(w in e for w in words)]
    assert found, (words, entries[:5])
    return found[0]


async def test_given_cli_and_selected_exports_and_a_token_when_the_audit_log_is_read_then_all_is_words(
    client: AdminClient, demo: Database, tmp_path: Path
) -> None:
    """Given an organisation export from the command line, an export of two organisations
    ticked in the admin list, and an API token issued; when the superadmin reads the audit
    log, in Chinese and then in English; then the entries say who, how and what in words."""
    parser = build_parser("zh")
    args = parser.parse_args(["export", "organisations", "--output", str(tmp_path / "o.csv")])
    args.lang = "zh"
    assert await asyncio.to_thread(args.handler, demo.settings, args) == 0
    await client.login("admin@demo.hongfan")
    async with demo.session(SYSTEM) as session:
        ids = (await session.execute(sa.select(Organisation.id).limit(2))).scalars().all()  # type: ignore[call-overload]
    ticked = await client.post(
        "/admin/organisations/bulk",
        {"action": "export_csv", "ids": ",".join(map(str, ids)), "confirm": "1"},
    )
    assert ticked.status_code == 200
    async with demo.transaction(SYSTEM) as session:
        user = (
            await session.execute(sa.select(User).where(User.email == "huli.editor@demo.hongfan"))  # type: ignore[arg-type]
        ).scalar_one()
        token, _ = await accounts.issue_token(session, SYSTEM, int(user.id or 0), name="报表")

    chinese = _entries((await client.get("/admin/audit")).text)
    cli = _one(chinese, "导出", "系统（命令行）")
    assert "本单位范围内的全部记录；来源：命令行；未遮盖：否" in cli, cli
    selected = _one(chinese, "导出", "所选")
    assert "所选的 2 条记录（CSV）" in selected and "条件" not in selected, selected
    issued = _one(chinese, "签发令牌")
    assert f"API 令牌 #{token.id}" in issued, issued
    for entry in (cli, selected, issued):
        assert not [word for word in STORED if word in entry], entry

    english = _entries((await client.get("/admin/audit?lang=en")).text)
    cli_en = _one(english, "System (command line)", "Exported")
    assert "all records of its own organisations; source: command line; unmasked: No" in cli_en, (
        cli_en
    )
    assert any("the 2 selected records (CSV)" in e for e in english)
    assert any(f"API token #{token.id}" in e for e in english)


def test_every_audit_code_the_code_writes_has_words_in_both_languages() -> None:
    """Given every account entity, system actor and export-note key the code writes into
    the audit log; then each has Chinese and English words (a new one without fails here)."""
    entities: set[str] = set()
    actors: set[str] = set()
    keys: set[str] = set()
    for package in ("hongfan", "admin_ui", "graph"):
        for source in (ROOT / package).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            entities |= set(re.findall(r'_audit\(\s*session,\s*\w+,\s*"[a-z_]+",\s*"(\w+)"', text))
            actors |= set(re.findall(r'system\("(\w+)"\)', text))
            actors |= set(re.findall(r'^ACTOR = "(\w+)"', text, flags=re.M))
            for note in re.findall(r"note = \{([^}]*)\}", text):
                keys |= set(re.findall(r'"(\w+)":', note))
                for key, value in re.findall(r'"(\w+)": "(\w+)"', note):
                    assert value in NOTE_VALUES.get(key, {}), (key, value)
    assert {"User", "ApiToken"} <= entities and {"cli", "jobs", "demo"} <= actors
    assert "via" in keys
    assert entities - set(ENTITIES) <= set(ACCOUNT_TYPES)
    assert actors <= set(SYSTEM_ACTORS)
    assert keys <= set(NOTE_KEYS)
    for table in (ACCOUNT_TYPES, SYSTEM_ACTORS, NOTE_KEYS, *NOTE_VALUES.values()):
        for zh, en in table.values():
            assert re.search(r"[\u4e00-\u9fff]", zh) and re.fullmatch(r"[A-Za-z -]+", en)
