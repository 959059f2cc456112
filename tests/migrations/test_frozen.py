"""Migrations are frozen history: none of them reads the live models or the application.

Given the migration scripts (and the frozen helpers they may use), when their imports are
read, then none names ``models``, ``hongfan``, ``graph`` or ``admin_ui``: a record type
added later, or a changed registry, can never change what an old revision builds (a
fresh PostgreSQL install once failed at 0003 because it indexed a table that did not
exist yet).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import migrations

LIVE = ("models", "hongfan", "graph", "admin_ui")
ROOT = Path(migrations.__file__).parent
SCRIPTS = sorted((ROOT / "versions").glob("*.py")) + sorted((ROOT / "frozen").glob("*.py"))


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            names.extend(a.value for a in node.args[:1] if isinstance(a, ast.Constant))
    return names


def test_there_are_migrations_to_check() -> None:
    assert len(SCRIPTS) >= 7


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_migration_imports_nothing_live(script: Path) -> None:
    live = [name for name in _imports(script) if name.split(".")[0] in LIVE]
    assert live == [], f"{script.name} imports the live application: {live}"


def test_a_migration_names_no_live_module_in_its_code() -> None:
    """``models.base.UTCDateTime()`` in a column would need ``import models.base``."""
    offenders = []
    for script in SCRIPTS:
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id in LIVE:
                    offenders.append(f"{script.name}:{node.lineno}")
    assert offenders == []


def test_the_migration_template_imports_nothing_live() -> None:
    template = (ROOT / "script.py.mako").read_text(encoding="utf-8")
    assert not [
        line
        for line in template.splitlines()
        if line.startswith(("import ", "from ")) and line.split()[1].split(".")[0] in LIVE
    ]
