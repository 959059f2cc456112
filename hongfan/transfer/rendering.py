"""Stored values as export cells: labels, yes/no, relations as imports read them back."""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan import access
from hongfan.principal import Principal
from hongfan.transfer.references import OrganisationIndex
from models.base import ENTITIES, Record, choice_label, named_within_organisation
from models.rules import python_type


def render_value(value: Any, lang: str, *, typed: bool = False) -> Any:
    """A stored value as a cell: labels and yes/no; dates and money as text unless ``typed``."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return choice_label(value, lang)
    if isinstance(value, bool):
        return ("Yes" if value else "No") if lang == "en" else ("是" if value else "否")
    if typed:
        return value
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class Relations:
    """Renders foreign keys the way imports accept them."""

    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal
        self.organisations = OrganisationIndex()
        self.labels: dict[str, dict[int, str]] = {}
        self.students: dict[int, tuple[str, str]] = {}
        self.clear_ids = access.can_read_column(
            principal, ENTITIES["ScholarshipStudent"], "id_number"
        )

    async def load(self, targets: set[str]) -> None:
        self.organisations = await OrganisationIndex.load(self.session, self.principal)
        if "Company" in targets:
            model: Any = ENTITIES["Company"]
            rows = (
                await self.session.execute(sa.select(model.id, model.name, model.credit_code))
            ).all()
            names = Counter(name for _id, name, _code in rows)
            self.labels["Company"] = {
                i: (name if names[name] == 1 else code) for i, name, code in rows
            }
        for target in sorted(targets - {"Company", "Organisation", "ScholarshipStudent"}):
            source: Any = ENTITIES[target]
            attribute = named_within_organisation(source)
            if attribute is None:
                continue
            rows = (
                await self.session.execute(
                    sa.select(source.id, getattr(source, attribute), source.organisation_id)
                )
            ).all()
            names = Counter(name for _id, name, _org in rows)
            self.labels[target] = {
                i: (
                    name
                    if names[name] == 1
                    else f"{name}（{self.organisations.render(org) or org}）"
                )
                for i, name, org in rows
            }

    async def prepare(self, student_ids: set[int]) -> None:
        """Load the students a page refers to (there may be too many to load all)."""
        wanted = sorted(student_ids - set(self.students))
        if not wanted:
            return
        model: Any = ENTITIES["ScholarshipStudent"]
        rows = await self.session.execute(
            sa.select(model.id, model.id_number, model.name).where(model.id.in_(wanted))
        )
        for student_id, number, name in rows.all():
            self.students[int(student_id)] = (number, name)

    def render(self, target: str, record_id: int | None) -> str | None:
        if record_id is None:
            return None
        if target == "Organisation":
            return self.organisations.render(record_id)
        if target == "ScholarshipStudent":
            found = self.students.get(record_id)
            if found is None:
                return None
            model = ENTITIES["ScholarshipStudent"]
            if self.clear_ids:
                return str(found[0])
            return str(access.present(self.principal, model, "name", found[1]) or "")
        labels = self.labels.get(target)
        if labels is not None:
            return labels.get(record_id)
        return str(record_id)


def renderer(
    principal: Principal,
    model: type[Record],
    column: str,
    targets: dict[str, str],
    relations: Relations,
    lang: str,
    typed: bool,
) -> Callable[[Any], Any]:
    """How one column's stored value becomes a cell, decided once per export, not per cell."""
    if column in targets:
        target = targets[column]
        return lambda value: relations.render(target, value)
    kind = python_type(model, column)
    if access.visibility(principal, model, column) is not access.Visibility.CLEAR:
        shown = access.presenter(principal, model, column)
        return lambda value: render_value(shown(value), lang, typed=typed)
    if kind is str or (typed and kind in (int, Decimal, date)):
        return lambda value: value
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        labels = {member: choice_label(member, lang) for member in kind}
        return lambda value: None if value is None else labels.get(value, value)
    return lambda value: render_value(value, lang, typed=typed)


__all__ = ["Relations", "render_value", "renderer"]
