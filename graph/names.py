"""How Python names and GraphQL names map onto each other."""

from __future__ import annotations


def snake(name: str) -> str:
    """``scholarshipStudents`` → ``scholarship_students`` (strawberry camel-cases it back)."""
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
