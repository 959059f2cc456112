"""One policy, held by the build (#11.3): role decisions live in hongfan.policy and
hongfan.access, and every surface asks those modules how a caller sees a column.

Given the production code, when a module outside hongfan.policy / hongfan.access names a
particular role (``Role.PARTNER``, ``UserRole.SUPERADMIN``, ``role == "partner"``) or reads
the policy's field table itself, then this test names the file and line, so the next
contributor adds a named question to the policy instead of another role check.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURFACES = ("hongfan", "graph", "admin_ui")
# The policy and its engine; the principal defines the roles; the demo and the CLI's
# create-admin create accounts of a given role (data, not a decision).
ALLOWED = {
    "hongfan/policy.py",
    "hongfan/access.py",
    "hongfan/principal.py",
    "hongfan/cli/users.py",
}
ALLOWED_DIRS = ("hongfan/demo/",)
ROLE_WORDS = {"superadmin", "org_admin", "editor", "viewer", "partner"}
# What only hongfan.access may read: the field table and its derived helpers.
ENGINE_ONLY = {"FIELDS_BY_ROLE", "field_mode", "_narrowed_columns", "_policy_key"}


def _modules() -> list[Path]:
    found = []
    for package in SURFACES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ALLOWED or relative.startswith(ALLOWED_DIRS):
                continue
            found.append(path)
    return found


def _role_decisions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    problems = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in {"Role", "UserRole"}
            and node.attr.lower() in ROLE_WORDS
        ):
            problems.append(f"{where}:{node.lineno} names {node.value.id}.{node.attr}")
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                if isinstance(operand, ast.Constant) and operand.value in ROLE_WORDS:
                    problems.append(f"{where}:{node.lineno} compares with {operand.value!r}")
        if isinstance(node, ast.Attribute) and node.attr in ENGINE_ONLY:
            problems.append(f"{where}:{node.lineno} reads {node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module in {"hongfan.policy", "hongfan.access"}:
            for alias in node.names:
                if alias.name in ENGINE_ONLY:
                    problems.append(f"{where}:{node.lineno} imports {alias.name}")
    return problems


def test_no_role_is_named_outside_the_policy_and_its_engine():
    problems = [p for path in _modules() for p in _role_decisions(path)]
    assert problems == [], "add a named question to hongfan/policy.py instead:\n" + "\n".join(
        problems
    )


def test_the_checker_sees_a_role_check_when_there_is_one(tmp_path: Path):
    """Given a module that decides by role, then the check above reports it."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from hongfan.principal import Role\n"
        "def f(actor):\n"
        "    return actor.role is Role.PARTNER or actor.role == 'editor'\n",
        encoding="utf-8",
    )
    found = _role_decisions(sample)
    assert len(found) == 2, found
