"""Which fields of an edit form the user changed, without personal data in the page.

An edit form carries, in one hidden input, a keyed digest of each field's value as the
form showed it (HMAC-SHA256 under the app's secret, bound to the table, record and
column, shortened). On save, a field whose submitted value digests to the same is one
the user left alone: only the others are the user's changes. On a version conflict the
current record's digests tell which of those changes someone else also made (a real
conflict) and the re-offered form carries the current record's digests, so "save mine
over theirs" writes only the user's own changes onto what is saved now.

A field the user may not read in clear (masked, hidden or sealed for her: hongfan.access)
is shown blank, and is only ever compared with that blank — never with its real value,
neither through a digest nor on the conflict page. Otherwise the answer to a save (nothing
to save / conflict / saved) would tell her whether a guessed phone number or family
category is the stored one. Any value she types into such a field is her change.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from typing import Any

from hongfan import access
from hongfan.principal import Principal
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


def as_shown(field: dict[str, Any] | None, value: Any) -> Any:
    """A submitted value as the form's ``field`` (admin_ui.forms.form_fields) shows it: a
    choice's or a chosen record's label rather than its code or id; a bool as is (the page
    says yes/no)."""
    if field is None or isinstance(value, bool):
        return value
    return dict(field["options"]).get(canonical(value), value)


def in_clear(principal: Principal, model: type[Record], column: str) -> bool:
    """Whether the form shows ``column``'s value to ``principal`` (else it shows a blank)."""
    return access.can_read_column(principal, model, column)


def shown(principal: Principal, record: Record, column: str) -> Any:
    """``column`` of ``record`` as the edit form shows it: the value, or None (blank) when
    ``principal`` may not read it in clear."""
    return getattr(record, column) if in_clear(principal, type(record), column) else None


def digest(secret: str, model: type[Record], pk: int, column: str, value: Any) -> str:
    raw = f"{model.__tablename__}|{pk}|{column}|{canonical(value)}"
    mac = hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()
    return mac[:_DIGEST_CHARS]


def loaded_digests(secret: str, principal: Principal, record: Record, columns: list[str]) -> str:
    """The hidden input's value: ``column:digest`` for each column, comma-separated; the
    digest of what the form shows (a blank for a value not read in clear)."""
    model = type(record)
    return ",".join(
        f"{c}:{digest(secret, model, record.id, c, shown(principal, record, c))}"  # type: ignore[arg-type]
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
    secret: str,
    principal: Principal,
    model: type[Record],
    pk: int,
    loaded: dict[str, str],
    data: dict[str, Any],
) -> dict[str, Any]:
    """The submitted fields whose value differs from the one the form was loaded with.

    A field the form did not carry a digest for counts as changed (nothing to compare). A
    field not read in clear is compared with the blank the form showed, whatever digest the
    form carries (one made before this rule held the real value's): typed in, it is a change."""

    def changed(column: str, value: Any) -> bool:
        if not in_clear(principal, model, column):
            return canonical(value) != ""
        if column not in loaded:
            return True
        return not hmac.compare_digest(loaded[column], digest(secret, model, pk, column, value))

    return {column: value for column, value in data.items() if changed(column, value)}


def changed_since_loaded(
    secret: str, principal: Principal, current: Record, loaded: dict[str, str], columns: list[str]
) -> set[str]:
    """The columns whose value, as the form shows it, is no longer the one the user's form
    was loaded with. A value not read in clear is never compared: it always shows blank."""
    model = type(current)
    return {
        c
        for c in columns
        if c in loaded
        and in_clear(principal, model, c)
        and not hmac.compare_digest(
            loaded[c],
            digest(secret, model, current.id, c, getattr(current, c)),  # type: ignore[arg-type]
        )
    }
