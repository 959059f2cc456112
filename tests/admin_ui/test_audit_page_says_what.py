"""The audit log says what happened, not only that something did.

Each entry's stored row holds what changed — an account's new role, the personal data an
export held in clear, a token's account, the values a bulk update set, an organisation's
new parent — and the outside tester found the page showing none of it (修改 用户账号 #3,
43 条（CSV）, 签发令牌 API 令牌 #2, 批量修改 见习 2 条记录, 路径：/1/4/28/ → /1/28/,
"1 records"). Personal data stays masked as everywhere else.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from hongfan import accounts, crud
from hongfan.bulk_writes import bulk
from hongfan.db import Database
from hongfan.principal import SYSTEM
from hongfan.transfer import exporting
from models import Internship, Organisation
from models.accounts import User
from models.volunteers import Volunteer
from tests.admin_ui.conftest import AdminClient, text_of


def _entries(page: str) -> list[str]:
    """The audit table's rows, as text."""
    rows = re.findall(r"<tr><td.*?</tr>", page, flags=re.S)
    return [re.sub(r" ?([：:]) ?", r"\1 ", text_of(row)) for row in rows]


def _one(entries: list[str], *words: str) -> str:
    """The newest entry that says all of ``words``."""
    found = [e for e in entries if all(w in e for w in words)]
    assert found, (words, entries[:5])
    return found[0]


async def _user(demo: Database, email: str) -> User:
    async with demo.session(SYSTEM) as session:
        return (
            await session.execute(sa.select(User).where(User.email == email))  # type: ignore[arg-type]
        ).scalar_one()


async def test_given_an_editor_promoted_and_an_account_created_when_the_log_is_read_then_it_says_what_changed(
    client: AdminClient, demo: Database
) -> None:
    """Given huli.editor promoted to org admin and a new account created; when the
    superadmin reads the audit log, in Chinese and in English; then the promotion reads
    角色：编辑 → 组织管理员 (Role: Editor → Org admin) and the creation names the new
    account's email, role and organisation; no password hash ever shows."""
    editor = await _user(demo, "huli.editor@demo.hongfan")
    async with demo.transaction(SYSTEM) as session:
        await accounts.update_user(
            session, SYSTEM, int(editor.id or 0), editor.version, role="org_admin"
        )
        created, _ = await accounts.create_user(
            session,
            SYSTEM,
            "new.viewer@demo.hongfan",
            "viewer",
            organisation_id=editor.organisation_id,
            password="a-long-enough-password-1",
        )
        hashed = created.password_hash
    await client.login("admin@demo.hongfan")

    chinese = _entries((await client.get("/admin/audit")).text)
    promoted = _one(chinese, "修改", f"用户账号 #{editor.id}")
    assert "角色： 编辑 → 组织管理员" in promoted, promoted
    made = _one(chinese, "新建", f"用户账号 #{created.id}")
    assert "new.viewer@demo.hongfan" in made and "查看者" in made and "湖里区" in made, made
    assert hashed not in made and "password" not in made and "所属企业" not in made

    english = _entries((await client.get("/admin/audit?lang=en")).text)
    assert "Role： Editor → Organisation admin" in _one(english, f"User account #{editor.id}"), (
        english[:3]
    )


async def test_given_a_clear_export_and_a_masked_one_when_the_log_is_read_then_they_differ(
    client: AdminClient, demo: Database
) -> None:
    """Given an export that held ID numbers and phones in clear and one that held them
    masked; when the superadmin reads the audit log; then the first says 明文字段：身份证号、
    手机号 (fields in clear: ID number, Phone) and the second says nothing of the kind."""
    from models import ScholarshipStudent

    await exporting._audit(demo, SYSTEM, ScholarshipStudent, 43, {}, "csv", ["id_number", "phone"])
    await exporting._audit(demo, SYSTEM, ScholarshipStudent, 42, {}, "csv", [])
    await client.login("admin@demo.hongfan")

    chinese = _entries((await client.get("/admin/audit")).text)
    clear = _one(chinese, "导出", "43 条")
    assert "明文字段： 身份证号、手机号" in clear, clear
    assert "明文" not in _one(chinese, "导出", "42 条")
    english = _entries((await client.get("/admin/audit?lang=en")).text)
    assert "fields in clear: ID number, " in _one(english, "43 records"), english[:3]


