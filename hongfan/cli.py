"""The ``hongfan`` command."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from hongfan.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hongfan.principal import Principal

T = TypeVar("T")


class CommandError(Exception):
    """A message for stderr; the command exits with status 1."""


def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    import uvicorn

    from hongfan.app import create_app

    base = f"http://{settings.host}:{settings.port}"
    print(f"Hongfan 红帆 is serving on {base}")
    print(f"  Admin UI 管理后台:     {base}/admin/")
    print(f"  GraphQL / GraphiQL:  {base}/graphql")
    print(f"  Health:              {base}/healthz  {base}/readyz")
    print("  Sign in: the demo accounts printed by `hongfan demo` (password hongfan-demo-2024),")
    print("  or make one: hongfan create-admin you@example.org")
    app = create_app(settings)
    # The schema, models and app are built and live for the process: move them out of the
    # collector's sight, and collect young objects less often — per-request garbage is
    # short-lived, and full collections over the whole heap were a large share of request time.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    return 0


def _db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.migrate import upgrade

    upgrade(settings.database_url, args.revision)
    print(f"Database upgraded to {args.revision}.")
    return 0


def _db_downgrade(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.migrate import downgrade

    downgrade(settings.database_url, args.revision)
    print(f"Database downgraded to {args.revision}.")
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.db import Database
    from hongfan.demo import DEMO_PASSWORD, load_demo

    async def run() -> int:
        db = Database(settings)
        try:
            # In production the demo accounts get generated passwords, never the published one.
            summary = await load_demo(db, demo_password=None if settings.is_production else DEMO_PASSWORD)
        finally:
            await db.dispose()
        if summary.created:
            print("Demo data loaded:")
        else:
            print("Demo data already present; nothing changed:")
        for name, count in summary.counts.items():
            print(f"  {name}: {count}")
        if summary.logins:
            print("Demo logins (POST /auth/login, or the admin UI):")
            for line in summary.logins:
                print(f"  {line}")
        for line in summary.token_lines:
            print(line)
        return 0

    return asyncio.run(run())


def _schema(_settings: Settings, _args: argparse.Namespace) -> int:
    from graph.schema import print_sdl

    sys.stdout.write(print_sdl())
    return 0


# -- accounts --------------------------------------------------------------------------


def _roles() -> list[Any]:
    from hongfan.principal import Role

    return list(Role)


def _cli_principal() -> Principal:
    """The system principal CLI commands act as, in the terminal's language."""
    import dataclasses

    from hongfan.principal import system

    lang = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") or ""
    return dataclasses.replace(system("cli"), language="zh" if lang.lower().startswith("zh") else "en")


