"""Find an organisation or a company from what a person types on the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hongfan.cli.common import CommandError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


async def resolve_organisation(session: AsyncSession, ref: str) -> int:
    """An organisation id from an id, a unique name or a name path such as 厦门市/湖里区."""
    import sqlalchemy as sa

    from models.organisations import Organisation

    table = Organisation.__table__  # type: ignore[attr-defined]
    rows = (await session.execute(sa.select(table.c.id, table.c.name, table.c.path))).all()
    names = {row.id: row.name for row in rows}

    def chain(path: str) -> list[str]:
        return [names.get(int(part), "?") for part in path.strip("/").split("/") if part]

    ref = ref.strip()
    if ref.isdigit():
        if int(ref) in names:
            return int(ref)
        raise CommandError(f"no organisation with id {ref}")
    wanted = [part.strip() for part in ref.strip("/").split("/") if part.strip()]
    if not wanted:
        raise CommandError("--org is empty")
    found = [row for row in rows if chain(row.path)[-len(wanted) :] == wanted]
    if not found:
        raise CommandError(f"no organisation named {ref!r}")
    if len(found) > 1:
        candidates = "\n".join(f"  {row.id}: {'/'.join(chain(row.path))}" for row in found)
        raise CommandError(
            f"{ref!r} names {len(found)} organisations; give a longer path or the id:\n{candidates}"
        )
    return int(found[0].id)


async def resolve_company(session: AsyncSession, ref: str) -> int:
    """A company id from an id, a unique name or a credit code."""
    import sqlalchemy as sa

    from models.practice import Company

    table = Company.__table__  # type: ignore[attr-defined]
    ref = ref.strip()
    if ref.isdigit() and len(ref) < 18:
        condition = table.c.id == int(ref)
    else:
        condition = sa.or_(table.c.name == ref, table.c.credit_code == ref.upper())
    rows = (await session.execute(sa.select(table.c.id, table.c.name).where(condition))).all()
    if not rows:
        raise CommandError(f"no company {ref!r}")
    if len(rows) > 1:
        candidates = "\n".join(f"  {row.id}: {row.name}" for row in rows)
        raise CommandError(f"{ref!r} names {len(rows)} companies; give the id:\n{candidates}")
    return int(rows[0].id)
