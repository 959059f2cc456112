"""Sealing values as revision 0012_sealed did it (frozen copy of ``models/sealed.py``).

``<blind index, 32 hex>.<key id>.<base64url(nonce + AES-GCM ciphertext)>``, the column
name as associated data and in the blind index. The keyring comes from the migration
command (``config.attributes["keyring"]``, JSON), never from the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

INDEX_CHARS = 32


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Ring:
    def __init__(self, text: str) -> None:
        data: dict[str, Any] = json.loads(text)
        self.active = str(data["active"])
        self.keys = {str(k): _unb64(str(v)) for k, v in data["keys"].items()}
        self.index_key = _unb64(str(data["index_key"]))

    def seal(self, column: str, value: str) -> str:
        normalised = "".join(value.split()).upper()
        index = hmac.new(
            self.index_key, f"{column}\x00{normalised}".encode(), hashlib.sha256
        ).hexdigest()
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, value.encode(), column.encode())
        return f"{index[:INDEX_CHARS]}.{self.active}.{_b64(nonce + sealed)}"

    def unseal(self, column: str, stored: str) -> str:
        _, key_id, blob = stored.split(".")
        raw = _unb64(blob)
        return AESGCM(self.keys[key_id]).decrypt(raw[:12], raw[12:], column.encode()).decode()


def ring_from(config: Any) -> Ring:
    text = config.attributes.get("keyring") if config is not None else None
    if not text:
        raise RuntimeError(
            "0012_sealed encrypts ID numbers, phones and family categories: run it with "
            "`hongfan db upgrade` (which loads the keyring), not alembic directly"
        )
    return Ring(str(text))
