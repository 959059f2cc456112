"""Writing a checked file in one transaction, in batches: all rows or none.

The rows were checked by :mod:`hongfan.transfer.checking` with crud's own steps; here
they are written as crud writes them — authorship, version 1, the materialised path
of organisations, one audit entry per record with the values written — but as
multi-row INSERTs (``insertmanyvalues``) instead of one flush per row. Updates are
version-checked (``UPDATE … WHERE version = read``), so a record changed by someone
since the check fails the whole import instead of losing their change; an update that
moves an organisation or changes a record's organisation goes through
:func:`hongfan.crud.update` itself, which moves the subtree and the children.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import crud, redaction
from hongfan.errors import Conflict, FieldError, Forbidden, HongfanError, Invalid
from hongfan.levels import check_levels
from hongfan.transfer.checking import Checked, Create, Update
from models import pinyin
from models.audit import AuditEntry
from models.base import Record, utcnow
from models.messages import message

Progress = Callable[[int, int], Awaitable[None]]
BATCH = 1000


class WriteConflict(Exception):
    """The database changed between the check and the write; nothing was written."""


async def write_checked(
    session: AsyncSession,
    model: type[Record],
    checked: Checked,
    *,
    request_id: str,
    progress: Progress | None = None,
) -> dict[int, int]:
    """Write every create and update of ``checked``; the ids created, by spreadsheet row."""
    principal = session.info["principal"]
    writer = _Writer(session, model, principal.actor, request_id)
    total = len(checked.creates) + len(checked.updates)
    done = 0
    for batch in _batches(checked.creates):
        await writer.create(batch)
        done += len(batch)
        if progress is not None:
            await progress(done, total)
    for start in range(0, len(checked.updates), BATCH):
        chunk = checked.updates[start : start + BATCH]
        await writer.update(chunk)
        done += len(chunk)
        if progress is not None:
            await progress(done, total)
    await writer.flush_audit()
    return writer.created


def _batches(creates: list[Create]) -> list[list[Create]]:
    """Creates in the order checked (file order, but a new organisation after the new parent
    it names: :mod:`hongfan.transfer.forward`), in batches of up to :data:`BATCH`; an
    organisation whose parent is created by the same file starts a new batch after that
    parent's."""
    batches: list[list[Create]] = [[]]
    pending: set[int] = set()
    for create in creates:
        parent = create.values.get("parent_id")
        if len(batches[-1]) >= BATCH or (isinstance(parent, int) and parent in pending):
            batches.append([])
            pending.clear()
        batches[-1].append(create)
        if create.placeholder is not None:
            pending.add(create.placeholder)
    return [b for b in batches if b]


