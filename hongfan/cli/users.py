"""``hongfan create-admin`` and ``hongfan user …``: accounts."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hongfan.cli.common import cli_principal, in_database, language, say
from hongfan.cli.lookup import resolve_company, resolve_organisation
from hongfan.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def _roles() -> list[str]:
    from hongfan.principal import Role

    return [role.value for role in Role]


def register(commands: Any) -> None:
    admin = commands.add_parser("create-admin", help="create a superadmin account")
    admin.add_argument("email")
    admin.add_argument("--password", help="the password (default: generate one and print it)")
    admin.add_argument("--name", help="display name")
    admin.set_defaults(handler=create_admin)

    user = commands.add_parser("user", help="user accounts").add_subparsers(
        dest="user_command", required=True
    )
    create = user.add_parser(
        "create", help="create an account bound to an organisation or a company"
    )
    create.add_argument("email")
    create.add_argument("--role", required=True, choices=_roles())
    create.add_argument(
        "--org", help="organisation: id, unique name, or path such as 厦门市/湖里区"
    )
    create.add_argument("--company", help="company (partners): id, unique name or credit code")
    create.add_argument("--password", help="the password (default: generate one and print it)")
    create.add_argument("--name", help="display name")
    create.set_defaults(handler=create_user)
    listing = user.add_parser(
        "list", help="the accounts: e-mail, role, organisation or company, status"
    )
    listing.set_defaults(handler=list_users)


def role_label(role: Any, lang: str) -> str:
    from models.accounts import UserRole
    from models.base import choice_label

    return choice_label(UserRole(str(getattr(role, "value", role))), lang)


def when(value: datetime | None, lang: str) -> str:
    """A UTC timestamp to the minute, or "never"."""
    from models.messages import message

    return f"{value:%Y-%m-%d %H:%M}" if value else message("cli.never", lang)


def _print_created(args: argparse.Namespace, user: Any, generated: str | None) -> None:
    lang = language(args)
    print(
        say(
            args, "cli.user_created", role=role_label(user.role, lang), email=user.email, id=user.id
        )
    )
    if generated is not None:
        print(say(args, "cli.generated_password"))
        print(generated)


def create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts
    from hongfan.principal import Role

    async def work(session: AsyncSession) -> tuple[Any, str | None]:
        return await accounts.create_user(
            session,
            cli_principal(language(args)),
            args.email,
            Role.SUPERADMIN,
            password=args.password,
            display_name=args.name,
        )

    _print_created(args, *in_database(settings, work))
    return 0


def create_user(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts
    from hongfan.principal import Role

    async def work(session: AsyncSession) -> tuple[Any, str | None]:
        organisation_id = await resolve_organisation(session, args.org) if args.org else None
        company_id = await resolve_company(session, args.company) if args.company else None
        return await accounts.create_user(
            session,
            cli_principal(language(args)),
            args.email,
            Role(args.role),
            organisation_id=organisation_id,
            company_id=company_id,
            password=args.password,
            display_name=args.name,
        )

    _print_created(args, *in_database(settings, work))
    return 0


def list_users(settings: Settings, args: argparse.Namespace) -> int:
    """One tab-separated line per account; never a password hash."""
    import sqlalchemy as sa
    from sqlmodel import col

    from hongfan import accounts
    from models.organisations import Organisation
    from models.practice import Company

    lang = language(args)

    async def work(session: AsyncSession) -> list[tuple[Any, str]]:
        users = await accounts.list_users(session, cli_principal(lang), limit=100_000)
        organisations = sa.select(col(Organisation.id), col(Organisation.name))
        companies = sa.select(col(Company.id), col(Company.name))
        names = {
            **{("o", row[0]): row[1] for row in await session.execute(organisations)},
            **{("c", row[0]): row[1] for row in await session.execute(companies)},
        }
        return [
            (u, names.get(("o", u.organisation_id)) or names.get(("c", u.company_id)) or "")
            for u in users
        ]

    rows = in_database(settings, work)
    if not rows:
        print(say(args, "cli.no_users"))
        return 0
    print(say(args, "cli.users_header"))
    for user, bound in rows:
        status = say(args, "cli.active" if user.is_active else "cli.inactive")
        print(
            f"{user.id}\t{user.email}\t{role_label(user.role, lang)}\t{bound or '-'}\t{status}\t{when(user.last_login_at, lang)}"
        )
    return 0