def _in_database(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one write transaction; domain errors become a CommandError."""
    from hongfan.accounts import AUTH
    from hongfan.db import Database
    from hongfan.errors import HongfanError
    from hongfan.migrate import run_async

    async def run() -> T:
        db = Database(settings)
        try:
            async with db.transaction(AUTH) as session:
                return await work(session)
        except HongfanError as error:
            raise CommandError("; ".join(f"{e.field}: {e.message}" for e in error.errors)) from None
        finally:
            await db.dispose()

    return run_async(run)


async def _resolve_organisation(session: AsyncSession, ref: str) -> int:
    """An organisation id from an id, a unique name or a name path such as 厦门市/湖里区."""
    import sqlalchemy as sa

    from models.organisations import Organisation

    table = Organisation.__table__  # type: ignore[attr-defined]
    rows = (await session.execute(sa.select(table.c.id, table.c.name, table.c.path))).all()
    names = {row.id: row.name for row in rows}

    def chain(path: str) -> list[str]:
        return [names.get(int(part), "?") for part in path.strip("/").split("/") if part]

    ref = ref.strip()
    if ref.isdigit():
        if int(ref) in names:
            return int(ref)
        raise CommandError(f"no organisation with id {ref}")
    wanted = [part.strip() for part in ref.strip("/").split("/") if part.strip()]
    if not wanted:
        raise CommandError("--org is empty")
    found = [row for row in rows if chain(row.path)[-len(wanted):] == wanted]
    if not found:
        raise CommandError(f"no organisation named {ref!r}")
    if len(found) > 1:
        candidates = "\n".join(f"  {row.id}: {'/'.join(chain(row.path))}" for row in found)
        raise CommandError(
            f"{ref!r} names {len(found)} organisations; give a longer path or the id:\n{candidates}"
        )
    return int(found[0].id)


async def _resolve_company(session: AsyncSession, ref: str) -> int:
    """A company id from an id, a unique name or a credit code."""
    import sqlalchemy as sa

    from models.practice import Company

    table = Company.__table__  # type: ignore[attr-defined]
    ref = ref.strip()
    if ref.isdigit() and len(ref) < 18:
        condition = table.c.id == int(ref)
    else:
        condition = sa.or_(table.c.name == ref, table.c.credit_code == ref.upper())
    rows = (await session.execute(sa.select(table.c.id, table.c.name).where(condition))).all()
    if not rows:
        raise CommandError(f"no company {ref!r}")
    if len(rows) > 1:
        candidates = "\n".join(f"  {row.id}: {row.name}" for row in rows)
        raise CommandError(f"{ref!r} names {len(rows)} companies; give the id:\n{candidates}")
    return int(rows[0].id)


def _print_created(user: Any, generated: str | None) -> None:
    print(f"Created {user.role.value} {user.email} (id {user.id}).")
    if generated is not None:
        print("Generated password (shown only now; change it after the first login):")
        print(generated)


def _create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts
    from hongfan.principal import Role

    async def work(session: AsyncSession) -> tuple[Any, str | None]:
        return await accounts.create_user(
            session, _cli_principal(), args.email, Role.SUPERADMIN, password=args.password, display_name=args.name
        )

    _print_created(*_in_database(settings, work))
    return 0


def _user_create(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts
    from hongfan.principal import Role

    async def work(session: AsyncSession) -> tuple[Any, str | None]:
        organisation_id = await _resolve_organisation(session, args.org) if args.org else None
        company_id = await _resolve_company(session, args.company) if args.company else None
        return await accounts.create_user(
            session, _cli_principal(), args.email, Role(args.role),
            organisation_id=organisation_id, company_id=company_id,
            password=args.password, display_name=args.name,
        )

    _print_created(*_in_database(settings, work))
    return 0


def _token_create(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts

    async def work(session: AsyncSession) -> tuple[Any, Any, str]:
        user = await accounts.get_user_by_email(session, args.email)
        if user is None:
            raise CommandError(f"no user {args.email!r}")
        token, plaintext = await accounts.issue_token(
            session, _cli_principal(), int(user.id or 0), name=args.name, expires_days=args.expires_days
        )
        return user, token, plaintext

    user, token, plaintext = _in_database(settings, work)
    expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "never expires"
    print(f"API token {token.id} {token.name!r} for {user.email} ({user.role.value}); {expiry}.")
    print("Send it as 'Authorization: Bearer <token>'. It is shown only now:")
    print(plaintext)
    return 0


def _token_revoke(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts

    async def work(session: AsyncSession) -> Any:
        ref = args.token.strip()
        if ref.startswith(accounts.TOKEN_PREFIX):
            found = await accounts.token_by_plaintext(session, ref)
            if found is None:
                raise CommandError("no such token")
            token_id = int(found.id or 0)
        elif ref.isdigit():
            token_id = int(ref)
        else:
            raise CommandError(f"give the token (hf_…) or its id, not {ref!r}")
        return await accounts.revoke_token(session, _cli_principal(), token_id)

    token = _in_database(settings, work)
    print(f"Revoked API token {token.id} {token.name!r} ({token.prefix}…).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hongfan", description="Hongfan (红帆) headless CMS")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("serve", help="serve the API (and admin UI)").set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    up = db.add_parser("upgrade", help="apply migrations")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=_db_upgrade)
    down = db.add_parser("downgrade", help="revert migrations")
    down.add_argument("revision")
    down.set_defaults(handler=_db_downgrade)

    demo = commands.add_parser("demo", help="load the demo network (idempotent)")
    demo.add_argument("--if-empty", action="store_true", help="accepted for make run; loading is idempotent anyway")
    demo.set_defaults(handler=_demo)

    admin = commands.add_parser("create-admin", help="create a superadmin account")
    admin.add_argument("email")
    admin.add_argument("--password", help="the password (default: generate one and print it)")
    admin.add_argument("--name", help="display name")
    admin.set_defaults(handler=_create_admin)

    user = commands.add_parser("user", help="user accounts").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", help="create an account bound to an organisation or a company")
    create.add_argument("email")
    create.add_argument("--role", required=True, choices=[r.value for r in _roles()])
    create.add_argument("--org", help="organisation: id, unique name, or path such as 厦门市/湖里区")
    create.add_argument("--company", help="company (partners): id, unique name or credit code")
    create.add_argument("--password", help="the password (default: generate one and print it)")
    create.add_argument("--name", help="display name")
    create.set_defaults(handler=_user_create)

    token = commands.add_parser("token", help="API tokens").add_subparsers(dest="token_command", required=True)
    issue = token.add_parser("create", help="issue a token acting as EMAIL; the token is the last line printed")
    issue.add_argument("email")
    issue.add_argument("--name", default="cli", help="what the token is for (default: cli)")
    issue.add_argument("--expires-days", type=int, help="days until it expires (default: never)")
    issue.set_defaults(handler=_token_create)
    revoke = token.add_parser("revoke", help="revoke a token, given the token itself or its id")
    revoke.add_argument("token")
    revoke.set_defaults(handler=_token_revoke)

    commands.add_parser("schema", help="print the GraphQL SDL").set_defaults(handler=_schema)

    from hongfan.transfer.cli import add_io_commands

    add_io_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    try:
        return int(args.handler(settings, args))
    except CommandError as error:
        print(f"hongfan: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
