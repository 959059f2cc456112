"""Import and export pages (filled in below)."""

from __future__ import annotations

from typing import Any


def routes(signed_in: Any) -> list[Any]:
    return []
