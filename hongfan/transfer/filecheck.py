"""Checking a whole file: every row through :class:`~hongfan.transfer.checking.Checker`,
with the batched lookups — existing records, namesakes, unique values already taken."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import crud, probes
from hongfan.principal import Principal
from hongfan.transfer.checking import CHUNK, PROGRESS_EVERY, Checked, Checker, Progress, _Row
from hongfan.transfer.columns import Plan
from hongfan.transfer.forward import match_organisations, written_order
from hongfan.transfer.levelcheck import check_file_levels
from hongfan.transfer.references import References
from hongfan.transfer.report import ImportResult, RowOutcome
from hongfan.transfer.sheets import Table
from hongfan.transfer.values import changes, key_part
from models.base import Record


async def check_table(
    session: AsyncSession,
    principal: Principal,
    plan: Plan,
    table: Table,
    references: References,
    progress: Progress | None = None,
) -> Checked:
    """Check every row of ``table``; nothing is written."""
    checker = Checker(session, principal, plan, references)
    rows = [checker.extract(n, c) for n, c in zip(table.row_numbers, table.rows, strict=True)]
    for fk, target in checker.targets.items():
        await references.prefetch(target, [t for r in rows if (t := r.texts.get(fk))])
    if checker.type_name == "Organisation":
        match_organisations(checker, rows)  # a parent any row of the file creates, too
    else:
        for row in rows:
            checker.resolve(row)
            row.key = checker.key_of(row)
    existing = {} if checker.type_name == "Organisation" else await checker.load_existing(rows)
    if checker.type_name == "Organisation":
        ids = [r.existing.id for r in rows if r.existing is not None]
        loaded = await load_by_ids(session, checker.model, ids)
        for row in rows:
            row.existing = loaded.get(row.existing.id) if row.existing is not None else None
    checked = Checked(
        ImportResult(
            type_name=checker.type_name,
            rows=[],
            ignored_headers=plan.ignored,
            header_row=table.header_row,
            group_row=table.group_row,
        )
    )
    seen: dict[Any, int] = {}
    total = len(rows)
    for done, row in enumerate(rows, start=1):
        if checker.type_name != "Organisation" and row.key is not None:
            found = existing.get(row.key, [])
            row.existing = (
                found[0] if len(found) == 1 else (pick(checker, found, row) if found else None)
            )
            if len(found) > 1 and row.existing is None:
                row.errors.append(checker.error("", "import.ambiguous_key"))
        checked.report.rows.append(_outcome(checker, checked, row, seen))
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            await progress(done, total)
    checked.creates.sort(key=written_order)  # a new organisation after its new parent
    await check_file_levels(checker, checked)
    await check_unique(checker, checked)
    checked.probes = checker.probes
    return checked


def _outcome(checker: Checker, checked: Checked, row: _Row, seen: dict[Any, int]) -> RowOutcome:
    identity = ("record", row.existing.id) if row.existing is not None else row.key
    if identity is not None and not row.unresolved:
        first = seen.get(identity)
        if first is not None:
            row.errors.append(checker.error("", "import.duplicate_row", row=first))
        else:
            seen[identity] = row.number
    if row.existing is None:
        if row.errors:
            row.errors += checker.value_errors(row)  # the other columns' problems too
            return RowOutcome(row.number, "create", row.errors, None, row.warnings)
        create = checker.check_create(row)
        if create is not None:
            checked.creates.append(create)
        return RowOutcome(row.number, "create", row.errors, None, row.warnings)
    if row.errors:
        return RowOutcome(row.number, "update", row.errors, row.existing.id, row.warnings)
    update, shown = checker.check_update(row, row.existing)
    if update is not None:
        checked.updates.append(update)
        return RowOutcome(row.number, "update", row.errors, row.existing.id, row.warnings, shown)
    return RowOutcome(
        row.number,
        "update" if row.errors else "unchanged",
        row.errors,
        row.existing.id,
        row.warnings,
    )


def pick(checker: Checker, found: list[Any], row: _Row) -> Any:
    """Of several records sharing a natural key (namesakes), the one the row names.

    A unique column the row gives (an enrolment's certificate number) decides; else the
    one record the row matches in every column, if exactly one does.
    """
    table = checker.model.__table__  # type: ignore[attr-defined]
    for column in table.columns:
        if column.unique and row.data.get(column.name) is not None:
            ok, value = key_part(checker.model, column.name, row.data[column.name])
            same = [r for r in found if ok and getattr(r, column.name) == value]
            if len(same) == 1:
                return same[0]
    identical = [r for r in found if not changes(checker.principal, checker.model, r, row.data)]
    return identical[0] if len(identical) == 1 else None


async def load_by_ids(session: AsyncSession, model: type[Record], ids: list[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for start in range(0, len(ids), CHUNK):
        statement = sa.select(model).where(model.id.in_(ids[start : start + CHUNK]))  # type: ignore[union-attr]
        out.update({int(r.id or 0): r for r in (await session.execute(statement)).scalars()})
    return out


async def check_unique(checker: Checker, checked: Checked) -> None:
    """Unique values already taken by another row of the table (any row, hidden or deleted)."""
    model = checker.model
    table = model.__table__  # type: ignore[attr-defined]
    groups = list(model.__entity__.unique_groups)
    groups += [(c.name,) for c in table.columns if c.unique and (c.name,) not in groups]
    outcomes = {o.row: o for o in checked.report.rows}
    writes: list[tuple[int, int | None, dict[str, Any]]] = [
        (c.row, None, c.values) for c in checked.creates
    ]
    writes += [
        (u.row, u.record.id, {**crud.snapshot(u.record), **u.values})
        for u in checked.updates
        if set(u.values) & {c for g in groups for c in g}
    ]
    failed: set[int] = set()
    for columns in groups:
        wanted = [(row, own, tuple(values.get(c) for c in columns)) for row, own, values in writes]
        wanted = [
            w
            for w in wanted
            if all(v is not None and not (isinstance(v, int) and v < 0) for v in w[2])
        ]
        last = columns[-1]
        taken: dict[tuple[Any, ...], int] = {}
        values = sorted({w[2][-1] for w in wanted}, key=str)
        for start in range(0, len(values), CHUNK):
            statement = sa.select(table.c.id, *[table.c[c] for c in columns]).where(
                table.c[last].in_(values[start : start + CHUNK])
            )
            for found in (await checker.session.execute(statement)).all():
                taken[tuple(found[1:])] = int(found[0])
        budget = await _probe_budget(checker, model, columns)
        in_file: dict[tuple[Any, ...], int] = {}
        for row, own, key in wanted:
            other = taken.get(key)
            hit = other is not None and other != own
            if hit and budget is not None and budget <= 0:
                # Spent: a further taken personal value is refused without the usual answer;
                # a value not registered anywhere still proceeds (hongfan.probes).
                outcomes[row].errors.append(checker.error(last, "unique.too_many", minutes=60))
                failed.add(row)
                continue
            if hit and other is not None and budget is not None:
                budget -= 1
                outcomes[row].errors.append(
                    checker.error(last, await _probe(checker, model, last, other, own))
                )
                failed.add(row)
            elif (other is not None and other != own) or (
                key in in_file and len(columns) == 1 and last not in checker.key_columns
            ):
                outcomes[row].errors.append(checker.error(last, "unique"))
                failed.add(row)
            in_file.setdefault(key, row)
    if failed:
        checked.creates = [c for c in checked.creates if c.row not in failed]
        checked.updates = [u for u in checked.updates if u.row not in failed]


async def _probe_budget(
    checker: Checker, model: type[Record], columns: tuple[str, ...]
) -> int | None:
    """Hits left to a caller checking personal values this hour (#12.6); None: not limited."""
    if checker.principal.is_system or not probes.guarded(model, columns):
        return None
    return max(0, probes.IMPORT_LIMIT - await probes.used(checker.session, checker.principal))


async def _probe(
    checker: Checker, model: type[Record], column: str, other: int, own: int | None
) -> str:
    """The error code for a taken personal value, its probe kept for the audit log."""
    error, entry = await probes.hit(
        checker.session, checker.principal, model, column, other, own, checker.lang
    )
    checker.probes.append(entry)
    return error.code


__all__ = ["check_table", "check_unique", "load_by_ids", "pick"]