class _Writer:
    def __init__(
        self, session: AsyncSession, model: type[Record], actor: str, request_id: str
    ) -> None:
        self.session = session
        self.model = model
        self.table = model.__table__  # type: ignore[attr-defined]
        self.actor = actor
        self.author: int | None = session.info["principal"].user_id  # authorship: a user reference
        self.request_id = request_id
        self.created: dict[int, int] = {}  # spreadsheet row → new id
        self.real: dict[int, tuple[int, str]] = {}  # placeholder → (id, path)
        self.audit: list[dict[str, Any]] = []
        self.is_tree = model.__entity__.scope == "path"

    async def create(self, batch: list[Create]) -> None:
        now = utcnow()
        defaults = {
            **self._defaults(),
            "created_by": self.author,
            "updated_by": self.author,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        ids = await self._allocate_ids(len(batch))
        rows = []
        for create, new_id in zip(batch, ids, strict=True):
            values = self._real_ids(create.values)
            # The derived pinyin columns, as every other write path computes them.
            rows.append(
                {**defaults, **values, **pinyin.derived_values(self.model, values), "id": new_id}
            )
        if self.is_tree:
            for create, row in zip(batch, rows, strict=True):
                row["path"] = f"{await self._parent_path(row.get('parent_id'))}{row['id']}/"
                if create.placeholder is not None:
                    self.real[create.placeholder] = (row["id"], row["path"])
        # One multi-row INSERT with ids taken up front: no RETURNING round trip per row.
        await self.session.execute(sa.insert(self.table), rows)
        if self.is_tree:  # the level rule crud applies (hongfan.levels), once the rows exist
            await self._check_levels(batch, rows)
        for create, row in zip(batch, rows, strict=True):
            self.created[create.row] = row["id"]
            written = dict(create.values)
            if self.is_tree:
                written["parent_id"] = row.get("parent_id")
            self._note(
                "create", row["id"], {k: [None, crud._jsonable(v)] for k, v in written.items()}, row
            )

    async def _check_levels(self, batch: list[Create], rows: list[dict[str, Any]]) -> None:
        """Each new organisation lies below the levelled ones above it, or the whole import
        fails (nothing is written) naming the spreadsheet row: a district under a street
        would make the district figures count its rows nowhere."""
        lang = crud._lang(self.session)
        for create, row in zip(batch, rows, strict=True):
            try:
                await check_levels(self.session, self.model, row, {}, None, lang)
            except Invalid as error:
                raise RowRefused(create.row, error) from None

    async def _allocate_ids(self, count: int) -> list[int]:
        """``count`` new primary keys: from the sequence on PostgreSQL; on SQLite, after the
        largest id (this transaction holds SQLite's write lock, so nobody else inserts)."""
        name = self.table.name
        if self.session.get_bind().dialect.name == "postgresql":
            found = await self.session.execute(
                sa.text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
                ),
                {"table": name, "n": count},
            )
            return [int(i) for i in found.scalars().all()]
        largest = (await self.session.execute(sa.select(sa.func.max(self.table.c.id)))).scalar()
        start = int(largest or 0) + 1
        return list(range(start, start + count))

    def _defaults(self) -> dict[str, Any]:
        """The model's defaults for every column a row leaves out (as ``model(**row)`` would)."""
        fields = self.model.model_fields
        return {
            name: fields[name].get_default(call_default_factory=True)
            for name in (c.name for c in self.table.columns)
            if name != "id" and name in fields
        }

    async def _parent_path(self, parent_id: int | None) -> str:
        if parent_id is None:
            return "/"
        for real_id, path in self.real.values():
            if real_id == parent_id:
                return path
        found = await self.session.execute(
            sa.select(self.table.c.path).where(self.table.c.id == parent_id)
        )
        return str(found.scalar_one())

    async def update(self, batch: list[Update]) -> None:
        for update in batch:
            record = update.record
            before = crud.snapshot(record)
            values = {k: v for k, v in self._real_ids(update.values).items() if before.get(k) != v}
            if not values:
                continue  # a blind (masked) cell that held the stored value after all
            tree_change = self.is_tree and ("parent_id" in values or "level" in values)
            if tree_change or "organisation_id" in values:
                # Moves a subtree or a record's children, or re-levels an organisation (the
                # level rule, hongfan.levels): crud's own update does that.
                try:
                    await crud.update(self.session, self.model, record.id, record.version, values)
                except (Invalid, Forbidden) as error:
                    raise RowRefused(update.row, error) from None
                continue
            now = utcnow()
            result = await self.session.execute(
                sa.update(self.table)
                .where(self.table.c.id == record.id, self.table.c.version == record.version)
                .values(
                    **values,
                    **pinyin.derived_values(self.model, values),  # a renamed record's search text
                    version=record.version + 1,
                    updated_at=now,
                    updated_by=self.author,
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise WriteConflict(record.id)
            changes = {
                k: [crud._jsonable(before.get(k)), crud._jsonable(v)] for k, v in values.items()
            }
            self._note("update", int(record.id), changes, {**before, **values})

    def _real_ids(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` with a new parent the file created (its placeholder, a negative id,
        :class:`~hongfan.transfer.checking.Create`) as the id it was written with — each new
        organisation is written after its new parent, and every update after them all."""
        parent = values.get("parent_id")
        if self.is_tree and isinstance(parent, int) and parent < 0:
            return {**values, "parent_id": self.real[parent][0]}
        return values

    def _note(
        self, action: str, record_id: int, changes: dict[str, Any], row: dict[str, Any]
    ) -> None:
        organisation = record_id if self.is_tree else row.get("organisation_id")
        self.audit.append(
            {
                "actor": self.actor,
                "action": action,
                "entity": self.model.__entity__.type_name,
                "record_id": record_id,
                "changes": redaction.seal_changes(self.model, changes),
                "request_id": self.request_id,
                "organisation_id": organisation,
                "at": utcnow(),
            }
        )

    async def flush_audit(self) -> None:
        table = AuditEntry.__table__  # type: ignore[attr-defined]
        for start in range(0, len(self.audit), BATCH):
            await self.session.execute(sa.insert(table), self.audit[start : start + BATCH])
        self.audit.clear()


class RowRefused(Invalid):
    """The write refused one row of the file (nothing is written): ``errors[0]`` is the
    refusal, as crud worded it; ``row`` the spreadsheet row it is filed under."""

    def __init__(self, row: int, error: HongfanError) -> None:
        super().__init__(error.errors[:1])
        self.row = row
        self.after_rollback = error.after_rollback  # a probe's audit entry outlives the rollback


def conflict_error(lang: str) -> FieldError:
    return FieldError("", "import.changed_meanwhile", message("import.changed_meanwhile", lang))


__all__ = ["BATCH", "Conflict", "RowRefused", "WriteConflict", "conflict_error", "write_checked"]
