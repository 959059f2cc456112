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
        raise CommandError("cli.no_organisation_id", ref=ref)
    wanted = [part.strip() for part in ref.strip("/").split("/") if part.strip()]
    if not wanted:
        raise CommandError("cli.empty_organisation")
    found = [row for row in rows if chain(row.path)[-len(wanted) :] == wanted]
    if not found:
        raise CommandError("cli.no_organisation", ref=ref)
    if len(found) > 1:
        candidates = "; ".join(f"{row.id}: {'/'.join(chain(row.path))}" for row in found)
        raise CommandError(
            "cli.ambiguous_organisation", ref=ref, n=len(found), candidates=candidates
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
        raise CommandError("cli.no_company", ref=ref)
    if len(rows) > 1:
        candidates = "; ".join(f"{row.id}: {row.name}" for row in rows)
        raise CommandError("cli.ambiguous_company", ref=ref, n=len(rows), candidates=candidates)
    return int(rows[0].id)
