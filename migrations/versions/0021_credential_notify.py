"""A change to what a bearer token grants is announced to every app process (#16.6).

Processes remember who a token is for a few seconds (``hongfan.credential_cache``) and
forget it the moment PostgreSQL tells them, on the channel ``hongfan_credentials``, that
a token, an account or an organisation's place in the tree changed — whoever wrote it
(the app, the command line, a hand-written SQL statement). The notification is sent by
statement-level triggers, delivered when the writing transaction commits (and once per
transaction, however many rows changed). The columns are those the token lookup reads:
the token's digest, owner, revocation and expiry; the account's e-mail (its audit name),
role, organisation, company and whether it is active; an organisation's path. A token's
last use and an account's last sign-in are not among them, so recording them is silent.
SQLite: nothing to do (processes there keep nothing).

Revision ID: 0021_credential_notify
Revises: 0020_name_statistics
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_credential_notify"
down_revision: str | Sequence[str] | None = "0020_name_statistics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "hongfan_credentials"
WATCHED: dict[str, tuple[str, ...]] = {
    "api_token": ("token_hash", "user_id", "revoked_at", "expires_at"),
    "app_user": ("email", "role", "organisation_id", "company_id", "is_active"),
    "organisation": ("path",),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        sa.text(
            "CREATE FUNCTION hongfan_credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
        )
    )
    for table, columns in WATCHED.items():
        op.execute(
            sa.text(
                f"CREATE TRIGGER credentials_{table} AFTER UPDATE OF {', '.join(columns)}"
                f" OR DELETE OR TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION hongfan_credentials_changed()"
            )
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in WATCHED:
        op.execute(sa.text(f"DROP TRIGGER IF EXISTS credentials_{table} ON {table}"))
    op.execute(sa.text("DROP FUNCTION IF EXISTS hongfan_credentials_changed()"))
