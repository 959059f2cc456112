"""Enum display labels in the caller's language (issue #14.6): what the admin UI shows for
an enum value (向日葵亲子小屋 / Sunflower hut), queryable so a website shows the same words.

Design: one root field, ``enumLabels(type:)``, rather than a ``…Label`` field beside every
enum field — a frontend loads the labels once (they are static, and cacheable with GET)
and looks values up; the record types stay as they are. The language is the request's
(``Accept-Language``, ``?lang=``), Chinese by default.
"""

from __future__ import annotations

import enum

import strawberry

from graph.context import Context
from graph.errors import UserError
from models.base import CHOICE_LABELS
from models.messages import message


@strawberry.type(description="An enum value and its display label in your language (选项标签)")
class EnumLabel:
    type: str = strawberry.field(description="The enum type's name, e.g. SiteKind (选项类型)")
    value: str = strawberry.field(
        description="The enum value as the API writes it, e.g. SUNFLOWER_HUT (选项值)"
    )
    label: str = strawberry.field(
        description="What people read, e.g. 向日葵亲子小屋 or Sunflower hut (显示名称)"
    )


def _enums() -> dict[str, type[enum.Enum]]:
    return {enum_cls.__name__: enum_cls for enum_cls in CHOICE_LABELS}


def resolve_enum_labels(
    info: strawberry.Info,
    type: str | None = None,  # noqa: A002 — the GraphQL argument's name
) -> list[EnumLabel]:
    ctx: Context = info.context
    in_schema = info.schema._schema.type_map
    known = {name: cls for name, cls in _enums().items() if name in in_schema}
    if type:
        if type not in known:
            raise UserError(message("enum.unknown", ctx.language, type=type), code="UNKNOWN_ENUM")
        chosen = [known[type]]
    else:
        chosen = [known[name] for name in sorted(known)]
    english = ctx.language == "en"
    return [
        EnumLabel(
            type=enum_cls.__name__, value=member.name, label=labels[1] if english else labels[0]
        )
        for enum_cls in chosen
        for member, labels in CHOICE_LABELS[enum_cls].items()
    ]


FIELD = strawberry.field(
    resolver=resolve_enum_labels,
    description=(
        "Display labels of enum values in your language (Accept-Language; Chinese by default): "
        'every enum, or one by its type name, e.g. enumLabels(type: "SiteKind") (选项标签)'
    ),
)
