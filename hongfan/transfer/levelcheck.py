"""The level rule over a whole file before anything is written, as the commit applies it;
and no move under the organisation itself or one of its own sub-units (crud's "cycle").

:func:`hongfan.levels.out_of_order` is the rule; here it is fed from the organisations in
memory (the file's index: the caller's organisations and ancestors, plus the ones the file
creates) instead of the database, so a preview refuses what the commit would — a
blank-level organisation under a street and a district under that, in the same file or
under an existing blank one, or an existing organisation re-levelled or moved over the
levels below it.

The commit (:mod:`hongfan.transfer.bulk`) writes the new organisations first, in file
order save that each comes after a new parent it names, then the updates, in file order; each is checked against the tree as the writes
before it left it. This check takes them in that order too: a new organisation against its
ancestors as they stand (existing ones with their stored level), then each move or level
change against its new ancestors and its subtree — new organisations and earlier moves of
the file included, and soft-deleted organisations below it, which the commit counts too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from hongfan.levels import OVER_CHILDREN, OutOfOrder, level_kind, out_of_order
from hongfan.transfer.checking import Checked, Checker, Create
from hongfan.transfer.references import OrganisationIndex

Node = tuple[str, int | None, Any]  # name, parent id, level


class _Tree:
    """The organisations as the file leaves them so far: the index, with the soft-deleted
    ones and the file's moves and level changes on top."""

    def __init__(self, index: OrganisationIndex) -> None:
        self.index = index
        self.changed: dict[int, Node] = {}  # moved, re-levelled or soft-deleted, by id
        self._children: dict[int | None, set[int]] | None = None

    def node(self, org_id: int) -> Node | None:
        if org_id in self.changed:
            return self.changed[org_id]
        org = self.index.orgs.get(org_id)
        return None if org is None else (org.name, org.parent_id, org.level)

    def ancestry(self, org_id: int | None) -> Iterator[tuple[int, Node | None]]:
        """``org_id`` and its ancestors, nearest first, with their nodes (None past what is
        known: the walk stops there, and at a loop)."""
        seen: set[int] = set()
        while org_id is not None and org_id not in seen:
            seen.add(org_id)
            node = self.node(org_id)
            yield org_id, node
            org_id = node[1] if node is not None else None

    def above(self, parent_id: int | None) -> list[tuple[str, Any]]:
        """(name, level) of ``parent_id`` and its ancestors, top first."""
        chain = [(n[0], n[2]) for _, n in self.ancestry(parent_id) if n is not None]
        return chain[::-1]

    def is_within(self, org_id: int | None, top: int) -> bool:
        """``org_id`` is ``top`` or lies below it (a move there would be a cycle)."""
        return any(found == top for found, _ in self.ancestry(org_id))

    def below(self, org_id: int) -> list[tuple[str, Any]]:
        """(name, level) of every organisation below ``org_id``."""
        children = self.children()
        out: list[tuple[str, Any]] = []
        pending, seen = list(children.get(org_id, ())), {org_id}
        while pending:
            child = pending.pop()
            node = self.node(child)
            if child in seen or node is None:
                continue
            seen.add(child)
            out.append((node[0], node[2]))
            pending.extend(children.get(child, ()))
        return out

    def children(self) -> dict[int | None, set[int]]:
        if self._children is None:
            self._children = {}
            for org_id in [*self.index.orgs, *self.changed]:
                node = self.node(org_id)
                if node is not None:
                    self._children.setdefault(node[1], set()).add(org_id)
        return self._children

    def place(self, org_id: int, parent_id: int | None, level: Any) -> None:
        old = self.node(org_id)
        children = self.children()
        if old is not None:
            children.get(old[1], set()).discard(org_id)
        children.setdefault(parent_id, set()).add(org_id)
        self.changed[org_id] = (old[0] if old else "", parent_id, level)

    async def add_deleted(self, checker: Checker) -> None:
        """The soft-deleted organisations (not in the index): the commit's check counts
        the levels below an organisation whether they are deleted or not."""
        table = checker.model.__table__  # type: ignore[attr-defined]
        found = await checker.session.execute(
            sa.select(table.c.id, table.c.name, table.c.parent_id, table.c.level).where(
                table.c.deleted_at.is_not(None)
            )
        )
        for org_id, name, parent_id, level in found.all():
            if int(org_id) not in self.index.orgs:
                self.changed[int(org_id)] = (name, parent_id, level)
        self._children = None


async def check_file_levels(checker: Checker, checked: Checked) -> None:
    """Each organisation the file creates, moves or re-levels keeps the levels in order
    (:func:`hongfan.levels.out_of_order`), in the order the commit writes them; an error
    on the row otherwise, naming the organisation in the way, and the row is not written.
    A move under the organisation itself or below it — below as the file's new
    organisations and earlier moves leave the tree — is refused as crud refuses it."""
    kind = level_kind(checker.model)
    if kind is None or not (checked.creates or checked.updates):
        return
    tree = _Tree(checker.refs.organisations)
    outcomes = {o.row: o for o in checked.report.rows}
    failed: set[int] = set()

    def refuse(row: int, column: str, problem: OutOfOrder) -> None:
        outcomes[row].errors.append(
            checker.error(column, problem.code, **problem.params(checker.lang))
        )
        failed.add(row)

    for create in checked.creates:
        problem = out_of_order(kind, create.values.get("level"), tree.above(_parent(create)), [])
        if problem is not None:
            refuse(create.row, "level", problem)
    moves = [
        u
        for u in checked.updates
        if any(
            k in u.values and u.values[k] != getattr(u.record, k) for k in ("level", "parent_id")
        )
    ]
    if moves:
        await tree.add_deleted(checker)
    for update in moves:
        record, values = update.record, update.values
        parent = values.get("parent_id", record.parent_id)
        level = values.get("level", record.level)
        if tree.is_within(parent, int(record.id)):
            # under itself or one of its own sub-units, as the file leaves them so far
            # (its new organisations and earlier moves included): crud's "cycle"
            outcomes[update.row].errors.append(checker.error("parent_id", "cycle"))
            failed.add(update.row)
            continue
        problem = out_of_order(kind, level, tree.above(parent), tree.below(int(record.id)))
        if problem is None:
            tree.place(int(record.id), parent, level)
            continue
        moved = "parent_id" in values and values["parent_id"] != record.parent_id
        column = "parent_id" if moved and problem.code != OVER_CHILDREN else "level"
        refuse(update.row, column, problem)
    if failed:
        checked.creates = [c for c in checked.creates if c.row not in failed]
        checked.updates = [u for u in checked.updates if u.row not in failed]


def _parent(create: Create) -> int | None:
    parent = create.values.get("parent_id")
    return int(parent) if parent is not None else None


__all__ = ["check_file_levels"]
