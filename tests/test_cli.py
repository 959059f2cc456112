"""The account commands of ``hongfan``: create-admin, user create, token create / revoke."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hongfan import accounts, passwords
from hongfan.cli import main
from hongfan.db import Database
from hongfan.principal import SYSTEM
from hongfan.settings import Settings
from models import ApiToken, User
from tests import factories


def _run(url: str, work: Any) -> Any:
    async def go() -> Any:
        db = Database(Settings(database_url=url, secret_key="x"))
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(go())


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """A migrated SQLite file with a small network; HONGFAN_DATABASE_URL points at it."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("HONGFAN_DATABASE_URL", url)
    monkeypatch.setenv("HONGFAN_LANG", "en")
    assert main(["db", "upgrade"]) == 0

    async def seed(db: Database) -> None:
        async with db.transaction(SYSTEM) as s:
            city = await factories.organisation(s, "厦门市")
            huli = await factories.organisation(s, "湖里区", city)
            await factories.organisation(s, "殿前街道", huli, level="street")
            jimei = await factories.organisation(s, "集美区", city)
            haicang = await factories.organisation(s, "海沧区", city)
            qiaoxing = await factories.organisation(s, "侨兴街道", jimei, level="street")
            street = await factories.organisation(s, "海沧街道", haicang, level="street")
            await factories.organisation(s, "海沧社区", qiaoxing, level="community")
            await factories.organisation(s, "海沧社区", street, level="community")
            company = await factories.company(s, haicang, "海沧示例企业")
            company.name = "海沧示例企业有限公司"

    _run(url, seed)
    capsys.readouterr()
    return url


def _user(url: str, email: str) -> User | None:
    async def find(db: Database) -> User | None:
        async with db.session(accounts.AUTH) as s:
            return await accounts.get_user_by_email(s, email)

    return _run(url, find)  # type: ignore[no-any-return]


def _org_name(url: str, organisation_id: int | None) -> str:
    async def find(db: Database) -> str:
        async with db.session(accounts.AUTH) as s:
            return str(
                (
                    await s.execute(
                        sa.text("SELECT name FROM organisation WHERE id = :id"),
                        {"id": organisation_id},
                    )
                ).scalar_one()
            )

    return _run(url, find)  # type: ignore[no-any-return]


