"""Which fields of an edit form the user changed, without personal data in the page.

An edit form carries, in one hidden input, a keyed digest of each field's value as the
form was loaded (HMAC-SHA256 under the app's secret, bound to the table, record and
column, shortened). On save, a field whose submitted value digests to the same is one
the user left alone: only the others are the user's changes. On a version conflict the
current record's digests tell which of those changes someone else also made (a real
conflict) and the re-offered form carries the current record's digests, so "save mine
over theirs" writes only the user's own changes onto what is saved now.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from typing import Any

from models.base import Record

LOADED_FIELD = "_loaded"
_DIGEST_CHARS = 16


def canonical(value: Any) -> str:
    """A value as the form shows and submits it."""
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


def digest(secret: str, model: type[Record], pk: int, column: str, value: Any) -> str:
    raw = f"{model.__tablename__}|{pk}|{column}|{canonical(value)}"
    mac = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()
    return mac[:_DIGEST_CHARS]


def loaded_digests(secret: str, record: Record, columns: list[str]) -> str:
    """The hidden input's value: ``column:digest`` for each column, comma-separated."""
    model = type(record)
    return ",".join(
        f"{c}:{digest(secret, model, record.id, c, getattr(record, c))}"  # type: ignore[arg-type]
        for c in columns
    )


def parse_loaded(raw: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in raw.split(","):
        column, _, mac = part.partition(":")
        if column and mac:
            found[column] = mac
    return found


def changed_by_user(
    secret: str, model: type[Record], pk: int, loaded: dict[str, str], data: dict[str, Any]
) -> dict[str, Any]:
    """The submitted fields whose value differs from the one the form was loaded with.

    A field the form did not carry a digest for counts as changed (nothing to compare)."""
    return {
        column: value
        for column, value in data.items()
        if column not in loaded
        or not hmac.compare_digest(loaded[column], digest(secret, model, pk, column, value))
    }


def changed_since_loaded(
    secret: str, current: Record, loaded: dict[str, str], columns: list[str]
) -> set[str]:
    """The columns whose saved value is no longer the one the user's form was loaded with."""
    model = type(current)
    return {
        c
        for c in columns
        if c in loaded
        and not hmac.compare_digest(
            loaded[c],
            digest(secret, model, current.id, c, getattr(current, c)),  # type: ignore[arg-type]
        )
    }
