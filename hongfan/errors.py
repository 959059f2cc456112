"""Errors the write path raises; every surface turns them into field-level messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.messages import message


@dataclass(frozen=True)
class FieldError:
    field: str  # column name (snake_case); surfaces may rename it
    code: str
    message: str


class HongfanError(Exception):
    """Base: carries field errors already rendered in the caller's language."""

    code = "error"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors
        # Audit entries that must outlive the failed write's rollback (e.g. a probe of a
        # unique personal value); hongfan.db.Database.transaction writes them afterwards.
        self.after_rollback: list[Any] = []

    @classmethod
    def of(cls, field: str, code: str, lang: str, **params: Any) -> HongfanError:
        return cls([FieldError(field, code, message(code, lang, **params))])


class Invalid(HongfanError):
    code = "invalid"


class NotFound(HongfanError):
    code = "not_found"


class Forbidden(HongfanError):
    code = "forbidden"


class Conflict(HongfanError):
    code = "conflict"

    def __init__(self, errors: list[FieldError], current: Any = None) -> None:
        super().__init__(errors)
        self.current = current  # the record as it is now, for a side-by-side view
