"""How Python names and GraphQL names map onto each other."""

from __future__ import annotations


def snake(name: str) -> str:
    """``scholarshipStudents`` → ``scholarship_students`` (strawberry camel-cases it back)."""
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def a(name: str) -> str:
    """``"an Organisation"``, ``"a Course"``: the indefinite article for a type name."""
    return ("an " if name[:1].upper() in "AEIOU" else "a ") + name