async def test_given_a_token_issued_and_revoked_when_the_log_is_read_then_it_names_the_account(
    client: AdminClient, demo: Database
) -> None:
    """Given an API token issued for huli.editor and then revoked; when the superadmin
    reads the audit log; then both entries name the account the token is for."""
    editor = await _user(demo, "huli.editor@demo.hongfan")
    async with demo.transaction(SYSTEM) as session:
        token, _ = await accounts.issue_token(session, SYSTEM, int(editor.id or 0), name="报表")
        await accounts.revoke_token(session, SYSTEM, int(token.id or 0))
    await client.login("admin@demo.hongfan")

    chinese = _entries((await client.get("/admin/audit")).text)
    for action in ("签发令牌", "吊销令牌"):
        entry = _one(chinese, action, f"API 令牌 #{token.id}")
        assert f"API 令牌 #{token.id}（huli.editor@demo.hongfan）" in entry, entry
    assert "名称： — → 报表" in _one(chinese, "签发令牌")


async def test_given_a_bulk_update_when_the_log_is_read_then_it_says_what_was_set_and_masks_phones(
    client: AdminClient, demo: Database
) -> None:
    """Given two internships set to 已完成 and one volunteer's phone set, in bulk; when the
    superadmin reads the audit log; then the internships' entry says 状态：设为 已完成, the
    volunteer's says the phone was set without showing it, and English says "1 record"."""
    async with demo.transaction(SYSTEM) as session:
        ids = list(
            (await session.execute(sa.select(Internship.id).order_by(Internship.id).limit(2)))  # type: ignore[call-overload]
            .scalars()
            .all()
        )
        await bulk(session, Internship, "update", ids, {"status": "completed"})
        one = (await session.execute(sa.select(Volunteer.id).limit(1))).scalar_one()  # type: ignore[call-overload]
        await bulk(session, Volunteer, "update", [one], {"phone": "13912345678"})
    await client.login("admin@demo.hongfan")

    chinese = _entries((await client.get("/admin/audit")).text)
    interns = _one(chinese, "批量修改", "2 条记录")
    assert "状态： 设为 已完成" in interns, interns
    phone = _one(chinese, "批量修改", "1 条记录")
    assert "手机号码： 设为 已隐藏" in phone and "13912345678" not in phone, phone
    english = _entries((await client.get("/admin/audit?lang=en")).text)
    assert _one(english, "Bulk update", "1 record")
    assert not [e for e in english if "1 records" in e]


async def test_given_an_organisation_moved_when_the_log_is_read_then_it_names_the_parents_not_paths(
    client: AdminClient, demo: Database
) -> None:
    """Given an organisation under 湖里区 moved directly under 厦门市; when the superadmin
    reads the audit log; then the entry reads 上级：…湖里区 → …厦门市 and no internal
    path (/1/4/28/) shows."""
    async with demo.transaction(SYSTEM) as session:
        huli = (
            await session.execute(sa.select(Organisation).where(Organisation.name == "湖里区"))  # type: ignore[arg-type]
        ).scalar_one()
        child = (
            await session.execute(
                sa.select(Organisation).where(Organisation.parent_id == huli.id).limit(1)  # type: ignore[arg-type]
            )
        ).scalar_one()
        city = int(huli.parent_id or 0)
        old_path = child.path
        await crud.update(session, Organisation, int(child.id or 0), None, {"parent_id": city})
    await client.login("admin@demo.hongfan")

    entry = _one(_entries((await client.get("/admin/audit")).text), "修改", child.name)
    assert "上级" in entry and "湖里区 →" in entry, entry
    assert old_path not in entry and "路径" not in entry, entry
