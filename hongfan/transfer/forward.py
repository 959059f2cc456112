"""Organisation rows matched and registered in an order where every parent comes first, so a
row may name as its 上级组织 an organisation any row of the same file creates — an earlier
row or a later one.

A row whose parent is not found yet waits for a new organisation of that name; when a row
creates one (:meth:`~hongfan.transfer.checking.Checker.organisation_row`), the rows waiting
for it are taken up again. Rows still waiting at the end keep their error — unless their
parents, through other waiting rows, lead back to themselves: a loop of new organisations,
refused naming the row it goes through. The commit writes the new organisations in the
order they were registered here (:func:`written_order`), each after its parent.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from hongfan.transfer.checking import Checker, Create, _Row
from hongfan.transfer.references import SEPARATORS, name_key

NOT_FOUND = "import.reference"


def match_organisations(checker: Checker, rows: list[_Row]) -> None:
    """Resolve, key and match every organisation row; a new one joins the index."""
    placeholders = iter(range(-1, -len(rows) - 2, -1))

    def next_placeholder() -> int:
        return next(placeholders)

    waiting: dict[str, list[_Row]] = {}  # a parent's name key → rows that wait for it
    queue = deque(rows)
    while queue:
        row = queue.popleft()
        before = len(row.errors)
        checker.resolve(row)
        wanted = _waits_for(checker, row, row.errors[before:])
        if wanted is not None:
            del row.errors[before:]
            row.unresolved = False
            waiting.setdefault(wanted, []).append(row)
            continue
        row.key = checker.key_of(row)
        checker.organisation_row(row, next_placeholder)
        if row.placeholder is not None:
            queue.extend(waiting.pop(name_key(str(row.data.get("name"))), []))
    left = sorted((r for rs in waiting.values() for r in rs), key=lambda r: r.number)
    for row in left:
        checker.resolve(row)  # the error it waited with: not found
        row.key = checker.key_of(row)
        checker.organisation_row(row, next_placeholder)  # matched by its code, or not at all
    _refuse_loops(checker, left)


def _waits_for(checker: Checker, row: _Row, errors: list[Any]) -> str | None:
    """The name key of the parent ``row`` could wait for: its only problem is one
    organisation not found (yet)."""
    columns = [c for c, t in checker.targets.items() if t == "Organisation"]
    headers = {checker.plan.header(c) for c in columns}
    if len(errors) != 1 or errors[0].code != NOT_FOUND or errors[0].column not in headers:
        return None
    text = next(
        (t for c in columns if (t := row.texts.get(c)) and not checker.refs.organisations.find(t)),
        None,
    )
    return _named(text)


def _named(reference: str | None) -> str | None:
    """The name key of the organisation a reference (厦门市/思明区/新站) names last."""
    parts = [s for s in SEPARATORS.split(reference or "") if s.strip()]
    return name_key(parts[-1]) if parts else None


def _refuse_loops(checker: Checker, left: list[_Row]) -> None:
    """A waiting row whose parent is another waiting row, whose parent … is the first again:
    its not-found error becomes the loop, naming the row its parent would be."""
    column = next((c for c, t in checker.targets.items() if t == "Organisation"), None)
    if column is None:
        return
    header = checker.plan.header(column)
    named: dict[str, _Row] = {}
    for row in left:
        if row.existing is None and isinstance(row.data.get("name"), str):
            named.setdefault(name_key(row.data["name"]), row)
    parent: dict[int, _Row] = {}
    for row in left:
        key = _named(row.texts.get(column))
        found = named.get(key) if key is not None else None
        if found is not None:
            parent[row.number] = found
    for row in left:
        seen: set[int] = set()
        step: _Row | None = row
        while step is not None and step.number not in seen:
            seen.add(step.number)
            step = parent.get(step.number)
        if step is row:
            text = row.texts.get(column)
            row.errors = [e for e in row.errors if not (e.column == header and e.code == NOT_FOUND)]
            row.errors.insert(
                0,
                checker.error(
                    column, "import.parent_loop", value=text, row=parent[row.number].number
                ),
            )


def written_order(create: Create) -> float:
    """Sort key: the new organisations in the order they were registered (a parent first)."""
    return -create.placeholder if create.placeholder is not None else float("inf")


__all__ = ["match_organisations", "written_order"]
