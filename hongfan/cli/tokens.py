"""``hongfan token …``: API tokens."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from hongfan.cli.common import CommandError, cli_principal, in_database
from hongfan.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


def register(commands: Any) -> None:
    token = commands.add_parser("token", help="API tokens").add_subparsers(
        dest="token_command", required=True
    )
    issue = token.add_parser(
        "create", help="issue a token acting as EMAIL; the token is the last line printed"
    )
    issue.add_argument("email")
    issue.add_argument("--name", default="cli", help="what the token is for (default: cli)")
    issue.add_argument("--expires-days", type=int, help="days until it expires (default: never)")
    issue.set_defaults(handler=create_token)
    revoke = token.add_parser("revoke", help="revoke a token, given the token itself or its id")
    revoke.add_argument("token")
    revoke.set_defaults(handler=revoke_token)


def create_token(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts

    async def work(session: AsyncSession) -> tuple[Any, Any, str]:
        user = await accounts.get_user_by_email(session, args.email)
        if user is None:
            raise CommandError(f"no user {args.email!r}")
        token, plaintext = await accounts.issue_token(
            session,
            cli_principal(),
            int(user.id or 0),
            name=args.name,
            expires_days=args.expires_days,
        )
        return user, token, plaintext

    user, token, plaintext = in_database(settings, work)
    expiry = (
        f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "never expires"
    )
    print(f"API token {token.id} {token.name!r} for {user.email} ({user.role.value}); {expiry}.")
    print("Send it as 'Authorization: Bearer <token>'. It is shown only now:")
    print(plaintext)
    return 0


def revoke_token(settings: Settings, args: argparse.Namespace) -> int:
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
        return await accounts.revoke_token(session, cli_principal(), token_id)

    token = in_database(settings, work)
    print(f"Revoked API token {token.id} {token.name!r} ({token.prefix}…).")
    return 0