def test_create_admin_prints_a_generated_password(url: str, capsys: pytest.CaptureFixture[str]):
    assert main(["create-admin", "Root@Example.CN"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    generated = out[-1]
    assert "Superadmin root@example.cn" in out[0] and len(generated) >= 16
    user = _user(url, "root@example.cn")
    assert user is not None and user.role.value == "superadmin"
    assert passwords.verify(user.password_hash, generated)

    # the same address again: an error on stderr, exit status 1
    assert main(["create-admin", "root@example.cn", "--password", "another long password"]) == 1
    captured = capsys.readouterr()
    assert (
        captured.out == ""
        and "email: Another account already uses this e-mail address" in captured.err
    )


def test_create_admin_with_a_password(url: str, capsys: pytest.CaptureFixture[str]):
    assert (
        main(
            [
                "create-admin",
                "root@example.cn",
                "--password",
                "a long enough password",
                "--name",
                "管理员",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "a long enough password" not in out and "Generated" not in out
    user = _user(url, "root@example.cn")
    assert user is not None and user.display_name == "管理员"
    assert passwords.verify(user.password_hash, "a long enough password")
    assert main(["create-admin", "short@example.cn", "--password", "short"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err


def test_user_create_finds_organisations_by_path_name_or_id(
    url: str, capsys: pytest.CaptureFixture[str]
):
    assert (
        main(["user", "create", "a@example.cn", "--role", "org_admin", "--org", "厦门市/湖里区"])
        == 0
    )
    assert main(["user", "create", "b@example.cn", "--role", "editor", "--org", "殿前街道"]) == 0
    assert (
        main(
            [
                "user",
                "create",
                "c@example.cn",
                "--role",
                "viewer",
                "--org",
                "集美区/侨兴街道/海沧社区",
            ]
        )
        == 0
    )
    assert (
        main(["user", "create", "d@example.cn", "--role", "viewer", "--org", "海沧街道/海沧社区"])
        == 0
    )
    assert _org_name(url, _user(url, "a@example.cn").organisation_id) == "湖里区"  # type: ignore[union-attr]
    assert _org_name(url, _user(url, "b@example.cn").organisation_id) == "殿前街道"  # type: ignore[union-attr]
    by_id = _user(url, "a@example.cn").organisation_id  # type: ignore[union-attr]
    assert main(["user", "create", "e@example.cn", "--role", "editor", "--org", str(by_id)]) == 0
    out = capsys.readouterr().out
    assert "Created Organisation admin a@example.cn" in out and out.count("Generated password") == 5

    # a name two organisations share: both are listed, nothing is created
    assert main(["user", "create", "x@example.cn", "--role", "viewer", "--org", "海沧社区"]) == 1
    err = capsys.readouterr().err
    assert "names 2 organisations" in err and len(err.splitlines()) == 1
    assert "厦门市/集美区/侨兴街道/海沧社区" in err and "厦门市/海沧区/海沧街道/海沧社区" in err
    assert (
        main(["user", "create", "x@example.cn", "--role", "viewer", "--org", "不存在的组织"]) == 1
    )
    assert "No organisation is named" in capsys.readouterr().err
    assert main(["user", "create", "x@example.cn", "--role", "editor"]) == 1
    assert "organisation_id: This role must be bound to an organisation" in capsys.readouterr().err
    assert _user(url, "x@example.cn") is None


def test_user_create_partner_by_company_name(url: str, capsys: pytest.CaptureFixture[str]):
    assert (
        main(
            [
                "user",
                "create",
                "p@example.cn",
                "--role",
                "partner",
                "--company",
                "海沧示例企业有限公司",
                "--password",
                "partner password",
            ]
        )
        == 0
    )
    user = _user(url, "p@example.cn")
    assert user is not None and user.company_id is not None and user.organisation_id is None
    assert (
        main(["user", "create", "q@example.cn", "--role", "partner", "--company", "没有这家公司"])
        == 1
    )
    assert "No company" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse refuses an unknown role
        main(["user", "create", "q@example.cn", "--role", "janitor"])


def test_token_create_prints_the_token_last_and_revoke_ends_it(
    url: str, capsys: pytest.CaptureFixture[str]
):
    assert (
        main(
            [
                "user",
                "create",
                "p@example.cn",
                "--role",
                "partner",
                "--company",
                "海沧示例企业有限公司",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["token", "create", "P@example.cn", "--name", "erp", "--expires-days", "30"]) == 0
    out = capsys.readouterr().out
    token = out.rstrip("\n").splitlines()[-1]
    assert token.startswith("hf_") and token.strip() == token and " " not in token

    async def check(db: Database) -> Any:
        async with db.transaction(accounts.AUTH) as s:
            return await accounts.authenticate_token(s, token)

    principal = _run(url, check)
    assert principal is not None and principal.role.value == "partner"

    assert main(["token", "revoke", token]) == 0
    assert "Revoked API token" in capsys.readouterr().out
    assert _run(url, check) is None

    # by id, too
    assert main(["token", "create", "p@example.cn"]) == 0
    second = capsys.readouterr().out.splitlines()[-1]

    async def token_id(db: Database) -> int:
        async with db.session(accounts.AUTH) as s:
            row = (
                await s.execute(
                    sa.select(ApiToken).where(ApiToken.token_hash == accounts.digest(second))
                )
            ).scalar_one()
            return int(row.id)  # type: ignore[arg-type]

    assert main(["token", "revoke", str(_run(url, token_id))]) == 0

    # errors: no such user, no such token, a bad expiry
    assert main(["token", "create", "nobody@example.cn"]) == 1
    assert "No account with this e-mail address" in capsys.readouterr().err
    assert main(["token", "revoke", "hf_nothing"]) == 1
    assert "No such token" in capsys.readouterr().err
    assert main(["token", "revoke", "99999"]) == 1
    assert capsys.readouterr().err.startswith("hongfan: id:")
    assert main(["token", "create", "p@example.cn", "--expires-days", "0"]) == 1
    assert "whole number from 1 to 3650" in capsys.readouterr().err


def test_token_create_with_operations_binds_the_token_to_that_file(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """Given a partner's .graphql file, the token made with it says which operations it runs."""
    assert main(["user", "create", "p@example.cn", "--role", "superadmin"]) == 0
    operations = tmp_path / "partner.graphql"
    operations.write_text(
        "query PublishedSites { serviceSites { totalCount } }\n"
        "query SiteNames { serviceSites { edges { node { name } } } }\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert main(["token", "create", "p@example.cn", "--operations", str(operations)]) == 0
    out = capsys.readouterr().out
    assert "runs only 2 operations: PublishedSites, SiteNames" in out
    assert out.rstrip("\n").splitlines()[-1].startswith("hf_")
    operations.write_text("query { serviceSites { totalCount } }", encoding="utf-8")
    assert main(["token", "create", "p@example.cn", "--operations", str(operations)]) == 1
    assert "operations: Every operation in the file needs a name" in capsys.readouterr().err
    assert main(["token", "create", "p@example.cn", "--operations", str(tmp_path / "no")]) == 1


def test_given_a_bound_and_an_unbound_token_when_listed_then_each_line_says_which_operations_it_may_run(
    url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Like the admin's token table: an unbound token runs any operation, a partner's only its
    file's, and the list says so (in Chinese by default)."""
    monkeypatch.delenv("HONGFAN_LANG")
    assert main(["user", "create", "p@example.cn", "--role", "superadmin"]) == 0
    operations = tmp_path / "partner.graphql"
    operations.write_text(
        "query PublishedSites { serviceSites { totalCount } }\n"
        "query SiteNames { serviceSites { edges { node { name } } } }\n",
        encoding="utf-8",
    )
    assert (
        main(["token", "create", "p@example.cn", "--name", "erp", "--operations", str(operations)])
        == 0
    )
    assert main(["token", "create", "p@example.cn", "--name", "cli"]) == 0
    capsys.readouterr()

    assert main(["token", "list"]) == 0
    chinese = capsys.readouterr().out.splitlines()
    assert main(["token", "list", "--lang", "en"]) == 0
    english = capsys.readouterr().out.splitlines()

    header = chinese[0].split("\t")
    assert header[-2:] == ["可执行的操作", "状态"]
    cells = {line.split("\t")[2]: line.split("\t") for line in chinese[1:]}
    assert cells["erp"][-2:] == ["仅 2 个：PublishedSites、SiteNames", "有效"]
    assert cells["cli"][-2:] == ["不限", "有效"]
    cells = {line.split("\t")[2]: line.split("\t") for line in english[1:]}
    assert english[0].split("\t")[-2] == "operations"
    assert cells["erp"][-2] == "only 2: PublishedSites, SiteNames"
    assert cells["cli"][-2] == "any"


def test_messages_in_chinese_unless_english_is_chosen(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("HONGFAN_LANG")
    monkeypatch.setenv(
        "LANG", "en_US.UTF-8"
    )  # the terminal's locale is not a choice made for Hongfan
    assert main(["create-admin", "not-an-email"]) == 1
    assert "邮箱地址格式不正确" in capsys.readouterr().err
    assert main(["create-admin", "not-an-email", "--lang", "en"]) == 1
    assert "e-mail" in capsys.readouterr().err.lower()
    assert main(["--lang", "en", "user", "list"]) == 0
    assert capsys.readouterr().out.startswith("No accounts")


def test_user_list_and_token_list_show_accounts_and_tokens_but_never_a_token(
    url: str, capsys: pytest.CaptureFixture[str]
):
    # given a partner with two tokens, one of them revoked
    assert (
        main(
            [
                "user",
                "create",
                "p@example.cn",
                "--role",
                "partner",
                "--company",
                "海沧示例企业有限公司",
            ]
        )
        == 0
    )
    assert main(["token", "create", "p@example.cn", "--name", "erp"]) == 0
    first = capsys.readouterr().out.splitlines()[-1]
    assert main(["token", "create", "p@example.cn", "--name", "old"]) == 0
    second = capsys.readouterr().out.splitlines()[-1]
    assert main(["token", "revoke", second]) == 0
    capsys.readouterr()

    # when the accounts and the tokens are listed
    assert main(["user", "list"]) == 0
    users = capsys.readouterr()
    assert main(["token", "list"]) == 0
    everyone = capsys.readouterr()
    assert main(["token", "list", "P@example.cn"]) == 0
    partners = capsys.readouterr().out

    # then each shows what it is about, and which database it read
    assert "p@example.cn\tPartner\t海沧示例企业有限公司\tactive\tnever" in users.out
    assert users.err.startswith("Database: SQLite ") and url.rsplit("/", 1)[-1] in users.err
    lines = everyone.out.splitlines()
    assert lines[0].startswith("id\taccount\tname") and len(lines) == 3
    assert "\terp\t" in lines[1] and lines[1].endswith("\tvalid") and lines[2].endswith("\trevoked")
    assert partners == everyone.out
    for output in (everyone.out, everyone.err, partners):
        assert first not in output and second not in output
    assert f"\t{first[:8]}…\t" in everyone.out  # the prefix, to recognise it


def test_db_current_and_history_name_the_revision_and_the_database(
    url: str, capsys: pytest.CaptureFixture[str]
):
    from hongfan import migrate

    assert main(["db", "current"]) == 0
    out = capsys.readouterr().out
    assert f"Current revision: {migrate.head()}" in out and "up to date" in out and "cli.db" in out
    assert main(["db", "history"]) == 0
    history = capsys.readouterr().out.splitlines()
    assert history[0].startswith("0001") and history[-1].startswith(str(migrate.head()))
    assert history[-1].endswith("← current") and sum("← current" in line for line in history) == 1


@pytest.mark.parametrize(
    ("database_url", "says"),
    [
        (
            "postgresql://hongfan:s3cret@127.0.0.1:1/hongfan",
            "Cannot reach the database server (PostgreSQL hongfan@127.0.0.1:1/hongfan)",
        ),
        (
            "sqlite:////no/such/dir/hongfan.db",
            "The directory of the SQLite database does not exist (SQLite /no/such/dir/hongfan.db): create /no/such/dir first",
        ),
        (
            "mysql://root:s3cret@localhost/hongfan",
            "HONGFAN_DATABASE_URL names an unsupported database “mysql”",
        ),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line_naming_it(
    database_url: str,
    says: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("HONGFAN_DATABASE_URL", database_url)
    assert main(["user", "list", "--lang", "en"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"hongfan: {says}") and "s3cret" not in captured.err


def test_a_database_not_migrated_says_to_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HONGFAN_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.delenv("HONGFAN_LANG", raising=False)
    assert main(["token", "list"]) == 1
    assert (
        capsys.readouterr().err
        == f"hongfan: 数据库尚未建表（SQLite {tmp_path / 'empty.db'}）：先运行 hongfan db upgrade\n"
    )


@pytest.mark.postgres
def test_wrong_credentials_are_one_line_naming_the_user_but_not_the_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    from tests.conftest import postgres_url

    server = sa.make_url(postgres_url()).set(username="hongfan_nobody", password="s3cret")
    monkeypatch.setenv("HONGFAN_DATABASE_URL", server.render_as_string(hide_password=False))
    assert main(["user", "list"]) == 1
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "数据库服务器拒绝了登录（PostgreSQL hongfan_nobody@" in err
        and "s3cret" not in err
    )


def test_a_wrong_language_setting_and_the_traceback_on_demand(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    from hongfan.settings import SettingsError

    monkeypatch.setenv("HONGFAN_LANG", "fr")
    assert main(["user", "list"]) == 1
    assert capsys.readouterr().err == "hongfan: HONGFAN_LANG=fr 无效：应为 zh 或 en\n"
    monkeypatch.setenv("HONGFAN_LANG", "en")
    monkeypatch.setenv("HONGFAN_PORT", "abc")
    with pytest.raises(SettingsError):
        main(["--debug", "serve"])


@pytest.mark.postgres
def test_db_upgrade_creates_a_missing_postgresql_database_and_a_refusal_says_what_to_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    import secrets

    import asyncpg

    from tests.conftest import postgres_url

    server = sa.make_url(postgres_url())
    name, role = f"hongfan_test_{secrets.token_hex(6)}", f"hongfan_test_{secrets.token_hex(6)}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)

    async def sql(*statements: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    monkeypatch.setenv("HONGFAN_LANG", "en")
    asyncio.run(sql(f'CREATE ROLE "{role}" LOGIN NOCREATEDB'))
    try:
        # given a server without the database: db upgrade creates it, then migrates it
        monkeypatch.setenv(
            "HONGFAN_DATABASE_URL", server.set(database=name).render_as_string(hide_password=False)
        )
        assert main(["db", "upgrade"]) == 0
        out = capsys.readouterr().out
        assert f"Created the database {name}" in out and "Database upgraded to head" in out
        assert main(["db", "create"]) == 0
        assert "exists already; nothing changed" in capsys.readouterr().out

        # given an account without CREATEDB: one line with the statement the administrator runs
        refused = server.set(username=role, password=None, database=name + "_x")
        monkeypatch.setenv("HONGFAN_DATABASE_URL", refused.render_as_string(hide_password=False))
        assert main(["db", "create"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "does not allow creating the database" in err
        assert f'CREATE DATABASE "{name}_x" OWNER "{role}"' in err
    finally:
        asyncio.run(
            sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'DROP ROLE IF EXISTS "{role}"')
        )


def test_import_help_lists_every_record_type(capsys: pytest.CaptureFixture[str]):
    from models import ENTITIES

    with pytest.raises(SystemExit) as exit_:
        main(["import", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert exit_.value.code == 0
    for model in ENTITIES.values():
        meta = model.__entity__
        assert f"{meta.type_name} ({meta.plural}, {meta.label_zh})" in help_text
