"""Authorship fields (``createdBy``, ``updatedBy``): a user's id, named as the caller may see people.

The column stores the user's id; the field answers ``hongfan.access.person_label`` of
that user: null for the public and partners, a display name for staff, name and e-mail
for admins. Users are loaded once per request, in one batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

import strawberry

from hongfan import access, reads
from models.base import Record, column_meta

if TYPE_CHECKING:
    from graph.context import Context


def is_person(model: type[Record], column: str) -> bool:
    return column_meta(model, column).person


def person_slot(column: str) -> str:
    """Where a node keeps the author's user id until the field is resolved."""
    return f"{column}_user"


def _loader(ctx: Context) -> Any:
    async def batch(ids: list[int]) -> list[access.Person | None]:
        found = await reads.people(ctx.execute, ids)
        return [found.get(i) for i in ids]

    return ctx.loader("people", batch)


async def label(ctx: Context, model: type[Record], column: str, user_id: int | None) -> str | None:
    """``user_id`` in ``column`` as the caller may see its person (None when hidden or written
    by the system); hidden or not is :func:`hongfan.access.visibility`, like every column."""
    if user_id is None or not access.visibility(ctx.principal, model, column).readable:
        return None
    who = await _loader(ctx).load(int(user_id))
    return access.person_label(ctx.principal, model, who)


def person_field(model: type[Record], column: str) -> Callable[..., Any]:
    slot = person_slot(column)

    async def resolve(root: Any, info: strawberry.Info) -> str | None:
        return await label(info.context, model, column, getattr(root, slot))

    resolve.__annotations__ = {"root": "Any", "info": strawberry.Info, "return": Optional[str]}  # noqa: UP045
    resolve.__module__ = "graph.types"
    resolve.__name__ = column
    return resolve
