"""Accounts: grant rules, validation, passwords, API tokens and login sessions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hongfan import accounts, passwords
from hongfan.accounts import AUTH
from hongfan.db import Database
from hongfan.errors import Conflict, Forbidden, Invalid, NotFound
from hongfan.principal import SYSTEM, Principal, Role
from models import ApiToken, AuditEntry, AuthSession, Company, LoginFailure, Organisation, User
from models.base import utcnow
from tests import factories
from tests.conftest import PRODUCTION_HASHER


@dataclass
class Network:
    city: Organisation
    huli: Organisation
    dianqian: Organisation
    siming: Organisation
    huli_company: Company
    siming_company: Company


async def build_network(database: Database) -> Network:
    """厦门市 → 湖里区 → 殿前街道, and 思明区; one company in each district."""
    async with database.transaction(SYSTEM) as s:
        city = await factories.organisation(s, "厦门市")
        huli = await factories.organisation(s, "湖里区", city)
        dianqian = await factories.organisation(s, "殿前街道", huli, level="street")
        siming = await factories.organisation(s, "思明区", city)
        huli_company = await factories.company(s, huli, "湖里示例企业")
        siming_company = await factories.company(s, siming, "思明示例企业")
    return Network(city, huli, dianqian, siming, huli_company, siming_company)


async def make_user(
    database: Database, email: str, role: Role, **binding: object
) -> tuple[User, Principal]:
    """A user created by the system, and the principal it acts as."""
    async with database.transaction(AUTH) as s:
        user, _ = await accounts.create_user(
            s, SYSTEM, email, role, password="correct horse battery", **binding
        )  # type: ignore[arg-type]
        principal = await accounts.principal_for(s, user)
    return user, principal


@pytest.fixture
async def net(database: Database) -> Network:
    return await build_network(database)


# -- passwords ------------------------------------------------------------------------


def test_passwords_hash_verify_and_generate():
    hashed = passwords.hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "correct horse battery")
    assert not passwords.verify(hashed, "wrong")
    assert not passwords.verify("not a hash", "anything")
    assert not passwords.verify_nothing("anything")
    assert not passwords.needs_rehash(hashed)
    generated = {passwords.generate_password() for _ in range(20)}
    assert len(generated) == 20 and all(len(p) >= 16 for p in generated)


def test_given_the_production_hasher_then_passwords_are_argon2id_with_rfc_9106_parameters():
    """The suite hashes cheaply (tests/conftest.py); what a deployment stores is checked here:
    argon2id, three passes over 64 MiB with four lanes, and a cheaper old hash is rehashed."""
    hashed = PRODUCTION_HASHER.hash("correct horse battery")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PRODUCTION_HASHER.verify(hashed, "correct horse battery")
    assert not PRODUCTION_HASHER.check_needs_rehash(hashed)
    assert PRODUCTION_HASHER.check_needs_rehash(passwords.hash_password("correct horse battery"))


# -- creating users -------------------------------------------------------------------


async def test_system_creates_a_superadmin_with_a_generated_password(database: Database):
    async with database.transaction(AUTH) as s:
        user, generated = await accounts.create_user(
            s, SYSTEM, "  Admin@Example.CN ", Role.SUPERADMIN
        )
    assert user.email == "admin@example.cn" and user.role.value == "superadmin"
    assert generated is not None and len(generated) >= 16
    assert passwords.verify(user.password_hash, generated)
    assert generated not in user.password_hash
    async with database.session(AUTH) as s:
        audit = (
            (await s.execute(sa.select(AuditEntry).where(AuditEntry.entity == "User")))
            .scalars()
            .all()
        )
    assert [(a.action, a.record_id, a.actor) for a in audit] == [("create", user.id, "system")]
    assert "password" not in str(audit[0].changes)


async def test_validation_of_email_password_role_and_binding(database: Database, net: Network):
    async with database.transaction(AUTH) as s:
        await accounts.create_user(s, SYSTEM, "taken@example.cn", Role.SUPERADMIN)
    cases = [
        (dict(email="not-an-email", role=Role.SUPERADMIN), "email", "email.format"),
        (dict(email="TAKEN@example.cn", role=Role.SUPERADMIN), "email", "email.taken"),
        (
            dict(email="a@example.cn", role=Role.SUPERADMIN, password="short"),
            "password",
            "password.too_short",
        ),
        (dict(email="a@example.cn", role="janitor"), "role", "invalid_choice"),
        (
            dict(email="a@example.cn", role=Role.EDITOR),
            "organisation_id",
            "role.organisation_required",
        ),
        (
            dict(
                email="a@example.cn",
                role=Role.EDITOR,
                organisation_id=net.huli.id,
                company_id=net.huli_company.id,
            ),
            "company_id",
            "role.no_company",
        ),
        (dict(email="a@example.cn", role=Role.PARTNER), "company_id", "role.company_required"),
        (
            dict(
                email="a@example.cn",
                role=Role.PARTNER,
                company_id=net.huli_company.id,
                organisation_id=net.huli.id,
            ),
            "organisation_id",
            "role.no_organisation",
        ),
        (
            dict(email="a@example.cn", role=Role.SUPERADMIN, organisation_id=net.huli.id),
            "organisation_id",
            "role.no_organisation",
        ),
        (
            dict(email="a@example.cn", role=Role.VIEWER, organisation_id=999_999),
            "organisation_id",
            "invalid_reference",
        ),
    ]
    for kwargs, field, code in cases:
        with pytest.raises(Invalid) as caught:
            async with database.transaction(AUTH) as s:
                email, role = kwargs.pop("email"), kwargs.pop("role")
                await accounts.create_user(s, SYSTEM, email, role, **kwargs)  # type: ignore[arg-type]
        assert [(e.field, e.code) for e in caught.value.errors] == [(field, code)], (field, code)


async def test_messages_follow_the_actor_language(database: Database):
    english = Principal(kind="system", actor="system:test", language="en")
    with pytest.raises(Invalid) as caught:
        async with database.transaction(AUTH) as s:
            await accounts.create_user(s, english, "bad", Role.SUPERADMIN)
    assert caught.value.errors[0].message == "This is not a valid e-mail address"
    with pytest.raises(Invalid) as caught:
        async with database.transaction(AUTH) as s:
            await accounts.create_user(s, SYSTEM, "bad", Role.SUPERADMIN)
    assert caught.value.errors[0].message == "邮箱地址格式不正确"


async def test_superadmin_creates_any_role(database: Database, net: Network):
    _, admin = await make_user(database, "root@example.cn", Role.SUPERADMIN)
    async with database.transaction(AUTH) as s:
        await accounts.create_user(s, admin, "second@example.cn", Role.SUPERADMIN)
        await accounts.create_user(
            s, admin, "v@example.cn", Role.VIEWER, organisation_id=net.siming.id
        )
        await accounts.create_user(
            s, admin, "p@example.cn", Role.PARTNER, company_id=net.siming_company.id
        )


async def test_org_admin_creates_inside_its_subtree_only(database: Database, net: Network):
    _, huli_admin = await make_user(
        database, "huli@example.cn", Role.ORG_ADMIN, organisation_id=net.huli.id
    )
    assert huli_admin.organisation_path == net.huli.path
    async with database.transaction(AUTH) as s:
        editor, _ = await accounts.create_user(
            s, huli_admin, "e@example.cn", Role.EDITOR, organisation_id=net.dianqian.id
        )
        await accounts.create_user(
            s, huli_admin, "a2@example.cn", Role.ORG_ADMIN, organisation_id=net.huli.id
        )
        await accounts.create_user(
            s, huli_admin, "p@example.cn", Role.PARTNER, company_id=net.huli_company.id
        )
    assert editor.organisation_id == net.dianqian.id

    forbidden = [
        dict(email="x1@example.cn", role=Role.SUPERADMIN),
        dict(email="x2@example.cn", role=Role.EDITOR, organisation_id=net.siming.id),
        dict(email="x3@example.cn", role=Role.ORG_ADMIN, organisation_id=net.city.id),
        dict(email="x4@example.cn", role=Role.PARTNER, company_id=net.siming_company.id),
    ]
    for kwargs in forbidden:
        with pytest.raises(Forbidden) as caught:
            async with database.transaction(AUTH) as s:
                email, role = kwargs.pop("email"), kwargs.pop("role")
                await accounts.create_user(s, huli_admin, email, role, **kwargs)  # type: ignore[arg-type]
        assert caught.value.errors[0].code == "role.forbidden"
    async with database.session(AUTH) as s:
        emails = set((await s.execute(sa.select(User.email))).scalars())
    assert not any(e.startswith("x") for e in emails)


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER, Role.PARTNER])
async def test_editors_viewers_and_partners_cannot_create_users(
    database: Database, net: Network, role: Role
):
    binding = (
        {"company_id": net.huli_company.id}
        if role is Role.PARTNER
        else {"organisation_id": net.huli.id}
    )
    _, actor = await make_user(database, "someone@example.cn", role, **binding)
    with pytest.raises(Forbidden):
        async with database.transaction(AUTH) as s:
            await accounts.create_user(
                s, actor, "new@example.cn", Role.VIEWER, organisation_id=net.dianqian.id
            )
    anonymous = Principal(kind="anonymous", actor="anonymous")
    with pytest.raises(Forbidden):
        async with database.transaction(AUTH) as s:
            await accounts.create_user(
                s, anonymous, "new@example.cn", Role.VIEWER, organisation_id=net.dianqian.id
            )


# -- updating users -------------------------------------------------------------------


async def test_org_admin_cannot_move_users_out_promote_or_change_itself(
    database: Database, net: Network
):
    me, huli_admin = await make_user(
        database, "huli@example.cn", Role.ORG_ADMIN, organisation_id=net.huli.id
    )
    editor, _ = await make_user(
        database, "e@example.cn", Role.EDITOR, organisation_id=net.dianqian.id
    )
    outsider, _ = await make_user(
        database, "s@example.cn", Role.EDITOR, organisation_id=net.siming.id
    )

    async def update(user_id: int, version: int, **changes: object) -> User:
        async with database.transaction(AUTH) as s:
            return await accounts.update_user(s, huli_admin, user_id, version, **changes)  # type: ignore[arg-type]

    # Inside the subtree: allowed.
    changed = await update(
        editor.id, 1, role=Role.VIEWER, organisation_id=net.huli.id, display_name="湖里查看员"
    )
    assert (changed.role.value, changed.organisation_id, changed.version) == (
        "viewer",
        net.huli.id,
        2,
    )
    # Out of the subtree, or up to superadmin: refused, nothing written.
    with pytest.raises(Forbidden):
        await update(editor.id, 2, organisation_id=net.siming.id)
    with pytest.raises(Forbidden):
        await update(editor.id, 2, role=Role.SUPERADMIN, organisation_id=None)
    # Itself: no promotion, no move, no deactivation.
    for changes in (
        {"role": Role.SUPERADMIN, "organisation_id": None},
        {"organisation_id": net.city.id},
        {"is_active": False},
    ):
        with pytest.raises(Forbidden) as caught:
            await update(me.id, 1, **changes)
        assert caught.value.errors[0].code == "user.self_change"
    renamed = await update(me.id, 1, display_name="湖里管理员")  # its own name is fine
    assert renamed.display_name == "湖里管理员"
    # Users outside its subtree look missing.
    with pytest.raises(NotFound):
        await update(outsider.id, 1, display_name="x")
    async with database.session(AUTH) as s:
        fresh = (await s.execute(sa.select(User).where(User.id == editor.id))).scalar_one()
    assert (fresh.role.value, fresh.organisation_id, fresh.version) == ("viewer", net.huli.id, 2)


async def test_update_checks_the_version_and_keeps_one_superadmin(database: Database, net: Network):
    root, admin = await make_user(database, "root@example.cn", Role.SUPERADMIN)
    viewer, _ = await make_user(database, "v@example.cn", Role.VIEWER, organisation_id=net.huli.id)
    async with database.transaction(AUTH) as s:
        await accounts.update_user(s, admin, viewer.id, 1, is_active=False)
    with pytest.raises(Conflict):
        async with database.transaction(AUTH) as s:
            await accounts.update_user(s, admin, viewer.id, 1, is_active=True)
    with pytest.raises(Invalid) as caught:
        async with database.transaction(AUTH) as s:
            await accounts.update_user(s, admin, root.id, 1, is_active=False)
    assert caught.value.errors[0].code == "user.last_superadmin"
    async with database.transaction(AUTH) as s:
        await accounts.create_user(s, admin, "second@example.cn", Role.SUPERADMIN)
        await accounts.update_user(
            s, admin, root.id, 1, role=Role.EDITOR, organisation_id=net.huli.id
        )


async def test_set_password_ends_sessions(database: Database, net: Network):
    user, me = await make_user(database, "e@example.cn", Role.EDITOR, organisation_id=net.huli.id)
    async with database.transaction(AUTH) as s:
        _, raw = await accounts.login(
            s, "e@example.cn", "correct horse battery", "10.0.0.1", "pytest"
        )
    async with database.transaction(AUTH) as s:
        await accounts.set_password(s, me, user.id, "a brand new passphrase")
    async with database.transaction(AUTH) as s:
        assert await accounts.session_principal(s, raw) is None
        await accounts.login(s, "e@example.cn", "a brand new passphrase", "10.0.0.1", "pytest")
    with pytest.raises(Invalid):
        async with database.transaction(AUTH) as s:
            await accounts.set_password(s, me, user.id, "short")


# -- API tokens -----------------------------------------------------------------------


async def test_tokens_act_as_their_user_until_revoked_or_expired(database: Database, net: Network):
    partner, _ = await make_user(
        database, "p@example.cn", Role.PARTNER, company_id=net.huli_company.id
    )
    _, admin = await make_user(database, "root@example.cn", Role.SUPERADMIN)
    async with database.transaction(AUTH) as s:
        token, plaintext = await accounts.issue_token(
            s, admin, partner.id, name="erp", expires_days=30
        )
    assert plaintext.startswith("hf_") and len(plaintext) > 40 and token.prefix == plaintext[:8]
    assert token.token_hash == accounts.digest(plaintext) and plaintext not in token.token_hash

    async with database.transaction(AUTH) as s:
        principal = await accounts.authenticate_token(s, plaintext)
    assert principal is not None
    assert (principal.kind, principal.role, principal.company_id, principal.user_id) == (
        "user",
        Role.PARTNER,
        net.huli_company.id,
        partner.id,
    )
    assert principal.actor == f"user:{partner.id}:p@example.cn"

    async with database.transaction(AUTH) as s:
        assert await accounts.authenticate_token(s, "hf_nonsense") is None
        assert await accounts.authenticate_token(s, plaintext + "x") is None
        # expired
        await s.execute(
            sa.update(ApiToken)
            .where(ApiToken.id == token.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        assert await accounts.authenticate_token(s, plaintext) is None
        await s.execute(sa.update(ApiToken).where(ApiToken.id == token.id).values(expires_at=None))
        assert await accounts.authenticate_token(s, plaintext) is not None
        # the user deactivated
        await s.execute(sa.update(User).where(User.id == partner.id).values(is_active=False))
        assert await accounts.authenticate_token(s, plaintext) is None
        await s.execute(sa.update(User).where(User.id == partner.id).values(is_active=True))
    async with database.transaction(AUTH) as s:
        await accounts.revoke_token(s, admin, token.id)
        assert await accounts.authenticate_token(s, plaintext) is None
        listed = await accounts.list_tokens(s, admin, partner.id)
    assert [t.id for t in listed] == [token.id] and listed[0].revoked_at is not None


async def test_last_used_is_written_at_most_once_a_minute(database: Database, net: Network):
    user, me = await make_user(database, "v@example.cn", Role.VIEWER, organisation_id=net.huli.id)
    async with database.transaction(AUTH) as s:
        token, plaintext = await accounts.issue_token(s, me, user.id)
    async with database.transaction(AUTH) as s:
        found = await accounts.lookup_token(s, plaintext)
        assert found is not None
        assert await accounts.touch_token(s, found[0]) is True
        assert await accounts.touch_token(s, found[0]) is False
    async with database.session(AUTH) as s:
        used = (
            await s.execute(sa.select(ApiToken.last_used_at).where(ApiToken.id == token.id))
        ).scalar_one()
    assert used is not None


async def test_who_may_issue_and_revoke_tokens(database: Database, net: Network):
    editor, editor_p = await make_user(
        database, "e@example.cn", Role.EDITOR, organisation_id=net.huli.id
    )
    other, _ = await make_user(database, "o@example.cn", Role.EDITOR, organisation_id=net.huli.id)
    outsider, _ = await make_user(
        database, "s@example.cn", Role.VIEWER, organisation_id=net.siming.id
    )
    _, huli_admin = await make_user(
        database, "huli@example.cn", Role.ORG_ADMIN, organisation_id=net.huli.id
    )
    async with database.transaction(AUTH) as s:
        own, _ = await accounts.issue_token(s, editor_p, editor.id)  # its own
        await accounts.issue_token(s, huli_admin, other.id)  # a user of the subtree
    for actor, user_id in ((editor_p, other.id), (huli_admin, outsider.id)):
        with pytest.raises(NotFound):
            async with database.transaction(AUTH) as s:
                await accounts.issue_token(s, actor, user_id)
    with pytest.raises(Invalid):
        async with database.transaction(AUTH) as s:
            await accounts.issue_token(s, editor_p, editor.id, expires_days=0)
    async with database.transaction(AUTH) as s:
        await accounts.revoke_token(s, huli_admin, own.id)


# -- login sessions -------------------------------------------------------------------


async def test_login_rate_limit_counts_in_the_database(database: Database, net: Network):
    await make_user(database, "e@example.cn", Role.EDITOR, organisation_id=net.huli.id)
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            async with database.transaction(AUTH) as s:
                await accounts.login(s, "e@example.cn", "wrong password", "10.0.0.9", None)
    # Eight failures, the latest just now: the account waits 2**(8-5) = 8 s, never locked.
    async with database.transaction(AUTH) as s:
        await s.execute(sa.update(LoginFailure).values(at=utcnow()))
        for _ in range(3):
            s.add(LoginFailure(key="email:e@example.cn", at=utcnow()))
    with pytest.raises(accounts.LoginRateLimited) as caught:
        async with database.transaction(AUTH) as s:
            await accounts.login(s, "E@example.cn", "correct horse battery", "10.0.0.10", None)
    assert 7 <= caught.value.retry_after <= 8
    assert "秒后再试" in caught.value.message("zh")
    # The delay passes: the account may log in again, and its failures are forgotten.
    async with database.transaction(AUTH) as s:
        await s.execute(sa.update(LoginFailure).values(at=utcnow() - timedelta(seconds=9)))
    async with database.transaction(AUTH) as s:
        await accounts.login(s, "e@example.cn", "correct horse battery", "10.0.0.10", None)
    async with database.session(AUTH) as s:
        keys = list((await s.execute(sa.select(LoginFailure.key))).scalars())
    assert "email:e@example.cn" not in keys and keys.count("ip:10.0.0.9") == 5


async def test_sessions_expire_idle_and_are_revoked(database: Database, net: Network):
    user, _ = await make_user(database, "e@example.cn", Role.EDITOR, organisation_id=net.huli.id)
    async with database.transaction(AUTH) as s:
        first, raw1 = await accounts.login(
            s, "e@example.cn", "correct horse battery", "10.0.0.1", "ua"
        )
    async with database.transaction(AUTH) as s:
        second, raw2 = await accounts.login(
            s, "e@example.cn", "correct horse battery", "10.0.0.1", "ua"
        )
    assert (
        raw1 != raw2
        and first.session_hash != second.session_hash
        and first.csrf_token != second.csrf_token
    )
    assert first.session_hash == accounts.digest(raw1)
    async with database.transaction(AUTH) as s:
        found = await accounts.session_principal(s, raw2)
        assert found is not None
        principal, auth_session = found
        assert principal.user_id == user.id and principal.organisation_path == net.huli.path
        assert auth_session.expires_at - auth_session.created_at == timedelta(hours=12)
        # idle for too long
        await s.execute(
            sa.update(AuthSession)
            .where(AuthSession.id == second.id)
            .values(last_seen_at=utcnow() - timedelta(hours=3))
        )
        assert await accounts.session_principal(s, raw2) is None
        # past its absolute lifetime
        await s.execute(
            sa.update(AuthSession)
            .where(AuthSession.id == first.id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        assert await accounts.session_principal(s, raw1) is None
    async with database.transaction(AUTH) as s:
        third, raw3 = await accounts.login(s, "e@example.cn", "correct horse battery", None, None)
        assert await accounts.logout(s, raw3) is True
        assert await accounts.logout(s, raw3) is False
        assert await accounts.session_principal(s, raw3) is None
