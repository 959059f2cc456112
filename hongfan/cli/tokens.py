"""``hongfan token …``: API tokens. Token values are printed once, when made; never listed."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hongfan.cli.common import CommandError, cli_principal, in_database, language, say
from hongfan.cli.users import role_label, when
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
    issue.add_argument(
        "--operations",
        metavar="FILE.graphql",
        help="bind the token to the operations in this file: it runs those and nothing else"
        " (a partner system's allow-list)",
    )
    issue.set_defaults(handler=create_token)
    revoke = token.add_parser("revoke", help="revoke a token, given the token itself or its id")
    revoke.add_argument("token")
    revoke.set_defaults(handler=revoke_token)
    listing = token.add_parser(
        "list",
        help="the tokens (of EMAIL, or everyone's): id, name, prefix, dates; never the token",
    )
    listing.add_argument("email", nargs="?")
    listing.set_defaults(handler=list_tokens)


async def _user(session: AsyncSession, email: str) -> Any:
    from hongfan import accounts

    user = await accounts.get_user_by_email(session, email)
    if user is None:
        raise CommandError("import.user_not_found", email=email)
    return user


def create_token(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts
    from hongfan.persisted import token_operation_names

    lang = language(args)
    operations = Path(args.operations).read_text(encoding="utf-8") if args.operations else None

    async def work(session: AsyncSession) -> tuple[Any, Any, str, list[str]]:
        user = await _user(session, args.email)
        token, plaintext = await accounts.issue_token(
            session,
            cli_principal(lang),
            int(user.id or 0),
            name=args.name,
            expires_days=args.expires_days,
            operations=operations,
        )
        bound = await token_operation_names(session, [int(token.id or 0)])
        return user, token, plaintext, bound.get(int(token.id or 0), [])

    user, token, plaintext, bound = in_database(settings, work)
    if token.expires_at:
        expiry = say(args, "cli.token_expires", at=f"{token.expires_at:%Y-%m-%d %H:%M}")
    else:
        expiry = say(args, "cli.token_never_expires")
    role = role_label(user.role, lang)
    print(
        say(
            args,
            "cli.token_created",
            id=token.id,
            name=token.name,
            email=user.email,
            role=role,
            expiry=expiry,
        )
    )
    if bound:
        separator = ", " if lang == "en" else "、"
        print(say(args, "cli.token_operations", count=len(bound), names=separator.join(bound)))
    print(say(args, "cli.token_shown_once"))
    print(plaintext)
    return 0


def revoke_token(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan import accounts

    async def work(session: AsyncSession) -> Any:
        ref = args.token.strip()
        if ref.startswith(accounts.TOKEN_PREFIX):
            found = await accounts.token_by_plaintext(session, ref)
            if found is None:
                raise CommandError("cli.no_such_token")
            token_id = int(found.id or 0)
        elif ref.isdigit():
            token_id = int(ref)
        else:
            raise CommandError("cli.token_reference", ref=ref)
        return await accounts.revoke_token(session, cli_principal(language(args)), token_id)

    token = in_database(settings, work)
    print(say(args, "cli.token_revoked", id=token.id, name=token.name, prefix=token.prefix))
    return 0


def list_tokens(settings: Settings, args: argparse.Namespace) -> int:
    """One tab-separated line per token, revoked and expired ones included, with the
    operations a token is bound to (as the admin's token table shows them)."""
    from hongfan import accounts
    from hongfan.persisted import token_operation_names
    from models.base import utcnow

    lang = language(args)
    actor = cli_principal(lang)

    async def work(session: AsyncSession) -> tuple[list[tuple[Any, Any]], dict[int, list[str]]]:
        users = (
            [await _user(session, args.email)]
            if args.email
            else await accounts.list_users(session, actor, limit=100_000)
        )
        rows = [
            (user, token)
            for user in users
            for token in await accounts.list_tokens(session, actor, int(user.id or 0))
        ]
        bound = await token_operation_names(session, [int(token.id or 0) for _, token in rows])
        return rows, bound

    rows, bound = in_database(settings, work)
    if not rows:
        print(say(args, "cli.no_tokens"))
        return 0
    now = utcnow()
    print(say(args, "cli.tokens_header"))
    for user, token in rows:
        if token.revoked_at is not None:
            status = say(args, "cli.token_is_revoked")
        elif token.expires_at is not None and token.expires_at <= now:
            status = say(args, "cli.token_expired")
        else:
            status = say(args, "cli.token_valid")
        expires = (
            when(token.expires_at, lang)
            if token.expires_at
            else say(args, "cli.token_never_expires")
        )
        operations = _operations(args, bound.get(int(token.id or 0), []), lang)
        print(
            f"{token.id}\t{user.email}\t{token.name}\t{token.prefix}…\t{when(token.created_at, lang)}"
            f"\t{expires}\t{when(token.last_used_at, lang)}\t{operations}\t{status}"
        )
    return 0


def _operations(args: argparse.Namespace, names: list[str], lang: str) -> str:
    """A token's allow-list in one cell: "2 个：A、B", or "不限" for an unbound token."""
    if not names:
        return say(args, "cli.token_any_operation")
    separator = ", " if lang == "en" else "、"
    return say(args, "cli.token_bound_to", count=len(names), names=separator.join(names))
