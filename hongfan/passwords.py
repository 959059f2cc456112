"""Password hashing with argon2id (argon2-cffi), and readable generated passwords.

``verify`` never raises for a wrong password or a malformed hash: it answers
False. :func:`verify_nothing` spends the same time as a real verification, so
a login for an unknown e-mail address takes as long as one with a wrong
password and the timing tells nothing about which accounts exist.

Hashing is deliberately slow (tens of milliseconds, 64 MiB); async callers run
these functions in a worker thread (``asyncio.to_thread``).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults: RFC 9106's low-memory profile (argon2id, t=3, m=64 MiB, p=4).
_hasher = PasswordHasher()

# A hash of a random password nobody knows, with the same parameters as real ones:
# what unknown accounts are verified against.
DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_LENGTH = 10
MAX_LENGTH = 256  # long enough for any passphrase, short enough not to be a DoS vector

# Unambiguous characters: no 0/O, 1/l/I, 2/Z, 5/S.
_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRTUVWXY346789"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; constant time, never raises."""
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_nothing(password: str) -> bool:
    """Spend a verification's time on no account; always False."""
    verify(DUMMY_HASH, password)
    return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's (rehash at login)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def generate_password(groups: int = 4, size: int = 5) -> str:
    """A random password people can read out and type: ``Kq7xe-9TfmA-…`` (23 characters)."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(size)) for _ in range(groups))


__all__ = [
    "DUMMY_HASH",
    "MAX_LENGTH",
    "MIN_LENGTH",
    "generate_password",
    "hash_password",
    "needs_rehash",
    "verify",
    "verify_nothing",
]
