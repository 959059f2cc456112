"""Sensitive columns sealed at rest: AES-GCM, with an HMAC blind index in front (#12.4).

A sealed value is stored as ``<blind index>.<key id>.<nonce + ciphertext, base64url>``:

* the first :data:`INDEX_CHARS` characters are the blind index, HMAC-SHA256 of the
  column name and the normalised value under the keyring's index key, so equality,
  ``IN`` and uniqueness work in SQL (``substr(column, 1, 32)``, a unique expression index)
  without the database ever seeing the value;
* the rest is AES-GCM under the keyring's active key, the column name as associated
  data (a value copied into another column does not decrypt), the key id in front so
  older keys still open what they sealed (``hongfan keys rotate`` re-seals with the active).

The column type :class:`Sealed` does it on every write and read, whatever path writes
(ORM, Core, bulk inserts) — and its comparator turns ``column == value`` and
``column.in_(values)`` into comparisons of blind indexes. Any other comparison
(``LIKE``, ``<``) is refused: there is nothing to compare. A value that is not sealed
or does not open with the keyring is an error, never returned as it is.
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

INDEX_CHARS = 32  # 16 bytes of HMAC, hex
ERASED = "\u2400erased"  # a tombstone: what an anonymised person's sealed columns hold
SEALED_LENGTH = 255


class KeyringError(RuntimeError):
    """The keys are missing, malformed, or do not open what the database holds."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _unb64(text: str) -> bytes:
    """``base64.urlsafe_b64decode`` of unpadded text, without its per-call overhead (an
    export decodes three sealed values a row)."""
    data = text.encode("ascii").translate(_URLSAFE)
    return binascii.a2b_base64(data + b"=" * (-len(data) % 4))


@dataclass(frozen=True)
class Keyring:
    """The active key id, every key still able to open data, and the blind-index key."""

    active: str
    keys: dict[str, bytes] = field(repr=False)
    index_key: bytes = field(repr=False)

    @classmethod
    def generate(cls, key_id: str = "k1") -> Keyring:
        return cls(key_id, {key_id: AESGCM.generate_key(bit_length=256)}, secrets.token_bytes(32))

    @classmethod
    def from_json(cls, text: str, source: str) -> Keyring:
        try:
            data = json.loads(text)
            keys = {str(k): _unb64(str(v)) for k, v in data["keys"].items()}
            ring = cls(str(data["active"]), keys, _unb64(str(data["index_key"])))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise KeyringError("keys.malformed", source=source) from error
        if (
            ring.active not in ring.keys
            or any(len(k) != 32 for k in ring.keys.values())
            or len(ring.index_key) < 32
        ):
            raise KeyringError("keys.malformed", source=source)
        return ring

    def to_json(self) -> str:
        keys = {k: _b64(v) for k, v in self.keys.items()}
        return (
            json.dumps(
                {"active": self.active, "keys": keys, "index_key": _b64(self.index_key)}, indent=2
            )
            + "\n"
        )

    def with_new_active(self, key_id: str) -> Keyring:
        if key_id in self.keys:
            raise KeyringError("keys.exists", key=key_id)
        return Keyring(
            key_id, {**self.keys, key_id: AESGCM.generate_key(bit_length=256)}, self.index_key
        )

    @classmethod
    def load(cls, path: Path) -> Keyring:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise KeyringError("keys.unreadable", source=str(path)) from error
        return cls.from_json(text, str(path))

    def save(self, path: Path) -> None:
        """Write the keyring readable by its owner only (created with mode 0600)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(self.to_json())


_KEYRING: Keyring | None = None


def install(keyring: Keyring) -> None:
    """The keyring every sealed column uses in this process."""
    global _KEYRING
    _KEYRING = keyring


@functools.lru_cache(maxsize=16)
def _cipher(key: bytes) -> AESGCM:
    """One AES-GCM object per key (building it costs as much as a decryption; a large
    export opens three sealed columns a row)."""
    return AESGCM(key)


def keyring() -> Keyring:
    if _KEYRING is None:
        raise KeyringError("keys.not_loaded")
    return _KEYRING


def normalise(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    return "".join(str(value).split()).upper()


def blind(column: str, value: Any) -> str:
    """The blind index of ``value`` in ``column``: what equality and uniqueness compare."""
    mac = hmac.new(keyring().index_key, f"{column}\x00{normalise(value)}".encode(), hashlib.sha256)
    return mac.hexdigest()[:INDEX_CHARS]


def seal(column: str, value: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    nonce = secrets.token_bytes(12)
    sealed = _cipher(ring.keys[ring.active]).encrypt(nonce, value.encode(), column.encode())
    index = hmac.new(
        ring.index_key, f"{column}\x00{normalise(value)}".encode(), hashlib.sha256
    ).hexdigest()
    return f"{index[:INDEX_CHARS]}.{ring.active}.{_b64(nonce + sealed)}"


def key_id_of(stored: str) -> str | None:
    parts = stored.split(".")
    return parts[1] if len(parts) == 3 else None


def unseal(column: str, stored: str, ring: Keyring | None = None) -> str:
    ring = ring or keyring()
    parts = stored.split(".")
    if len(parts) != 3 or len(parts[0]) != INDEX_CHARS:
        raise KeyringError("keys.not_sealed", column=column)
    key = ring.keys.get(parts[1])
    if key is None:
        raise KeyringError("keys.unknown_key", key=parts[1], column=column)
    blob = _unb64(parts[2])
    try:
        return _cipher(key).decrypt(blob[:12], blob[12:], column.encode()).decode()
    except InvalidTag as error:
        raise KeyringError("keys.wrong_key", key=parts[1], column=column) from error


def index_of(column: Any) -> sa.ColumnElement[Any]:
    """The blind-index part of a sealed column, as SQL."""
    return sa.func.substr(column, 1, INDEX_CHARS)


class Sealed(TypeDecorator[Any]):
    """A column stored sealed; reads and writes see the value, SQL sees ciphertext."""

    impl = sa.String(SEALED_LENGTH)
    cache_ok = True

    def __init__(self, column: str, enum_cls: type[enum.Enum] | None = None) -> None:
        super().__init__()
        self.column = column
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, enum.Enum):
            value = value.value
        return seal(self.column, str(value))

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        clear = unseal(self.column, str(value))
        if clear.startswith(ERASED):
            return None  # anonymised on request (hongfan.erasure): nothing left to show
        return self.enum_cls(clear) if self.enum_cls is not None else clear

    class comparator_factory(TypeDecorator.Comparator[Any]):  # noqa: N801 (SQLAlchemy's name)
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> Any:
            column: str = self.type.column  # type: ignore[attr-defined]
            if op in (operators.is_, operators.is_not) or (
                op in (operators.eq, operators.ne) and other and other[0] is None
            ):
                return super().operate(op, *other, **kwargs)
            if op in (operators.eq, operators.ne) and other and other[0] is not None:
                literal = sa.literal(blind(column, other[0]), sa.String())
                return (
                    index_of(self.expr) == literal
                    if op is operators.eq
                    else index_of(self.expr) != literal
                )
            if op in (operators.in_op, operators.not_in_op) and other:
                wanted = [sa.literal(blind(column, v), sa.String()) for v in other[0]]
                found = index_of(self.expr).in_(wanted)
                return found if op is operators.in_op else sa.not_(found)
            raise KeyringError("keys.sealed_operator", column=column)
