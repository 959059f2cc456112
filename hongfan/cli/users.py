"""``hongfan create-admin`` and ``hongfan user …``: accounts."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from hongfan.cli.common import cli_principal, in_database
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


def _print_created(user: Any, generated: str | None) -> None:
    print(f"Created {user.role.value} {user.email} (id {user.id}).")
    if generated is not None:
        print("Generated password (shown only now; change it after the first login):")
        print(generated)


def create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts
    from hongfan.principal import Role

    async def work(session: AsyncSession) -> tuple[Any, str | None]:
        return await accounts.create_user(
            session,
            cli_principal(),
            args.email,
            Role.SUPERADMIN,
            password=args.password,
            display_name=args.name,
        )

    _print_created(*in_database(settings, work))
    return 0


def create_user(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts
    from hongfan.principal import Role

    async def work(session: AsyncSession) -> tuple[Any, str | None]:
        organisation_id = await resolve_organisation(session, args.org) if args.org else None
        company_id = await resolve_company(session, args.company) if args.company else None
        return await accounts.create_user(
            session,
            cli_principal(),
            args.email,
            Role(args.role),
            organisation_id=organisation_id,
            company_id=company_id,
            password=args.password,
            display_name=args.name,
        )

    _print_created(*in_database(settings, work))
    return 0
