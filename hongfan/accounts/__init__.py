"""Account operations: users, grants, passwords, API tokens and login sessions.

Every function takes an ``AsyncSession`` the caller opened and commits (except
:func:`login`, which commits recorded failures itself before raising) and
returns model objects. Open it with :data:`AUTH` (a system principal): the
account tables are not record types and have no row scope, so the grant rules
are applied here, in :func:`may_manage`, and nowhere else:

* a system principal (CLI, demo loader) may do anything;
* a superadmin may create and change any account;
* an org admin may manage org admins, editors and viewers bound to an
  organisation inside its own subtree, and partners bound to a company whose
  organisation is inside it — both the account's current binding and the new
  one must be inside; it can never grant superadmin, nor change its own role,
  binding or active state;
* nobody else may manage accounts (a user may still rename itself, change its
  own password and manage its own API tokens).

Secrets are never stored in clear: passwords as argon2 hashes
(:mod:`hongfan.passwords`), API tokens and session ids as SHA-256 hex digests.

The package is split by concern — :mod:`.grants` (who may manage whom),
:mod:`.users`, :mod:`.tokens`, :mod:`.sessions` (sign-in, sign-out) and
:mod:`.throttling` (failed sign-ins), :mod:`.devices` (trusted browsers) — and this module re-exports the public
names, so ``from hongfan import accounts; accounts.login(...)`` keeps working.
"""

from hongfan.accounts.common import (
    AUTH,
    STAFF_ROLES,
    TOUCH_EVERY,
    digest,
    normalise_email,
    touch_due,
)
from hongfan.accounts.devices import DEVICE_COOKIE, DEVICE_DAYS, device_cookie
from hongfan.accounts.grants import Binding, current_binding, may_manage
from hongfan.accounts.sessions import (
    DEFAULT_POLICY,
    SessionEnded,
    SessionPolicy,
    login,
    logout,
    lookup_session,
    session_principal,
    touch_session,
)
from hongfan.accounts.throttling import LoginFailed, LoginRateLimited, Throttle
from hongfan.accounts.tokens import (
    MAX_TOKEN_DAYS,
    TOKEN_PREFIX,
    LiveToken,
    authenticate_token,
    issue_token,
    list_tokens,
    lookup_live_token,
    lookup_token,
    lookup_token_principal,
    revoke_token,
    token_by_plaintext,
    token_still_grants_params,
    token_still_grants_sql,
    touch_token,
    touch_token_id,
)
from hongfan.accounts.users import (
    create_user,
    get_user_by_email,
    list_users,
    principal_for,
    set_password,
    update_user,
)

__all__ = [
    "AUTH",
    "DEFAULT_POLICY",
    "DEVICE_COOKIE",
    "DEVICE_DAYS",
    "MAX_TOKEN_DAYS",
    "STAFF_ROLES",
    "TOKEN_PREFIX",
    "TOUCH_EVERY",
    "Binding",
    "LoginFailed",
    "LoginRateLimited",
    "SessionPolicy",
    "Throttle",
    "authenticate_token",
    "create_user",
    "current_binding",
    "device_cookie",
    "digest",
    "get_user_by_email",
    "issue_token",
    "list_tokens",
    "list_users",
    "login",
    "logout",
    "SessionEnded",
    "lookup_session",
    "lookup_token",
    "lookup_token_principal",
    "may_manage",
    "normalise_email",
    "principal_for",
    "revoke_token",
    "session_principal",
    "set_password",
    "token_by_plaintext",
    "touch_session",
    "token_still_grants_params",
    "token_still_grants_sql",
    "touch_due",
    "touch_token",
    "touch_token_id",
    "LiveToken",
    "lookup_live_token",
    "update_user",
]
